"""Energy hour rows of one day of one flow, from the best source Wiener Netze has for it.

Quarter hours where the day has them: an hour is the sum of its four, keyed by its start in UTC
(Vienna's offsets are whole hours, so the 23- and 25-hour days come out right). The day value
where it has none (quarter hours switched off, or not yet switched on): one row at the hour the
local day starts. Whether a day may be imported at all is :mod:`.held_days`' rule.

A day that is not yet *settled* (still inside the correction window) imports only complete
hours, and a meter read by quarter hours waits for them rather than booking its day value. A
settled day imports what exists: where the day value is known its remainder is spread evenly
over the missing quarter hours, so the day still adds up to Wiener Netze's total; the missing
quarter hours are counted, and :mod:`.day_life` decides whether the day waits for them or is a
gap. Rows from quarter hours, and a settled day's rows from either source, replace every row the
recorder holds for that day, so a day booked once from its day value and later from quarter
hours (or back) is never counted twice, not even while it is still in the correction window.

Each row's state is the register at the end of its hour: counted back from the register at the
end of the day, else forward from the one at its start (see :func:`closing_registers`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from .api import Flow
from .api.vienna_time import ONE_DAY, day_starts, days_between, hour_start
from .held_days import WAIT, HeldDay, judge, quarter_hours_of, tolerance
from .meter_store import MeterStore
from .statistics_writer import HourRow


@dataclass(slots=True)
class DayRows:
    """What one day of one flow contributes."""

    rows: list[HourRow] = field(default_factory=list)
    # Quarter hours that are not there on a settled day; all of them on a day without any value.
    missing: int = 0
    # Whether they may still come: not for a day booked from its day value of a meter no longer
    # read by quarter hours (switched off in the portal).
    awaited: bool = True
    held: HeldDay | None = None
    # The rows replace every row the recorder holds for the day.
    whole_day: bool = False


def closing_registers(store: MeterStore, flow: Flow, days: list[date]) -> dict[date, float]:
    """The register at the end of each of ``days`` (and of the day before the first).

    A day's own register where Wiener Netze read one; else counted back from the next register
    by the energy of the days in between, else forward from the previous one. So every day with a
    register before or after it has a state, and correcting a day's energy moves the states
    derived across it.
    """
    if not days:
        return {}
    wanted = days_between(min(days) - ONE_DAY, max(days))
    known = store.registers[flow]
    result = {day: known[day].value for day in wanted if day in known}
    for index, day in enumerate(wanted):
        if day in result:
            continue
        value = _count_back(store, flow, wanted, index)
        if value is None:
            value = _count_forward(store, flow, wanted, index, result)
        if value is not None:
            result[day] = value
    return result


def _count_back(store: MeterStore, flow: Flow, days: list[date], index: int) -> float | None:
    """The register at the end of ``days[index]`` from the next register read after it."""
    energy = 0.0
    for later in days[index + 1 :]:
        day_energy = store.day_energy(flow, later)
        if day_energy is None:
            return None
        energy += day_energy
        if (register := store.registers[flow].get(later)) is not None:
            return register.value - energy
    return None


def _count_forward(
    store: MeterStore, flow: Flow, days: list[date], index: int, known: dict[date, float]
) -> float | None:
    """The register at the end of ``days[index]`` from the one before, plus the day's energy."""
    if index == 0 or (before := known.get(days[index - 1])) is None:
        return None
    day_energy = store.day_energy(flow, days[index])
    return None if day_energy is None else before + day_energy


def day_rows(
    store: MeterStore,
    flow: Flow,
    day: date,
    closing: dict[date, float],
    *,
    settled: bool,
    quarter_hours_expected: bool,
    quarter_hours_since: date | None = None,
    released: bool = False,
) -> DayRows:
    """The rows of one day of one flow from its best source (see the module docstring).

    ``quarter_hours_since``: the meter's first day with quarter hours; a settled day after it
    booked from its day value is a gap too (every quarter hour of it is missing).
    """
    intervals, rejected = quarter_hours_of(store, flow, day, released=released)
    starts = day_starts(day)
    if rejected or any(start in intervals for start in starts):
        return _quarter_hour_rows(
            store,
            flow,
            day,
            closing,
            settled=settled,
            released=released,
            switched_on=day == quarter_hours_since,
        )
    if quarter_hours_expected and not settled:
        return DayRows()  # wait for the quarter hours
    reading = store.days[flow].get(day)
    if reading is not None:
        row = HourRow(hour_start(starts[0]), reading.value, closing.get(day), day_value=True)
        lacking = settled and quarter_hours_since is not None and day > quarter_hours_since
        return DayRows(
            rows=[row],
            whole_day=True,
            missing=len(starts) if lacking else 0,
            awaited=quarter_hours_expected,
        )
    return DayRows(missing=len(starts)) if settled else DayRows()


def _quarter_hour_rows(
    store: MeterStore,
    flow: Flow,
    day: date,
    closing: dict[date, float],
    *,
    settled: bool,
    released: bool,
    switched_on: bool = False,
) -> DayRows:
    """The rows of a day from its quarter hours.

    ``switched_on``: the meter's first day with quarter hours, whose quarter hours before the
    first one never existed (they are filled from the day value, but nothing waits for them).
    """
    intervals, _ = quarter_hours_of(store, flow, day, released=released)
    starts = day_starts(day)
    values = {start: reading.value for start in starts if (reading := intervals.get(start))}
    found_total = sum(values.values())
    day_value = store.days[flow].get(day)
    result = DayRows(whole_day=True)
    if not released:
        verdict = judge(store, flow, day, settled=settled)
        if isinstance(verdict, HeldDay):
            return DayRows(held=verdict)
        if verdict == WAIT:
            return DayRows()
    missing = [start for start in starts if start not in values]
    if settled and missing:
        since = min(values) if switched_on and values else starts[0]
        result.missing = sum(1 for start in missing if start >= since)
        if day_value is not None and (remainder := day_value.value - found_total) > tolerance(
            day_value.value
        ):
            values.update(dict.fromkeys(missing, remainder / len(missing)))
    hours: dict[datetime, list[float]] = {}
    for start in starts:
        if start in values:
            hours.setdefault(hour_start(start), []).append(values[start])
    ends: list[tuple[datetime, float]] = []
    running = 0.0
    for start in sorted(hours):
        running += sum(hours[start])
        ends.append((start, running))
    complete = len(values) == len(starts)
    for start, running_at_end in ends:
        if not settled and len(hours[start]) < 4:
            continue
        change = sum(hours[start])
        state = _state(closing, day, running_at_end, running, complete)
        result.rows.append(HourRow(start, change, state))
    return result


def _state(
    closing: dict[date, float], day: date, running: float, total: float, complete: bool
) -> float | None:
    """The register at the end of an hour: back from the day's end, else on from its start."""
    if complete and (end := closing.get(day)) is not None:
        return end - (total - running)
    if (start := closing.get(day - ONE_DAY)) is not None:
        return start + running
    return None
