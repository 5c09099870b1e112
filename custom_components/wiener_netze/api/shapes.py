"""The shape of an answer: what a user with real credentials can share without sharing data.

Nobody has published an answer of the real API, so the first users with credentials are the
only source of truth. A shape keeps what the client relies on (keys, types, time formats,
units, OBIS codes, quality codes, counts, status codes, the headers that matter) and drops
what identifies or measures anything: meter numbers, values, names, addresses, tokens.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from .errors import WienerNetzeError
from .responses import Reply, error_text

_LOGGER = logging.getLogger(__name__)

# Keys whose values are codes from a small, published set: shown as they are.
CODE_KEYS = frozenset(
    {
        "einheit",
        "obisCode",
        "qualitaet",
        "granularity",
        "typ",
        "sparte",
        "token_type",
        "wertetyp",
        "customerInterface",
    }
)
# Response headers whose values say how to talk to the API (never cookies or tokens).
HEADER_NAMES = re.compile(
    r"^(content-type|content-encoding|retry-after|.*rate-?limit.*|x-.*-limit.*|.*quota.*)$",
    re.IGNORECASE,
)
# Items of a list looked at for its shape: enough to see every variant, bounded in time.
SAMPLED_ITEMS = 500
# Distinct code values listed per key.
MAX_CODES = 20
_TIMESTAMP = re.compile(
    r"^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?(Z|[+-]\d{2}:?\d{2})?$"
)


def text_shape(text: str) -> str:
    """A string as its character classes, so no value, name or number survives.

    A time such as ``2025-01-01T00:00:00.000+01:00`` stays readable as a format (digits become
    9); anything else collapses to runs of capitals, small letters and digits (``A9``).
    """
    if not text:
        return "empty string"
    if _TIMESTAMP.match(text):
        return "time " + re.sub(r"\d", "9", text)
    try:
        float(text)
    except ValueError:
        pass
    else:
        return "number as text"
    collapsed = re.sub(r"[A-ZÄÖÜ]+", "A", text)
    collapsed = re.sub(r"[a-zäöüß]+", "a", collapsed)
    collapsed = re.sub(r"\d+", "9", collapsed)
    collapsed = re.sub(r"\s+", " ", collapsed)
    return f"text {collapsed[:40]}" + ("…" if len(collapsed) > 40 else "")


def _scalar(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    return text_shape(str(value))


class _Shaper:
    """Walks a decoded JSON document once, merging list items into one shape per key."""

    def __init__(self) -> None:
        self.codes: dict[str, set[str]] = {}

    def shape(self, value: Any, key: str = "") -> Any:
        if isinstance(value, Mapping):
            return {_key(str(k)): self.shape(v, str(k)) for k, v in value.items()}
        if isinstance(value, list):
            return self._list(value, key)
        if key in CODE_KEYS and value is not None and not isinstance(value, Mapping | list):
            codes = self.codes.setdefault(key, set())
            if len(codes) < MAX_CODES:
                codes.add(str(value))
        return _scalar(value)

    def _list(self, items: list[Any], key: str) -> dict[str, Any]:
        merged: dict[str, Any] = {}
        kinds: set[str] = set()
        sample = items[:SAMPLED_ITEMS]
        for item in sample:
            shaped = self.shape(item, key)
            if isinstance(shaped, dict) and isinstance(item, Mapping):
                for name, part in shaped.items():
                    merged[name] = _union(merged.get(name), part)
            else:
                kinds.add(json.dumps(shaped, sort_keys=True))
        described: dict[str, Any] = {"list of": len(items)}
        if merged:
            present = {
                name: sum(1 for item in sample if isinstance(item, Mapping) and name in item)
                for name in merged
            }
            described["items"] = {
                (name if present[name] == len(sample) else f"{name} (in {present[name]})"): part
                for name, part in merged.items()
            }
        if kinds:  # sorted as text: shapes of different kinds do not compare
            described["values"] = [json.loads(kind) for kind in sorted(kinds)[:10]]
        return described


def _key(key: str) -> str:
    """A key as it is when it names a field, else by its shape (no data in keys either)."""
    if _IDENTIFIER.match(key) and not _METER_NUMBER.search(key):
        return key
    return f"<{text_shape(key)}>"


def _union(old: Any, new: Any) -> Any:
    """Two shapes of one key as one: objects merged, differing scalars listed."""
    if old is None or old == new:
        return new
    if new is None:  # the key is missing here: shown as "(in n)" by the list
        return old
    if isinstance(old, dict) and isinstance(new, dict):
        return {name: _union(old.get(name), new.get(name)) for name in {**old, **new}}
    variants = old if isinstance(old, list) else [old]
    if new not in variants:
        variants = [*variants, new][:10]
    return variants


@dataclass(frozen=True, slots=True)
class ReplyShape:
    """The shape of one answer: where it came from, what it was, whether the client took it."""

    request: str  # e.g. "GET /zaehlpunkte/messwerte (QUARTER_HOUR, 3 days, 2 meters)"
    status: int
    headers: dict[str, str]
    other_headers: list[str]  # names only
    body: Any  # the shape of the JSON body, or a text shape when it is not JSON
    codes: dict[str, list[str]]
    size: int
    message: str | None = None  # an error answer's message, numbers and secrets taken out
    accepted: bool | None = None  # set by whoever parsed it; None: not parsed
    problem: str | None = None  # why the client rejected it, or what it left out (no values)

    def as_dict(self) -> dict[str, Any]:
        """For JSON output and diagnostics."""
        return {
            "request": self.request,
            "status": self.status,
            "headers": self.headers,
            "other_headers": self.other_headers,
            "bytes": self.size,
            "body": self.body,
            "codes": self.codes,
            "message": self.message,
            "accepted": self.accepted,
            "problem": self.problem,
        }


_METER_NUMBER = re.compile(r"AT\d{6,}", re.IGNORECASE)
_NUMBER = re.compile(r"\d+([.,]\d+)*")
_QUOTED = re.compile(r"'[^']*'|\"[^\"]*\"")
# A key that is an identifier is shown; any other (a number, a date, a meter number used as a
# key) by its shape.
_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]{0,40}$")
_EMAIL = re.compile(r"\S+@\S+")
_NOT_DECODED = object()


def message_shape(text: str, redact: Callable[[str], str]) -> str:
    """An error message as its words: secrets, quotes, numbers and addresses taken out."""
    text = redact(" ".join(text.split()))
    text = _QUOTED.sub("'…'", text)
    text = _METER_NUMBER.sub("AT…", text)
    text = _EMAIL.sub("…@…", text)
    text = _NUMBER.sub("9", text)
    return text[:200] + ("…" if len(text) > 200 else "")


def reply_shape(
    request: str,
    reply: Reply,
    *,
    decoded: Any = _NOT_DECODED,
    redact: Callable[[str], str] = str,
) -> ReplyShape:
    """The shape of an HTTP answer; ``decoded``: its JSON body, when already decoded."""
    status, body, headers = reply.status, reply.body, reply.headers
    if status != 200:  # an error may echo what was sent
        body = redact(body)
    kept = {name.lower(): value for name, value in headers.items() if HEADER_NAMES.match(name)}
    others = sorted({name.lower() for name in headers} - set(kept))
    shaper = _Shaper()
    if decoded is _NOT_DECODED:
        try:
            decoded = json.loads(body)
        except ValueError:
            decoded = _NOT_DECODED
    if decoded is _NOT_DECODED:
        shaped: Any = "empty body" if not body.strip() else text_shape(body[:200].strip())
    else:
        shaped = shaper.shape(decoded)
    return ReplyShape(
        request=request,
        status=status,
        headers=kept,
        other_headers=others,
        body=shaped,
        codes={key: sorted(values) for key, values in sorted(shaper.codes.items())},
        size=len(body.encode()),
        message=None if status == 200 else message_shape(error_text(body), redact),
    )


class ShapeLog:
    """The shape of the last answer to each kind of request, and whether the client took it."""

    def __init__(self) -> None:
        self.shapes: dict[str, ReplyShape] = {}

    def note(
        self,
        request: str,
        reply: Reply,
        *,
        decoded: Any = _NOT_DECODED,
        redact: Callable[[str], str] = str,
    ) -> None:
        """Keep the shape of an answer as the last of its kind; never fails the request."""
        try:
            shape = reply_shape(request, reply, decoded=decoded, redact=redact)
        except Exception:
            _LOGGER.debug("Could not describe the answer to %s", request, exc_info=True)
            self.shapes.pop(request, None)
            return
        self.shapes[request] = shape

    def verdict(self, request: str, problem: WienerNetzeError | None, dropped: int = 0) -> None:
        """Whether the client accepted the last answer to ``request`` (no values quoted)."""
        shape = self.shapes.get(request)
        if shape is None:
            return
        if problem is None:
            note = f"{dropped} values left out" if dropped else None
            self.shapes[request] = replace(shape, accepted=True, problem=note)
            return
        where = getattr(problem, "field", None)
        self.shapes[request] = replace(
            shape,
            accepted=False,
            problem=type(problem).__name__ + (f" at {where}" if where else ""),
        )

    def report(self) -> list[dict[str, Any]]:
        """Every kept shape, for JSON output and diagnostics."""
        return [shape.as_dict() for _, shape in sorted(self.shapes.items())]
