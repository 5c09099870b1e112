"""What the simulators' command lines share: ``--set NAME=VALUE`` applied to their settings."""

from __future__ import annotations

from typing import Any, Protocol


class Updatable(Protocol):
    """Settings that take changes by name and raise ``ValueError`` on a bad one."""

    def update(self, changes: dict[str, Any]) -> None:
        """Apply ``changes``, all or none."""


def apply_settings(settings: Updatable, items: list[str]) -> None:
    """Apply ``NAME=VALUE`` items; a malformed item or a bad setting ends the program."""
    changes = {}
    for item in items:
        name, sep, value = item.partition("=")
        if not sep:
            raise SystemExit(f"error: --set takes NAME=VALUE, not {item!r}")
        changes[name.strip()] = value
    try:
        settings.update(changes)
    except ValueError as err:
        raise SystemExit(f"error: {err}") from None
