"""When to call the API: which days are due, and which bulk request an update sends.

Wiener Netze publishes a day once, about a day after it ended. The days after a meter's newest
published day are *expected*: new data can exist, so they are asked for at every update. Days
inside the correction window are read once more each day (in the first request after local
midnight, together with the expected day), so later corrections reach the statistics; while
one is incomplete or estimated it is asked for every :data:`RECHECK_INTERVAL`. Older days that
are already held are never asked for again. Day values are read for every meter (the
statistics check quarter hours against them); a meter without quarter hours is read by day
values only, and its quarter hours are probed once per recheck interval, so that switching them
on in the portal is noticed. The register (meter reading) is read once a newer complete day
exists.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from .api import Direction, ValueType, local_midnight
from .const import DEFAULT_CORRECTION_DAYS, RECHECK_INTERVAL
from .store import DayStatus, MeterStore, local_day

ONE_DAY = timedelta(days=1)


@dataclass(frozen=True, slots=True)
class Fetch:
    """One bulk readings request: a value type, the meters in it and inclusive local days."""

    value_type: ValueType
    meters: tuple[str, ...]
    first: date
    last: date


@dataclass(slots=True)
class FetchLog:
    """When each day was last fetched with each value type, and when each type last ran."""

    checked: dict[ValueType, dict[date, datetime]] = field(
        default_factory=lambda: {value_type: {} for value_type in ValueType}
    )
    last_run: dict[ValueType, datetime] = field(default_factory=dict)
    register_target: date | None = None

    def record(self, fetch: Fetch, now: datetime) -> None:
        """Remember a successful fetch."""
        day = fetch.first
        while day <= fetch.last:
            self.checked[fetch.value_type][day] = now
            day += ONE_DAY
        self.last_run[fetch.value_type] = now
        if fetch.value_type is ValueType.METER_READ:
            self.register_target = fetch.last

    def prune(self, first: date) -> None:
        """Forget days before ``first``."""
        for value_type, days in self.checked.items():
            self.checked[value_type] = {day: at for day, at in days.items() if day >= first}


def window_start(today: date, correction_days: int = DEFAULT_CORRECTION_DAYS) -> date:
    """First day the coordinator keeps.

    At least the correction window, and the month of three days ago (for month-to-date values).
    """
    return min((today - 3 * ONE_DAY).replace(day=1), today - correction_days * ONE_DAY)


def days_between(first: date, last: date) -> list[date]:
    """The inclusive range ``first``..``last``."""
    return [first + index * ONE_DAY for index in range((last - first).days + 1)]


def newest_day(store: MeterStore, days: Iterable[date], quarter_hours: bool) -> date | None:
    """The newest day the store has any value for."""
    held = [day for day in days if store.day_status(day, quarter_hours) is not DayStatus.MISSING]
    return max(held, default=None)


def newest_complete_day(
    store: MeterStore, days: Iterable[date], quarter_hours: bool
) -> date | None:
    """The newest day the store holds complete (validated or estimated)."""
    held = [day for day in days if store.day_status(day, quarter_hours).complete]
    return max(held, default=None)


def register_day(store: MeterStore) -> date | None:
    """The day whose end the consumption register was read at."""
    register = store.newest_register(Direction.CONSUMPTION)
    return local_day(register.end - timedelta(seconds=1)) if register else None


def _is_due(
    day: date,
    status: DayStatus,
    newest: date | None,
    checked: Mapping[date, datetime],
    now: datetime,
    *,
    correction_days: int,
) -> bool:
    today = local_day(now)
    last = checked.get(day)
    if last is None:
        return True  # never asked for
    if (newest is None and day == today - ONE_DAY) or (newest is not None and day > newest):
        return True  # expected: it may have been published since
    if day < today - correction_days * ONE_DAY:
        return False
    if last < local_midnight(today):
        return True  # the daily re-read of the correction window
    return status is not DayStatus.FINAL and now - last >= RECHECK_INTERVAL


def _probe_due(day: date, checked: Mapping[date, datetime], now: datetime) -> bool:
    last = checked.get(day)
    yesterday = local_day(now) - ONE_DAY
    return last is None or (day == yesterday and now - last >= RECHECK_INTERVAL)


def _due_days(
    store: MeterStore,
    days: list[date],
    quarter_hours: bool,
    checked: Mapping[date, datetime],
    *,
    now: datetime,
    correction_days: int,
) -> set[date]:
    newest = newest_day(store, days, quarter_hours)
    return {
        day
        for day in days
        if _is_due(
            day,
            store.day_status(day, quarter_hours),
            newest,
            checked,
            now,
            correction_days=correction_days,
        )
    }


def plan(
    now: datetime,
    stores: Mapping[str, MeterStore],
    quarter_hour_meters: set[str],
    log: FetchLog,
    correction_days: int = DEFAULT_CORRECTION_DAYS,
) -> list[Fetch]:
    """Every request that is due now, most urgent first (quarter hours, days, register)."""
    today = local_day(now)
    days = days_between(window_start(today, correction_days), today - ONE_DAY)
    quarter_due: set[date] = set()
    day_due: set[date] = set()
    register_due: list[date] = []
    quarter_checked = log.checked[ValueType.QUARTER_HOUR]
    for number, store in stores.items():
        quarter_hours = number in quarter_hour_meters
        day_due |= _due_days(
            store, days, False, log.checked[ValueType.DAY], now=now, correction_days=correction_days
        )
        if quarter_hours:
            quarter_due |= _due_days(
                store, days, True, quarter_checked, now=now, correction_days=correction_days
            )
        else:
            quarter_due |= {day for day in days if _probe_due(day, quarter_checked, now)}
        complete = newest_complete_day(store, days, quarter_hours)
        anchor = register_day(store)
        if complete is not None and (anchor is None or anchor < complete):
            register_due.append(complete)
    fetches = []
    every = tuple(stores)
    if quarter_due:
        fetches.append(Fetch(ValueType.QUARTER_HOUR, every, min(quarter_due), max(quarter_due)))
    if day_due:
        fetches.append(Fetch(ValueType.DAY, every, min(day_due), max(day_due)))
    if register_due:
        target = max(register_due)
        last_run = log.last_run.get(ValueType.METER_READ)
        if log.register_target != target or last_run is None or now - last_run >= RECHECK_INTERVAL:
            first = max(min(register_due), target - 6 * ONE_DAY)
            fetches.append(Fetch(ValueType.METER_READ, every, first, target))
    return fetches


def pick(fetches: list[Fetch], log: FetchLog) -> Fetch:
    """The due request whose type ran longest ago, so no type starves the others."""
    never = datetime.min.replace(tzinfo=UTC)
    return min(fetches, key=lambda fetch: log.last_run.get(fetch.value_type, never))
