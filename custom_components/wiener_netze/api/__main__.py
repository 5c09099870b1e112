"""``python -m custom_components.wiener_netze.api``: see :mod:`.cli`."""

from __future__ import annotations

import sys

from .cli import main

sys.exit(main())
