"""The rules hassfest and the HACS action apply to this repository, checked in the test command.

Where the installed Home Assistant has the schema or the list (the manifest's keys and types,
version strategies, the services.yaml schema, the brand image fallbacks), it is used; the rest
(HACS keys, the quality scale's rule list, brand image sizes) follows their documentation.
"""

from __future__ import annotations

import json
import typing
from pathlib import Path
from typing import Any, get_args

import homeassistant.components
import pytest
import yaml
from awesomeversion import AwesomeVersion, AwesomeVersionStrategy
from homeassistant.components.brands.const import IMAGE_FALLBACKS
from homeassistant.const import __version__ as ha_version
from homeassistant.helpers.service import _SERVICES_SCHEMA
from homeassistant.loader import Manifest
from PIL import Image

from custom_components.wiener_netze import services

ROOT = Path(__file__).parents[2]
PACKAGE = ROOT / "custom_components" / "wiener_netze"

# HACS: https://hacs.xyz/docs/publish/start (hacs.json keys) and /integration.
HACS_KEYS = {
    "name",
    "content_in_root",
    "zip_release",
    "filename",
    "hide_default_branch",
    "country",
    "homeassistant",
    "hacs",
    "persistent_directory",
    "render_readme",
}
# hassfest: iot_class values, and the order of manifest keys (domain, name, then sorted).
IOT_CLASSES = {
    "assumed_state",
    "calculated",
    "cloud_polling",
    "cloud_push",
    "local_polling",
    "local_push",
}
# The integration quality scale: 18 bronze, 10 silver, 21 gold and 3 platinum rules.
QUALITY_RULES = {
    "bronze": {
        "action-setup", "appropriate-polling", "brands", "common-modules",
        "config-flow-test-coverage", "config-flow", "dependency-transparency", "docs-actions",
        "docs-high-level-description", "docs-installation-instructions",
        "docs-removal-instructions", "entity-event-setup", "entity-unique-id",
        "has-entity-name", "runtime-data", "test-before-configure", "test-before-setup",
        "unique-config-entry",
    },
    "silver": {
        "action-exceptions", "config-entry-unloading", "docs-configuration-parameters",
        "docs-installation-parameters", "entity-unavailable", "integration-owner",
        "log-when-unavailable", "parallel-updates", "reauthentication-flow", "test-coverage",
    },
    "gold": {
        "devices", "diagnostics", "discovery-update-info", "discovery", "docs-data-update",
        "docs-examples", "docs-known-limitations", "docs-supported-devices",
        "docs-supported-functions", "docs-troubleshooting", "docs-use-cases",
        "dynamic-devices", "entity-category", "entity-device-class",
        "entity-disabled-by-default", "entity-translations", "exception-translations",
        "icon-translations", "reconfiguration-flow", "repair-issues", "stale-devices",
    },
    "platinum": {"async-dependency", "inject-websession", "strict-typing"},
}  # fmt: skip


def load_json(path: Path) -> Any:
    """A JSON file of the repository."""
    return json.loads(path.read_text(encoding="utf-8"))


def test_one_integration_in_custom_components() -> None:
    """HACS installs one integration from ``custom_components/``; its folder is its domain."""
    found = [path.parent.name for path in (ROOT / "custom_components").glob("*/manifest.json")]
    assert found == ["wiener_netze"]
    assert (ROOT / "README.md").is_file()


def test_hacs_json() -> None:
    """Only known keys; the minimum Home Assistant is a version this one satisfies."""
    check_hacs_json(ROOT)


def check_hacs_json(root: Path) -> None:
    """A repository root's hacs.json: known keys, a name, a minimum this release satisfies."""
    hacs = load_json(root / "hacs.json")
    assert set(hacs) <= HACS_KEYS
    assert isinstance(hacs["name"], str)
    assert hacs["name"]
    assert AwesomeVersion(hacs["homeassistant"]) <= AwesomeVersion(ha_version)
    assert not hacs.get("content_in_root", False)  # the integration is in custom_components/


def test_manifest() -> None:
    """Keys Home Assistant knows with the types it declares, custom-integration keys present,
    values hassfest accepts, keys in hassfest's order."""
    check_manifest(PACKAGE)


