"""Energy hour rows for the Energy dashboard from a meter's store, one day of one flow at a time.

An hour is the sum of its four quarter hours, keyed by its start in UTC (Vienna's offsets are
whole hours, so the 23- and 25-hour days come out right, the repeated autumn hour included).
A meter with day values only gets one row per day, at the hour its local day starts.

Whether a day may be imported at all is :mod:`.held_days`' rule. A day that is not yet
*settled* (still inside the correction window) imports only complete hours; a settled day
imports what exists, and its missing quarter hours are reported as a gap.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from .api import Flow, Reading
from .api.vienna_time import HOUR, ONE_DAY, day_starts, hour_start, local_midnight
from .held_days import WAIT, HeldDay, check_day, quarter_hours_of
from .meter_store import MeterStore
from .statistics_writer import HourRow


@dataclass(slots=True)
class DayRows:
    """What one day of one flow contributes."""

    rows: list[HourRow] = field(default_factory=list)
    missing: int = 0
    held: HeldDay | None = None


def _state(
    store: MeterStore,
    flow: Flow,
    day: date,
    ends: list[tuple[datetime, float]],
    complete: bool,
) -> dict[datetime, float]:
    """The register at each hour end, from the register at the end of this day or the one before.

    The end of the day counts first, so a meter replaced during the day shows its new register.
    """
    registers = store.registers[flow]
    if complete and (closing := registers.get(day)) is not None:
        total = ends[-1][1] if ends else 0.0
        return {end: closing.value - (total - running) for end, running in ends}
    if (opening := registers.get(day - ONE_DAY)) is not None:
        return {end: opening.value + running for end, running in ends}
    return {}


def quarter_hour_day(
    store: MeterStore, flow: Flow, day: date, *, settled: bool, released: bool = False
) -> DayRows:
    """Hour rows of a day read by quarter hours (``released``: as delivered, held or not)."""
    intervals, rejected = quarter_hours_of(store, flow, day, released=released)
    starts = day_starts(day)
    found = [reading for start in starts if (reading := intervals.get(start)) is not None]
    result = DayRows()
    if not found:
        return result
    complete = len(found) + len(rejected) >= len(starts)
    if not released:
        verdict = check_day(
            day,
            sum(reading.value for reading in found),
            rejected,
            store.days[flow].get(day),
            complete=complete,
            settled=settled,
        )
        if isinstance(verdict, HeldDay):
            result.held = verdict
            return result
        if verdict == WAIT:
            return result
    hours: dict[datetime, list[Reading]] = {}
    for reading in found:
        hours.setdefault(hour_start(reading.start), []).append(reading)
    running = 0.0
    ends: list[tuple[datetime, float]] = []
    for start in sorted(hours):
        running += sum(reading.value for reading in hours[start])
        ends.append((start + HOUR, running))
    states = _state(store, flow, day, ends, complete)
    for start in sorted(hours):
        if len(hours[start]) < 4 and not settled:
            continue
        change = sum(reading.value for reading in hours[start])
        result.rows.append(HourRow(start, change, states.get(start + HOUR)))
    if settled:
        result.missing = len(starts) - len(found)
    return result


def day_value_day(store: MeterStore, flow: Flow, day: date) -> DayRows:
    """The single row of a day read by day values, booked at the hour the local day starts."""
    reading = store.days[flow].get(day)
    if reading is None:
        return DayRows()
    register = store.registers[flow].get(day)
    start = local_midnight(day)
    return DayRows(
        rows=[HourRow(hour_start(start), reading.value, register.value if register else None)]
    )
