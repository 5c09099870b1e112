"""A day's life: for each meter, flow and local day, whether its data is in, on its way or lost.

Wiener Netze delivers a day once, some hours after it ended, or much later: after a delivery
outage the backlog arrives days or weeks late. The meters keep 60 days of quarter hours
(:data:`STORAGE_DAYS`); what is not delivered by then never comes. So a day of a statistic is
one of:

- *data*: its data is in (final once the day is settled, older than the correction window);
- *waiting*: it was asked for and came back without its data, or without some of its quarter
  hours, while the meter still keeps them: not yet delivered. It is asked for again with growing
  pauses (:func:`due`: daily for a week, then weekly), riding along in the coordinator's
  requests (:func:`due_before`), else in the history import's a day later, until its data
  arrives (then the history import reads it at once, :func:`brought`) or the day leaves the
  meters' storage;
- *held*: its quarter hours are implausible (:mod:`.held_days`); asked for again the same way
  while the meters keep it;
- *gap*: given up on, and named to the user: a day still waiting when it leaves the meters'
  storage, a day asked for once it had left it and answered without (some of) its data, or a
  day whose request kept failing (:func:`note_failing`). A gap is read again by the
  ``import_history`` action, and heals when any later answer happens to contain its data.

A day without data is a gap only when the statistic had data before it; before that it lies
before the meter's data and is nothing. Only a day of a meter that was *read* (in the answer,
with its registers) changes its state: a meter refused, absent or answering without registers
was not read, and its days keep theirs. A day is *settled* (final, never asked for again by
the history import) once none of its statistics is waiting or held while the meters keep it.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from enum import StrEnum

from .api import Flow
from .api.vienna_time import ONE_DAY, day_starts, local_midnight
from .const import STORAGE_DAYS
from .energy_rows import DayRows
from .held_days import judge, note_held
from .meter_store import MeterStore
from .saved_state import SavedState, day_key, meter_day, parse_key

# A day waiting or held is asked for again daily for this long after it was first asked for,
# then weekly.
DAILY_FOR = timedelta(days=7)
WEEKLY = timedelta(days=7)
# A day not read for as long as the meters keep data is asked for monthly from then on.
MONTHLY = timedelta(days=30)
# A day whose request fails on this many consecutive days becomes a gap.
FAILING_DAYS = 3


class DayState(StrEnum):
    """What a day of a statistic is."""

    DATA = "data"
    WAITING = "waiting"
    HELD = "held"
    GAP = "gap"


def in_storage(day: date, today: date) -> bool:
    """Whether the meters still keep ``day``'s quarter hours (so they can still come)."""
    return (today - day).days <= STORAGE_DAYS


def note_asked(state: SavedState, number: str, days: Iterable[date], today: date) -> None:
    """These days of a meter were read today (the meter answered with its registers)."""
    for day in days:
        key = meter_day(number, day)
        first = state.asked.get(key, [today.isoformat()])[0]
        state.asked[key] = [first, today.isoformat()]


def due(state: SavedState, number: str, day: date, kind: DayState | None, today: date) -> bool:
    """Whether a day of a meter that is not settled is asked for (again) today.

    ``kind``: waiting or held; None for a day not read yet (never asked for, or asked for while
    the meter was not read: refused, absent, without registers). After a pause that grows
    (:func:`_pause`); a day that failed is asked for daily. A waiting day the meters
    no longer keep is asked for one last time if it was not asked for since (its data may have
    come while Home Assistant was off); a held one is not asked for any more.
    """
    if meter_day(number, day) in state.failing:
        return True  # failing on consecutive days makes it a gap: asked every day till then
    asked = state.asked.get(meter_day(number, day))
    if asked is None:
        return kind is not DayState.HELD or in_storage(day, today)
    first, last = (date.fromisoformat(text) for text in asked)
    if kind is not None and not in_storage(day, today):
        return kind is DayState.WAITING and in_storage(day, last)
    return today - last >= _pause(kind, last - first)


