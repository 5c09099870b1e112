"""When to call the API: which days are due, and which bulk request an update sends.

Wiener Netze publishes a day once, about a day after it ended. A day the store already holds
complete and validated is never asked for again. The days after a meter's newest published day
are *expected*: new data can exist, so they are asked for at every update. A day that came
incomplete or estimated is asked for again, but only every :data:`RECHECK_INTERVAL` and only
while it is at most :data:`REVISION_DAYS` old. A meter without quarter hours is read with day
values, and its quarter hours are probed once per recheck interval so that switching them on in
the portal is noticed. The register (meter reading) is fetched once a newer complete day exists.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from .api import Direction, ValueType
from .const import RECHECK_INTERVAL, REVISION_DAYS
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


def window_start(today: date) -> date:
    """First day the coordinator keeps: the month of three days ago, for month-to-date values."""
    return (today - 3 * ONE_DAY).replace(day=1)


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
) -> bool:
    if status is DayStatus.FINAL:
        return False
    today = local_day(now)
    last = checked.get(day)
    if last is None:
        return True  # never asked for
    if (newest is None and day == today - ONE_DAY) or (newest is not None and day > newest):
        return True  # expected: it may have been published since
    return day >= today - REVISION_DAYS * ONE_DAY and now - last >= RECHECK_INTERVAL


def _probe_due(day: date, checked: Mapping[date, datetime], now: datetime) -> bool:
    last = checked.get(day)
    yesterday = local_day(now) - ONE_DAY
    return last is None or (day == yesterday and now - last >= RECHECK_INTERVAL)


def plan(
    now: datetime,
    stores: Mapping[str, MeterStore],
    quarter_hour_meters: set[str],
    log: FetchLog,
) -> list[Fetch]:
    """Every request that is due now, most urgent first (quarter hours, days, register)."""
    today = local_day(now)
    days = days_between(window_start(today), today - ONE_DAY)
    quarter_due: set[date] = set()
    day_due: set[date] = set()
    day_meters: list[str] = []
    register_due: list[date] = []
    for number, store in stores.items():
        quarter_hours = number in quarter_hour_meters
        newest = newest_day(store, days, quarter_hours)
        checked = log.checked[ValueType.QUARTER_HOUR if quarter_hours else ValueType.DAY]
        due = {
            day
            for day in days
            if _is_due(day, store.day_status(day, quarter_hours), newest, checked, now)
        }
        if quarter_hours:
            quarter_due |= due
        else:
            day_meters.append(number)
            day_due |= due
            quarter_due |= {
                day for day in days if _probe_due(day, log.checked[ValueType.QUARTER_HOUR], now)
            }
        complete = newest_complete_day(store, days, quarter_hours)
        anchor = register_day(store)
        if complete is not None and (anchor is None or anchor < complete):
            register_due.append(complete)
    fetches = []
    every = tuple(stores)
    if quarter_due:
        fetches.append(Fetch(ValueType.QUARTER_HOUR, every, min(quarter_due), max(quarter_due)))
    if day_due:
        fetches.append(Fetch(ValueType.DAY, tuple(day_meters), min(day_due), max(day_due)))
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
