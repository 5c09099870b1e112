"""When to call the API: which days are due, and which bulk requests an update sends.

Wiener Netze publishes a day once, some hours after it ended; the hour is not documented and varies
by account. A day after a meter's newest published day is *expected*: it is asked for once the usual
delay after its end has passed (learned from the last day that appeared after a miss; right after
midnight until then), then again after as long as it has been overdue (one hour at least, six at
most). A day published at 06:00 costs a few requests on the first day and one a day after that. The
days inside the correction window are read once more each day, in the same request as the expected
day, so corrections and revised estimates reach the statistics at no extra cost; an incomplete day
is also asked for every :data:`RECHECK_INTERVAL`. Older days already stored are never asked for
again. Day values are read for every meter (the statistics check quarter hours against them); a
meter without quarter hours is read by day values only, and its quarter hours are asked for once for
each day it publishes, so that switching them on in the portal is noticed. The register (meter
reading) is read once a newer complete day exists. Each update sends every due request, so one token
serves them all.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from .api import ValueType
from .api.vienna_time import ONE_DAY, days_between, local_day, local_midnight
from .meter_store import DayStatus, MeterStore

# An incomplete day (gaps) is fetched again at most this often while inside the correction
# window; the register is retried at most this often.
RECHECK_INTERVAL = timedelta(hours=3)
# A day not yet published is asked for again after as long as it has already been overdue,
# but no sooner than the first and no later than the second of these.
PROBE_BACKOFF = (timedelta(hours=1), timedelta(hours=6))
# How late after its end a day may appear for the delay to be learned as the usual one.
PUBLICATION_DELAY_LIMIT = timedelta(hours=48)
ZERO = timedelta(0)
# The publication delay is learned from the days of this last stretch: one late day neither
# holds the next ones back nor is forgotten at once, and an earlier publication is found again.
DELAY_MEMORY = timedelta(days=7)


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
    # How long after its end each recent day was found (published by then), and the latest
    # time it was still missing (not published yet): bounds of its publication delay.
    delays: dict[date, timedelta] = field(default_factory=dict)
    misses: dict[date, timedelta] = field(default_factory=dict)

    @property
    def publication_delay(self) -> timedelta | None:
        """When the next day is first asked for, after its end.

        The earliest time a recent day was found is when days are published by; the latest
        time one was still missing before that, when they are not yet. While the two are
        further apart than the shortest pause, the first request goes halfway between them, so
        the delay moves towards the real one in both directions: a day found at its first
        request says nothing about how much earlier it came, a day found halfway does.
        """
        found = min(self.delays.values(), default=None)
        if found is None:
            return None
        before = max((miss for miss in self.misses.values() if miss < found), default=ZERO)
        if found - before <= PROBE_BACKOFF[0]:
            return found
        return before + (found - before) / 2

    def missing(self, fetch: Fetch, stores: Mapping[str, MeterStore]) -> set[tuple[str, date]]:
        """The days of ``fetch`` some meter has no value for (before its answer is stored)."""
        if fetch.value_type is ValueType.METER_READ:
            return set()
        quarter_hours = fetch.value_type is ValueType.QUARTER_HOUR
        return {
            (number, day)
            for day in days_between(fetch.first, fetch.last)
            for number in fetch.meters
            if stores[number].day_status(day, quarter_hours) is DayStatus.MISSING
        }

    def arrived(
        self, fetch: Fetch, stores: Mapping[str, MeterStore], missing: set[tuple[str, date]]
    ) -> set[date]:
        """The days ``missing`` before an answer was stored that are there now.

        Only those that teach the delay: asked for before (a miss), or at the learned delay.
        """
        checked = self.checked[fetch.value_type]
        return {
            day
            for _, day in missing - self.missing(fetch, stores)
            if day in checked or self.publication_delay is not None
        }

    def record(
        self,
        fetch: Fetch,
        now: datetime,
        arrived: Iterable[date] = (),
        still_missing: Iterable[date] = (),
    ) -> None:
        """Remember a successful fetch and what it taught about the publication delay.

        ``arrived``: days it found that were missing; ``still_missing``: days it asked for that
        are still not there.
        """
        for day in days_between(fetch.first, fetch.last):
            self.checked[fetch.value_type][day] = now
        self.last_run[fetch.value_type] = now
        if fetch.value_type is ValueType.METER_READ:
            self.register_target = fetch.last
        for found, days in ((True, arrived), (False, still_missing)):
            for day in days:
                delay = now - local_midnight(day + ONE_DAY)
                if not ZERO <= delay <= PUBLICATION_DELAY_LIMIT:
                    continue
                if found:
                    self.delays[day] = min(delay, self.delays.get(day, delay))
                else:
                    self.misses[day] = max(delay, self.misses.get(day, delay))
        newest = max(self.delays, default=None)
        if newest is not None:
            for known in (self.delays, self.misses):
                for day in [day for day in known if newest - day >= DELAY_MEMORY]:
                    del known[day]

    def prune(self, first: date) -> None:
        """Forget days before ``first``."""
        for value_type, days in self.checked.items():
            self.checked[value_type] = {day: at for day, at in days.items() if day >= first}


def window_start(today: date, correction_days: int) -> date:
    """First day the coordinator keeps.

    The month of three days ago (for month-to-date values), and at least the correction window
    and the day before it: a day is read once more on the day it leaves the correction window,
    so that it is imported settled whatever the day of the month.
    """
    return min(
        (today - 3 * ONE_DAY).replace(day=1), settled_before(today, correction_days) - ONE_DAY
    )


def settled_before(today: date, correction_days: int) -> date:
    """The first day still inside the correction window: earlier days are settled."""
    return today - correction_days * ONE_DAY


def expected_due(
    day: date,
    last: datetime | None,
    now: datetime,
    delay: timedelta | None,
    *,
    once: bool = False,
) -> bool:
    """Whether a day not yet published should be asked for now (see the module docstring).

    ``once``: only the first time after the delay, no asking again with growing pauses.
    """
    expected_at = local_midnight(day + ONE_DAY) + (delay or timedelta(0))
    if now < expected_at:
        return False
    if last is None or last < expected_at:
        return True
    if once:
        return False
    shortest, longest = PROBE_BACKOFF
    return now - last >= min(longest, max(shortest, last - expected_at))


@dataclass(slots=True)
class Due:
    """The days one value type needs now, and the days it re-reads if it sends a request."""

    urgent: set[date] = field(default_factory=set)
    reread: set[date] = field(default_factory=set)

    def fetch(self, value_type: ValueType, meters: tuple[str, ...]) -> Fetch | None:
        """One request for the urgent days and, riding along, the re-read ones."""
        if not self.urgent:
            return None
        days = self.urgent | self.reread
        return Fetch(value_type, meters, min(days), max(days))


@dataclass(frozen=True, slots=True)
class Moment:
    """The time a plan is made at, with what decides how often days are asked for."""

    now: datetime
    correction_days: int
    delay: timedelta | None

    @property
    def today(self) -> date:
        """The local day of ``now``."""
        return local_day(self.now)

    def in_window(self, day: date) -> bool:
        """Whether ``day`` is in the correction window."""
        return day >= self.today - self.correction_days * ONE_DAY

    def rereads(self, day: date, last: datetime) -> bool:
        """Whether ``day`` is in the correction window and not yet read again today."""
        return self.in_window(day) and last < local_midnight(self.today)


def _add_due(
    due: Due,
    store: MeterStore,
    days: list[date],
    checked: Mapping[date, datetime],
    moment: Moment,
    *,
    quarter_hours: bool,
) -> None:
    newest = store.newest_day(days, quarter_hours)
    yesterday = moment.today - ONE_DAY
    for day in days:
        last = checked.get(day)
        if newest is None and day == yesterday:
            # A meter without any data in the window (new, or its data ended): once a day.
            if expected_due(day, last, moment.now, moment.delay, once=True):
                due.urgent.add(day)
            continue
        if newest is not None and day > newest:
            if expected_due(day, last, moment.now, moment.delay):
                due.urgent.add(day)
            continue
        if last is None:
            due.urgent.add(day)  # never asked for
            continue
        if moment.rereads(day, last):
            due.reread.add(day)
        gap = newest is not None and not store.day_status(day, quarter_hours).complete
        if gap and moment.in_window(day) and moment.now - last >= RECHECK_INTERVAL:
            due.urgent.add(day)  # incomplete although newer data is published


def _add_probe(
    due: Due, store: MeterStore, days: list[date], checked: Mapping[date, datetime], moment: Moment
) -> None:
    """A day-only meter's quarter hours: each published day once, then with the re-read."""
    for day in days:
        last = checked.get(day)
        if last is None:
            if store.day_status(day, False) is not DayStatus.MISSING:
                due.urgent.add(day)
        elif moment.rereads(day, last):
            due.reread.add(day)


