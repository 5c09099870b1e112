"""More of what hassfest and HACS check, which a repository passing the basics can still fail.

The translation schema's rules (lower-case option keys, no HTML, placeholders not in single
quotes, ``data_description`` only for fields in ``data``, an issue with a description or a fix
flow but not both), icons.json's shape, manifest keys hassfest rejects and its URLs, every
import of another integration covered by the manifest, every JSON file parseable, and the
repository's licence.
"""

from __future__ import annotations

import ast
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest
from homeassistant.const import Platform
from homeassistant.const import __version__ as HA_VERSION  # noqa: N812 - a constant

ROOT = Path(__file__).parents[2]
PACKAGE = ROOT / "custom_components" / "wiener_netze"
# Both products: the rules that hold for every integration are checked for each.
PACKAGES = [PACKAGE, ROOT / "radialight" / "custom_components" / "radialight_cloud"]
TRANSLATIONS = [
    path
    for package in PACKAGES
    for path in (package / "strings.json", *sorted((package / "translations").glob("*.json")))
]
# hassfest's translation rules.
OPTION_KEY = re.compile(r"^[a-z0-9-_]+$")
HTML = re.compile(r"<[a-zA-Z/][^>]*>")
QUOTED_PLACEHOLDER = re.compile(r"'\{[^}]*\}'")
# hassfest's icons: Material Design Icons by name.
ICON = re.compile(r"^mdi:[a-z0-9]+(-[a-z0-9]+)*$")
# Integrations hassfest lets any integration import without declaring them.
ALLOWED_IMPORTS = {platform.value for platform in Platform} | {
    "homeassistant",
    "persistent_notification",
    "websocket_api",
    "system_health",
}


def load(path: Path) -> Any:
    """A JSON file."""
    return json.loads(path.read_text(encoding="utf-8"))


def strings(node: Any, path: str = "") -> Iterator[tuple[str, str]]:
    """Every text of a translation file, with where it is."""
    if isinstance(node, dict):
        for key, value in node.items():
            yield from strings(value, f"{path}.{key}" if path else key)
    elif isinstance(node, str):
        yield path, node


def steps(node: Any, path: str = "") -> Iterator[tuple[str, dict[str, Any]]]:
    """Every form step (with ``data`` or ``data_description``), with where it is."""
    if isinstance(node, dict):
        if "data" in node or "data_description" in node:
            yield path, node
        for key, value in node.items():
            if key == "sections":
                for name, section in value.items():
                    yield f"{path}.sections.{name}", section
            else:
                yield from steps(value, f"{path}.{key}" if path else key)


@pytest.mark.parametrize(
    "path",
    TRANSLATIONS,
    ids=lambda path: (
        f"{path.parents[1].name}/{path.name}"
        if path.parent.name == "translations"
        else f"{path.parent.name}/{path.name}"
    ),
)
def test_translations_follow_the_schema(path: Path) -> None:
    """Lower-case selector option keys, no HTML, placeholders not in quotes, descriptions
    only for fields that exist, an issue with a description or a fix flow but not both."""
    data = load(path)
    for selector, content in data.get("selector", {}).items():
        for key in content.get("options", {}):
            assert OPTION_KEY.match(key), f"selector.{selector}.options.{key}"
    for where, text in strings(data):
        assert not HTML.search(text), f"HTML in {where}"
        assert not QUOTED_PLACEHOLDER.search(text), f"a quoted placeholder in {where}"
    for where, step in steps(data):
        extra = set(step.get("data_description", {})) - set(step.get("data", {}))
        assert not extra, f"{where}.data_description without data: {extra}"
    for name, issue in data.get("issues", {}).items():
        assert ("description" in issue) != ("fix_flow" in issue), f"issues.{name}"


def test_selector_options_are_those_of_services_yaml() -> None:
    """The action's granularity options have translations, in lower case."""
    import yaml

    services = yaml.safe_load((PACKAGE / "services.yaml").read_text(encoding="utf-8"))
    options = services["get_readings"]["fields"]["granularity"]["selector"]["select"]["options"]
    translated = load(PACKAGE / "strings.json")["selector"]["granularity"]["options"]
    assert options == list(translated)
    assert all(OPTION_KEY.match(option) for option in options)