def _pause(kind: DayState | None, asked_for: timedelta) -> timedelta:
    """How long to wait before asking again, after asking for this long.

    A day waiting or held: daily for a week, then weekly. A day of a meter that was not read
    (no data yet, refused alone): weekly, and monthly once the meters no longer keep it.
    """
    if kind is not None:
        return ONE_DAY if asked_for < DAILY_FOR else WEEKLY
    return WEEKLY if asked_for < timedelta(days=STORAGE_DAYS) else MONTHLY


def unsettled(state: SavedState, number: str) -> dict[date, DayState]:
    """The days of a meter still waiting or held (held wins), to ask for again."""
    found: dict[date, DayState] = {}
    for key in state.waiting:
        owner, _, day = parse_key(key)
        if owner == number:
            found[day] = DayState.WAITING
    for key in state.held:
        owner, _, day = parse_key(key)
        if owner == number:
            found[day] = DayState.HELD
    return found


def due_before(state: SavedState, number: str, first: date, today: date) -> set[date]:
    """A meter's days before ``first`` (the correction window) waiting or held, pause over.

    The update's own requests reach back to them (:mod:`.schedule`), so that asking for them
    again costs no request of its own.
    """
    return {
        day
        for day, kind in unsettled(state, number).items()
        if day < first
        and meter_day(number, day) not in state.failing  # failing: the history import's
        and due(state, number, day, kind, today)
    }


def brought(state: SavedState, store: MeterStore, day: date, *, quarter_hours: bool) -> bool:
    """Whether reading a day waiting or held again brought something it lacked.

    Waiting with every quarter hour missing: its day value is there (a day booked from its day
    value while its quarter hours are awaited counts too: the history import reads it again,
    as it would without this); waiting with some missing: fewer of them missing now; held: with
    its day value there, its quarter hours would import now. The history import then asks for
    the meter's days at once and imports them.
    """
    number = store.number
    for key, missing in state.waiting.items():
        owner, flow, found = parse_key(key)
        if (owner, found) != (number, day):
            continue
        whole = len(day_starts(day))
        if missing >= whole and store.days[flow].get(day) is not None:
            return True
        there = _quarter_hours_there(store, flow, day)
        if quarter_hours and there > 0 and whole - there < missing:
            return True
    return quarter_hours and any(
        (owner, found) == (number, day)
        and store.days[flow].get(day) is not None
        and _quarter_hours_there(store, flow, day)
        and judge(store, flow, day, settled=True) is None
        for owner, flow, found in map(parse_key, state.held)
    )


def _quarter_hours_there(store: MeterStore, flow: Flow, day: date) -> int:
    """How many quarter hours of a day of a flow the store holds, implausible ones included."""
    start, end = local_midnight(day), local_midnight(day + ONE_DAY)
    return sum(1 for moment in store.intervals[flow] if start <= moment < end) + len(
        store.rejected_on(flow, day)
    )


def judged(state: SavedState, store: MeterStore, day: date) -> bool:
    """Whether a re-read could judge the day: a held day needs its day value beside it."""
    return all(
        store.days[flow].get(day) is not None and _quarter_hours_there(store, flow, day) > 0
        for owner, flow, found in map(parse_key, state.held)
        if (owner, found) == (store.number, day)
    )


def waiting_days(state: SavedState, number: str) -> set[date]:
    """The days of a meter with a statistic waiting for its data."""
    return {day for owner, _, day in map(parse_key, state.waiting) if owner == number}


def gap_days(state: SavedState, number: str) -> set[date]:
    """The days of a meter with a statistic given up on."""
    return {day for owner, _, day in map(parse_key, state.gaps) if owner == number}


