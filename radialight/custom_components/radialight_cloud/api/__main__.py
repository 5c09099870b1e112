"""``python -m custom_components.radialight_cloud.api``: see :mod:`.cli`."""

from .cli import main

raise SystemExit(main())
