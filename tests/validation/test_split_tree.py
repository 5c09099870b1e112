"""Radialight Cloud's own repository, made by the documented split, passes the same rules.

The split is the line docs/architecture.md gives (``git subtree split --prefix radialight``),
run on a clone of this repository's committed history; its tree is what would be published.
It must be a HACS repository root holding one integration, pass the HACS and hassfest rules
this project tests for Wiener Netze, and need nothing outside itself.
"""

from __future__ import annotations

import ast
import re
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

from tests.validation import test_hassfest_rules as hassfest
from tests.validation.test_links import relative_links
from tests.validation.test_repository import (
    check_hacs_json,
    check_manifest,
    check_quality_scale,
    check_translations,
    load_json,
)

ROOT = Path(__file__).resolve().parents[2]
SPLIT = "git subtree split --prefix radialight -b radialight-release"
# What the published integration may import besides itself: the standard library, Home
# Assistant and what Home Assistant brings.
OUTSIDE = {"homeassistant", "aiohttp", "probatio", "voluptuous", "yarl"}
STDLIB = frozenset(sys.stdlib_module_names) | {"__future__"}


def documented_split() -> str:
    """The split command as docs/architecture.md gives it."""
    text = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    found = re.search(r"`(git subtree split [^`]+)`", text)
    assert found is not None, "docs/architecture.md gives no split command"
    return found.group(1)


@pytest.fixture(scope="module")
def split_tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The tree of the branch the documented split makes, in a clone of this repository."""
    if shutil.which("git") is None:
        pytest.fail("git is needed to split the repository")
    work = tmp_path_factory.mktemp("split")
    clone = work / "clone"
    git = ["git", "-c", "safe.directory=*"]
    subprocess.run([*git, "clone", "-q", str(ROOT), str(clone)], check=True)
    assert documented_split() == SPLIT
    subprocess.run(
        [*git, *SPLIT.split()[1:]], cwd=clone, check=True, capture_output=True, text=True
    )
    archive = work / "tree.tar"
    subprocess.run(
        [*git, "archive", "-o", str(archive), "radialight-release"], cwd=clone, check=True
    )
    tree = work / "tree"
    with tarfile.open(archive) as tar:
        tar.extractall(tree, filter="data")
    return tree


def test_the_split_is_a_hacs_repository_of_one_integration(split_tree: Path) -> None:
    """At its root: README, LICENSE (MIT), CHANGELOG, hacs.json; under custom_components/ only
    radialight_cloud; nothing of the development repository."""
    assert sorted(path.name for path in split_tree.iterdir()) == [
        "CHANGELOG.md",
        "LICENSE",
        "README.md",
        "custom_components",
        "hacs.json",
    ]
    found = [
        path.parent.name for path in (split_tree / "custom_components").glob("*/manifest.json")
    ]
    assert found == ["radialight_cloud"]
    assert (split_tree / "LICENSE").read_text(encoding="utf-8").startswith("MIT License")
    check_hacs_json(split_tree)
    assert not load_json(split_tree / "hacs.json").get("content_in_root", False)


def test_the_split_integration_passes_the_hassfest_rules(split_tree: Path) -> None:
    """Manifest, translations (English, German, Italian), the quality scale, imports."""
    package = split_tree / "custom_components" / "radialight_cloud"
    check_manifest(package)
    check_translations(package, ["de", "it"])
    check_quality_scale(package)
    hassfest.test_manifest_keys_and_urls(package)
    hassfest.test_imports_of_other_integrations_are_declared(package)
    for path in [package / "strings.json", *sorted((package / "translations").glob("*.json"))]:
        hassfest.test_translations_follow_the_schema(path)


def test_the_split_needs_nothing_outside_itself(split_tree: Path) -> None:
    """Its modules import only themselves, the standard library and what Home Assistant
    brings; its README's links stay inside it."""
    package = split_tree / "custom_components" / "radialight_cloud"
    for path in package.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            for name in names:
                top = name.split(".")[0]
                assert top in OUTSIDE or top in STDLIB, f"{path.name} imports {name}"
    readme = split_tree / "README.md"
    for target in relative_links(readme):
        resolved = (readme.parent / target.split("#", 1)[0]).resolve()
        assert resolved.is_relative_to(split_tree.resolve()), target
        assert resolved.exists(), target