def note_day(
    state: SavedState,
    number: str,
    flow: Flow,
    day: date,
    result: DayRows,
    *,
    settled: bool,
    meter_has_data: bool,
    today: date,
) -> DayState | None:
    """Record what a day of a statistic turned out to be, from what was read of it.

    ``settled``: the day is older than the correction window (what exists is final);
    ``meter_has_data``: the meter has data on the day (in any statistic). Returns the day's
    state; None when nothing is decided (still in the correction window, or before the
    statistic's data).
    """
    key = day_key(number, flow, day)
    if result.held is not None:
        note_held(state, key, result.held)
        _resolve(state, key, None)
        state.asked.setdefault(meter_day(number, day), [today.isoformat()] * 2)
        return DayState.HELD
    if result.rows:
        note_held(state, key, None)
        state.note_data(number, flow, day)
    if not settled:
        return DayState.DATA if result.rows else None
    if not result.missing:
        _resolve(state, key, None)
        return DayState.DATA
    begun = _begun(state, number, flow, day)
    if not begun and meter_has_data:
        _resolve(state, key, None)  # the statistic had not begun (PV added later)
        return None
    if result.awaited and in_storage(day, today):
        state.gaps.pop(key, None)
        state.waiting[key] = result.missing
        # Only read days get here: the first time it waits, it was asked for today.
        state.asked.setdefault(meter_day(number, day), [today.isoformat()] * 2)
        return DayState.WAITING
    _resolve(state, key, result.missing if begun else None)
    return DayState.GAP if begun else None


def _begun(state: SavedState, number: str, flow: Flow, day: date) -> bool:
    """Whether the statistic had data on or before ``day`` (a day without it is then missing)."""
    first = state.first_day(number, flow)
    return first is not None and first <= day


def _resolve(state: SavedState, key: str, gap: int | None) -> None:
    """The day of a statistic is no longer waiting: a gap of ``gap`` quarter hours, or none."""
    state.waiting.pop(key, None)
    if gap:
        state.gaps[key] = gap
    else:
        state.gaps.pop(key, None)


def is_final(states: list[DayState | None], day: date, today: date) -> bool:
    """Whether a meter's day is settled.

    None of its statistics waits, or is held while the meters keep it (an older held day stays
    held, but is not asked for again).
    """
    return bool(states) and not any(
        found is DayState.WAITING or (found is DayState.HELD and in_storage(day, today))
        for found in states
    )


def settle(state: SavedState, number: str, days: Iterable[date]) -> None:
    """These days of a meter are final: never asked for again, their asking forgotten."""
    days = list(days)
    state.settle(number, days)
    for day in days:
        state.asked.pop(meter_day(number, day), None)


def expire(state: SavedState, today: date) -> set[str]:
    """Settle the days the meters no longer keep and nothing asks for; the meters concerned.

    A held day stays held. A waiting day asked for one last time after it left the storage
    (:func:`due`) is settled by that read; one still waiting then becomes a gap here (or
    nothing, before the statistic's data).
    """
    old: set[tuple[str, date]] = set()
    for key in list(state.waiting):
        number, flow, day = parse_key(key)
        if not due(state, number, day, DayState.WAITING, today) and not in_storage(day, today):
            begun = _begun(state, number, flow, day)
            _resolve(state, key, state.waiting[key] if begun else None)
            old.add((number, day))
    old |= {
        (number, day) for number, _, day in map(parse_key, state.held) if not in_storage(day, today)
    }
    for number, day in old:
        if not any(parse_key(key)[::2] == (number, day) for key in state.waiting):
            settle(state, number, [day])
    return {number for number, _ in old}


def note_failing(state: SavedState, number: str, day: date, today: date) -> bool:
    """A day of a meter failed today; True once it failed on three days and became a gap.

    A gap here: settled, every quarter hour of each of the meter's statistics missing.
    """
    key = meter_day(number, day)
    first, last, count = state.failing.get(key, [today.isoformat(), None, 0])
    if last != today.isoformat():
        # Consecutive days only: a day that failed, then did not, starts over.
        yesterday = (today - ONE_DAY).isoformat()
        count = count + 1 if last in (None, yesterday) else 1
    state.failing[key] = [first, today.isoformat(), count]
    if count < FAILING_DAYS:
        return False
    del state.failing[key]
    flows = [flow for flow in Flow if _begun(state, number, flow, day)] or [Flow.CONSUMPTION]
    for flow in flows:
        _resolve(state, day_key(number, flow, day), len(day_starts(day)))
    settle(state, number, [day])
    return True


def note_success(state: SavedState, number: str, days: Iterable[date]) -> None:
    """Days of a meter whose requests went through: no longer failing."""
    for day in days:
        state.failing.pop(meter_day(number, day), None)
