"""Every relative link of the user and contributor docs resolves to a file in the repository."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# Radialight Cloud's docs are published from radialight/ alone: their links stay inside it.
RADIALIGHT = ROOT / "radialight"
DOCS = [
    ROOT / "README.md",
    *sorted((ROOT / "docs").rglob("*.md")),
    *sorted(RADIALIGHT.glob("*.md")),
]
# Markdown links and images: [text](target) and ![alt](target), target up to a space or ")".
LINK = re.compile(r"!?\[[^\]]*\]\(([^)\s]+)")


def relative_links(path: Path) -> list[str]:
    """The link targets of a Markdown file that point into the repository."""
    return [
        target
        for target in LINK.findall(path.read_text(encoding="utf-8"))
        if not re.match(r"^[a-z][a-z0-9+.-]*:", target) and not target.startswith("#")
    ]


@pytest.mark.parametrize("path", DOCS, ids=lambda path: str(path.relative_to(ROOT)))
def test_relative_links_resolve_inside_the_repository(path: Path) -> None:
    """No link leaves the repository (``../shared``), and none is broken."""
    root = RADIALIGHT if path.is_relative_to(RADIALIGHT) else ROOT
    for target in relative_links(path):
        resolved = (path.parent / target.split("#", 1)[0]).resolve()
        assert resolved.is_relative_to(root), f"{target} leaves the repository"
        assert resolved.exists(), f"{target} does not exist"


def test_the_docs_have_links() -> None:
    """The test reads links at all (the README links the German guide and the API notes)."""
    assert "docs/de/README.md" in relative_links(ROOT / "README.md")
    assert "docs/api.md" in relative_links(ROOT / "README.md")
    assert "LICENSE" in relative_links(RADIALIGHT / "README.md")