def check_manifest(package: Path) -> None:
    """An integration's manifest.json, as :func:`test_manifest` says."""
    manifest = load_json(package / "manifest.json")
    hints = typing.get_type_hints(Manifest)
    for key, value in manifest.items():
        assert key in hints, f"unknown manifest key {key}"
        expected = hints[key]
        origin = typing.get_origin(expected)
        if origin is typing.Literal:
            assert value in get_args(expected), key
        else:
            assert isinstance(value, origin or expected), key
    assert manifest["domain"] == package.name
    assert list(manifest)[:2] == ["domain", "name"]
    assert list(manifest)[2:] == sorted(list(manifest)[2:])
    for key in ("codeowners", "documentation", "issue_tracker", "iot_class", "version"):
        assert key in manifest, key
    assert all(owner.startswith("@") for owner in manifest["codeowners"])
    for key in ("documentation", "issue_tracker"):
        assert manifest[key].startswith("https://"), key
    assert manifest["iot_class"] in IOT_CLASSES
    assert manifest["config_flow"] is True
    assert (package / "config_flow.py").is_file()
    # The loader's own check that blocks a custom integration with a bad version.
    AwesomeVersion(
        manifest["version"],
        ensure_strategy=[
            AwesomeVersionStrategy.CALVER,
            AwesomeVersionStrategy.SEMVER,
            AwesomeVersionStrategy.SIMPLEVER,
            AwesomeVersionStrategy.BUILDVER,
            AwesomeVersionStrategy.PEP440,
        ],
    )
    components = Path(homeassistant.components.__path__[0])
    for dependency in manifest["dependencies"]:
        assert (components / dependency / "manifest.json").is_file(), dependency


def registered_actions() -> dict[str, Any]:
    """The actions ``services.py`` registers, with their schemas."""
    return {
        services.SERVICE_IMPORT_HISTORY: services.IMPORT_SCHEMA,
        services.SERVICE_RECALCULATE_COSTS: services.IMPORT_SCHEMA,
        services.SERVICE_GET_READINGS: services.READINGS_SCHEMA,
    }


def test_services_yaml_against_the_actions() -> None:
    """Home Assistant's services.yaml schema; one entry per action, one field per parameter,
    an icon per action."""
    described = yaml.safe_load((PACKAGE / "services.yaml").read_text(encoding="utf-8"))
    _SERVICES_SCHEMA(described)
    actions = registered_actions()
    assert set(described) == set(actions)
    for action, schema in actions.items():
        parameters = {str(key) for key in schema.schema}
        assert set(described[action]["fields"]) == parameters, action
    icons = load_json(PACKAGE / "icons.json")
    assert set(icons["services"]) == set(actions)
    registered = (PACKAGE / "services.py").read_text(encoding="utf-8").count("async_register(")
    assert registered == len(actions)


def test_translations_against_strings() -> None:
    """English is strings.json; German has exactly the same keys (see test_translations)."""
    check_translations(PACKAGE, ["de"])


def check_translations(package: Path, languages: list[str]) -> None:
    """en.json is strings.json; each of ``languages`` has exactly its keys."""
    strings = load_json(package / "strings.json")
    assert load_json(package / "translations" / "en.json") == strings

    def keys(tree: Any, prefix: str = "") -> set[str]:
        if not isinstance(tree, dict):
            return {prefix}
        return set().union(*(keys(value, f"{prefix}.{key}") for key, value in tree.items()))

    for language in languages:
        assert keys(load_json(package / "translations" / f"{language}.json")) == keys(strings)


def test_quality_scale_against_the_rule_list() -> None:
    """Every rule of the scale, no other; done, todo or exempt; a reason for every exemption."""
    check_quality_scale(PACKAGE)


def check_quality_scale(package: Path) -> None:
    """An integration's quality_scale.yaml, as :func:`test_quality_scale_against_the_rule_list`."""
    rules = yaml.safe_load((package / "quality_scale.yaml").read_text(encoding="utf-8"))["rules"]
    assert set(rules) == set().union(*QUALITY_RULES.values())
    for rule, status in rules.items():
        if isinstance(status, dict):
            assert status["status"] in {"done", "todo", "exempt"}, rule
            if status["status"] != "done":
                assert status.get("comment"), f"{rule}: no reason given"
        else:
            assert status == "done", f"{rule}: {status} needs a comment"


@pytest.mark.parametrize(
    ("name", "size"),
    [("icon.png", 256), ("icon@2x.png", 512), ("dark_icon.png", 256), ("dark_icon@2x.png", 512)],
)
def test_brand_images(name: str, size: int) -> None:
    """The brand folder Home Assistant serves custom integrations' images from: square PNG
    icons of the sizes the brands repository asks for, with transparency."""
    with Image.open(PACKAGE / "brand" / name) as image:
        assert image.format == "PNG"
        assert image.size == (size, size)
        assert image.mode == "RGBA"


def test_every_brand_image_resolves() -> None:
    """Every image the frontend asks for resolves through Home Assistant's own fallbacks."""
    present = {path.name for path in (PACKAGE / "brand").iterdir()}
    for image, fallbacks in IMAGE_FALLBACKS.items():
        assert present & {image, *fallbacks}, image
