"""The shape of an answer: its keys and value types, never a value.

Nothing of this API is documented and no answer has been published; the first user with a real
account can attach this report to an issue. Keys are field names (kept), values become their
type, lists show their length and the union of their items' shapes. No token, key, id, name or
serial survives.
"""

from __future__ import annotations

from typing import Any


def shape(value: Any) -> Any:
    """The shape of a decoded JSON value."""
    if isinstance(value, dict):
        return {str(key): shape(item) for key, item in sorted(value.items())}
    if isinstance(value, list):
        items: dict[str, Any] = {}
        for item in value:
            described = shape(item)
            items.setdefault(repr(described), described)
        return {"list of": len(value), "items": list(items.values())}
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int"
    if isinstance(value, float):
        return "float"
    return "str"


def report(answers: dict[str, Any]) -> dict[str, Any]:
    """The shapes of the last answer of each kind of request."""
    return {kind: shape(answer) for kind, answer in sorted(answers.items())}