def test_icons_json() -> None:
    """Entity icons by platform and translation key, action icons by name, all mdi: names."""
    icons = load(PACKAGE / "icons.json")
    assert set(icons) <= {"entity", "services", "issues"}
    for platform, entities in icons.get("entity", {}).items():
        assert platform in {p.value for p in Platform}, platform
        for key, icon in entities.items():
            assert set(icon) <= {"default", "state", "range", "state_attributes"}, key
            assert ICON.match(icon["default"]), icon["default"]
            for value in icon.get("state", {}).values():
                assert ICON.match(value), value
    for name, icon in icons.get("services", {}).items():
        value = icon["service"] if isinstance(icon, dict) else icon
        assert ICON.match(value), name


@pytest.mark.parametrize("package", PACKAGES, ids=lambda package: package.name)
def test_manifest_keys_and_urls(package: Path) -> None:
    """No key hassfest reserves for Home Assistant itself; the URLs are real https URLs."""
    manifest = load(package / "manifest.json")
    assert not {"is_built_in", "overwrites_built_in", "quality_scale"} & set(manifest)
    for key in ("documentation", "issue_tracker"):
        url = urlparse(manifest[key])
        assert url.scheme == "https", key
        assert "." in url.netloc, key
        assert url.path not in ("", "/"), key


def imported_integrations(path: Path) -> set[str]:
    """Other integrations a module imports (outside TYPE_CHECKING), as hassfest finds them."""
    found: set[str] = set()

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and getattr(node.test, "id", "") == "TYPE_CHECKING":
            return
        if isinstance(node, ast.ImportFrom) and node.module:
            if node.module.startswith("homeassistant.components."):
                found.add(node.module.split(".")[2])
            elif node.module == "homeassistant.components":
                found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.Import):
            found.update(
                alias.name.split(".")[2]
                for alias in node.names
                if alias.name.startswith("homeassistant.components.")
            )
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(ast.parse(path.read_text(encoding="utf-8")))
    return found


@pytest.mark.parametrize("package", PACKAGES, ids=lambda package: package.name)
def test_imports_of_other_integrations_are_declared(package: Path) -> None:
    """Every integration imported is a dependency, an after-dependency, a platform of this
    integration (a module of that name here), or one hassfest lets anybody use."""
    manifest = load(package / "manifest.json")
    declared = set(manifest.get("dependencies", [])) | set(manifest.get("after_dependencies", []))
    for path in package.rglob("*.py"):
        for domain in imported_integrations(path):
            assert (
                domain in declared
                or domain in ALLOWED_IMPORTS
                or (package / f"{domain}.py").is_file()
            ), f"{path.relative_to(ROOT)} imports {domain}, not in the manifest"


def test_every_json_file_parses() -> None:
    """hassfest and HACS read every JSON file of the repository."""
    parsed = 0
    for path in ROOT.rglob("*.json"):
        inside = path.relative_to(ROOT).parts
        if any(part.startswith(".") or part == "node_modules" for part in inside):
            continue
        load(path)
        parsed += 1
    assert parsed >= 5  # manifest, strings, translations, icons, hacs.json at least


def test_hacs_json_types() -> None:
    """hacs.json's values have the types HACS validates."""
    hacs = load(ROOT / "hacs.json")
    assert isinstance(hacs["name"], str)
    assert isinstance(hacs.get("render_readme", False), bool)
    assert isinstance(hacs.get("homeassistant", ""), str)
    for key in ("zip_release", "content_in_root", "hide_default_branch", "hacs"):
        assert isinstance(hacs.get(key, False), bool | str), key
    if "country" in hacs:
        assert isinstance(hacs["country"], str | list)


def test_declared_minimum_is_the_tested_release() -> None:
    """hacs.json's minimum is the release the harness and the first end-to-end run use, and
    the newest environment is newer: both ends of what is declared are tested."""
    minimum = load(ROOT / "hacs.json")["homeassistant"]
    assert minimum == HA_VERSION
    pins = (ROOT / "requirements-ha-newest.txt").read_text(encoding="utf-8")
    [newest] = re.findall(r"^homeassistant==(\S+)$", pins, re.MULTILINE)

    def release(version: str) -> tuple[int, ...]:
        return tuple(int(part) for part in version.split(".")[:3])

    assert release(newest) > release(minimum)


def test_licence_at_the_root() -> None:
    """HACS shows the licence GitHub detects from LICENSE: the MIT licence pyproject names."""
    text = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert text.startswith("MIT License")
    assert 'license = "MIT"' in (ROOT / "pyproject.toml").read_text(encoding="utf-8")
