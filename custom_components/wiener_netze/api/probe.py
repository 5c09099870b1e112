"""The probe: every endpoint once, reported as shapes a user can attach to an issue.

It asks for a token, the meter list, one meter's master data, and the last three days of each
value type in bulk and for one meter. What it prints comes from :mod:`.shapes` only: status
codes, headers that matter, keys and types, codes, counts, and whether the client took each
answer; never a meter number, a value, a name, an address, a token or a secret.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import partial
from typing import Any, TextIO

from .client import WienerNetzeClient
from .errors import WienerNetzeError
from .models import Meter, ResultType, ValueType

PROBE_DAYS = 3


@dataclass(slots=True)
class ProbeReport:
    """What each step did and the shapes of the answers."""

    first_day: date
    last_day: date
    steps: list[dict[str, Any]] = field(default_factory=list)
    replies: list[dict[str, Any]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Every step answered and every answer was accepted."""
        return all(step["outcome"] == "ok" for step in self.steps)

    def as_dict(self) -> dict[str, Any]:
        """For ``--format json``."""
        return {
            "days": [self.first_day.isoformat(), self.last_day.isoformat()],
            "steps": self.steps,
            "replies": self.replies,
        }


async def async_probe(client: WienerNetzeClient, last: date) -> ProbeReport:
    """Call each endpoint once, readings for the three days up to ``last``."""
    first = last - timedelta(days=PROBE_DAYS - 1)
    report = ProbeReport(first, last)

    async def step(name: str, call: Callable[[], Awaitable[Any]]) -> Any:
        try:
            result = await call()
        except WienerNetzeError as err:
            # The error's kind and where, never its text: it may quote what was answered.
            where = getattr(err, "field", None) or getattr(err, "status", None)
            outcome = type(err).__name__ + (f" at {where}" if where else "")
            report.steps.append({"step": name, "outcome": outcome})
            return False
        report.steps.append({"step": name, "outcome": "ok"})
        return result

    if await step("token", client.async_authenticate) is False:
        report.replies = client.shapes.report()
        return report  # every other request needs a token
    meters: list[Meter] | bool = await step(
        "meter list", lambda: client.async_get_meters(ResultType.ALL)
    )
    listed = meters if isinstance(meters, list) else []
    smart = next((meter for meter in listed if meter.is_smart_meter), None)
    if smart is not None:
        await step("one meter's master data", lambda: client.async_get_meter(smart.number))
    for value_type in ValueType:
        await step(
            f"readings {value_type.value}, every meter",
            partial(client.async_get_readings, first, last, value_type),
        )
        if smart is not None:
            await step(
                f"readings {value_type.value}, one meter",
                partial(client.async_get_meter_readings, smart.number, first, last, value_type),
            )
    report.replies = client.shapes.report()
    return report


def write_report(report: ProbeReport, fmt: str, out: TextIO) -> None:
    """The report as JSON, or as text to read before attaching it."""
    if fmt == "json":
        json.dump(report.as_dict(), out, indent=2, ensure_ascii=False)
        out.write("\n")
        return
    out.write(
        f"Probe of the WN Smart Meter API, days {report.first_day} to {report.last_day}.\n"
        "Shapes only: no meter number, value, name, address, token or secret.\n\n"
    )
    for entry in report.steps:
        out.write(f"{entry['step']}: {entry['outcome']}\n")
    for reply in report.replies:
        verdict = {True: "accepted", False: "rejected", None: "not parsed"}[reply["accepted"]]
        problem = f" ({reply['problem']})" if reply["problem"] else ""
        out.write(f"\n== {reply['request']}: {reply['status']}, {verdict}{problem}\n")
        for name, value in reply["headers"].items():
            out.write(f"   header {name}: {value}\n")
        if reply["other_headers"]:
            out.write(f"   other headers (names only): {', '.join(reply['other_headers'])}\n")
        if reply["message"]:
            out.write(f"   message: {reply['message']}\n")
        for key, codes in reply["codes"].items():
            out.write(f"   {key}: {', '.join(codes)}\n")
        out.write(f"   {reply['bytes']} bytes, body:\n")
        body = json.dumps(reply["body"], indent=2, ensure_ascii=False)
        out.write("".join(f"     {line}\n" for line in body.splitlines()))
    out.write("\nAttach this (or --format json) to an issue: it tells how the real API answers.\n")
