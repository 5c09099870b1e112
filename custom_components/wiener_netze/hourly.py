"""Hour rows for the Energy dashboard from a meter's store: what may be imported, and what not.

An hour is the sum of its four quarter hours, keyed by its start in UTC (Vienna's offsets are
whole hours, so the 23- and 25-hour days come out right, the repeated autumn hour included).
A meter with day values only gets one row per day, at the hour its local day starts.

A day is *held back* when its quarter hours are implausible: one was above the connection's
limit, or they do not add up to the day's DAY value. A day that is not yet *settled* (still
inside the correction window) imports only complete hours; a settled day imports what exists,
and its missing quarter hours are reported as a gap.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from .api import Direction, Reading, local_midnight
from .store import MeterStore, day_starts

HOUR = timedelta(hours=1)
ONE_DAY = timedelta(days=1)


@dataclass(frozen=True, slots=True)
class HourRow:
    """One statistics row: the energy of the hour (kWh) and the register at its end."""

    start: datetime
    change: float
    state: float | None


@dataclass(frozen=True, slots=True)
class HeldDay:
    """A day not imported because its quarter hours are implausible."""

    day: date
    quarter_hour_total: float
    day_total: float | None


@dataclass(slots=True)
class DayRows:
    """What one day of one flow contributes."""

    rows: list[HourRow] = field(default_factory=list)
    missing: int = 0
    held: HeldDay | None = None


def tolerance(day_total: float) -> float:
    """How far the quarter hours may be off the day value: rounding, not a fault."""
    return max(0.005, 0.002 * abs(day_total))


def _state(
    store: MeterStore,
    flow: Direction,
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
    store: MeterStore, flow: Direction, day: date, *, settled: bool, force: bool = False
) -> DayRows:
    """Hour rows of a day read by quarter hours."""
    intervals = dict(store.intervals[flow])
    rejected = store.rejected_on(flow, day)
    if force:  # as Wiener Netze delivered it, implausible values included
        intervals.update({reading.start: reading for reading in rejected})
    starts = day_starts(day)
    found = [reading for start in starts if (reading := intervals.get(start)) is not None]
    result = DayRows()
    if not found:
        return result
    total = sum(reading.value for reading in found)
    day_value = store.days[flow].get(day)
    complete = len(found) + len(rejected) >= len(starts)
    if not force:
        mismatch = (
            complete
            and day_value is not None
            and abs(total + sum(r.value for r in rejected) - day_value.value)
            > tolerance(day_value.value)
        )
        if mismatch and not settled and not day_value.is_validated:  # type: ignore[union-attr]
            return result  # the day value is an estimate: wait for it to be validated
        if rejected or mismatch:
            total += sum(reading.value for reading in rejected)
            result.held = HeldDay(day, total, day_value.value if day_value else None)
            return result
        if day_value is None and not settled:
            return result  # wait for the day value to check against
    hours: dict[datetime, list[Reading]] = {}
    for reading in found:
        hours.setdefault(_hour(reading.start), []).append(reading)
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


def day_value_day(store: MeterStore, flow: Direction, day: date) -> DayRows:
    """The single row of a day read by day values, booked at the hour the local day starts."""
    reading = store.days[flow].get(day)
    if reading is None:
        return DayRows()
    register = store.registers[flow].get(day)
    start = local_midnight(day)
    return DayRows(
        rows=[HourRow(_hour(start), reading.value, register.value if register else None)]
    )


def _hour(moment: datetime) -> datetime:
    """The whole UTC hour a moment falls in."""
    return moment.astimezone(UTC).replace(minute=0, second=0, microsecond=0)
