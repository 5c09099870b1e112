"""The API client must stay usable without Home Assistant."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

API_DIR = Path(__file__).parents[2] / "custom_components" / "wiener_netze" / "api"


def test_no_homeassistant_import_in_source() -> None:
    offenders = []
    files = sorted(API_DIR.glob("*.py"))
    assert len(files) >= 10
    for path in files:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module]
            offenders += [f"{path.name}: {n}" for n in names if n.split(".")[0] == "homeassistant"]
    assert offenders == []


def test_the_package_imports_on_its_own_without_homeassistant() -> None:
    # Imported as a top-level package, outside the integration: only relative imports inside.
    code = (
        "import sys; sys.path.insert(0, sys.argv[1]); import api, api.cli;"
        "print(api.WienerNetzeClient.__name__,"
        " sorted(m for m in sys.modules if m.split('.')[0] == 'homeassistant'))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code, str(API_DIR.parent)],
        capture_output=True,
        text=True,
        check=True,
        cwd="/",
    )
    assert result.stdout.strip() == "WienerNetzeClient []"