def plan(
    now: datetime,
    stores: Mapping[str, MeterStore],
    quarter_hour_meters: set[str],
    log: FetchLog,
    correction_days: int,
) -> list[Fetch]:
    """Every request that is due now: quarter hours, day values, register."""
    today = local_day(now)
    days = days_between(window_start(today, correction_days), today - ONE_DAY)
    quarter_due, day_due = Due(), Due()
    register_due: list[date] = []
    quarter_checked = log.checked[ValueType.QUARTER_HOUR]
    moment = Moment(now, correction_days, log.publication_delay)
    for number, store in stores.items():
        quarter_hours = number in quarter_hour_meters
        _add_due(day_due, store, days, log.checked[ValueType.DAY], moment, quarter_hours=False)
        if quarter_hours:
            _add_due(quarter_due, store, days, quarter_checked, moment, quarter_hours=True)
        else:
            _add_probe(quarter_due, store, days, quarter_checked, moment)
        complete = store.newest_complete_day(days, quarter_hours)
        anchor = store.newest_register_day()
        if complete is not None and (anchor is None or anchor < complete):
            register_due.append(complete)
            # Every complete day of the window whose register was never asked for comes along
            # (after a start: the whole window, so every hour gets its state).
            register_due.extend(
                day
                for day in days
                if day < complete
                and day not in log.checked[ValueType.METER_READ]
                and store.day_status(day, quarter_hours).complete
                and not store.has_registers(day)
            )
    every = tuple(stores)
    fetches = [
        fetch
        for value_type, due in ((ValueType.QUARTER_HOUR, quarter_due), (ValueType.DAY, day_due))
        if (fetch := due.fetch(value_type, every)) is not None
    ]
    if register_due:
        target = max(register_due)
        last_run = log.last_run.get(ValueType.METER_READ)
        if log.register_target != target or last_run is None or now - last_run >= RECHECK_INTERVAL:
            fetches.append(Fetch(ValueType.METER_READ, every, min(register_due), target))
    return fetches
