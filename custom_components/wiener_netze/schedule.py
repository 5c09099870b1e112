"""When to call the API: which days are due, and which bulk requests an update sends.

Wiener Netze publishes a day once, some hours after it ended; the hour is not documented and varies
by account. The days after a meter's newest published day are *expected*: they are asked for by
their day values alone (one request for every meter) once the usual delay after the newest one's
end has passed (learned, see :attr:`FetchLog.publication_delay`; right after midnight until then).
When that finds nothing, again two hours later, then after three times as long as the oldest of
them has been overdue (at most a day): three requests on the day a day is late, and from the
next day on none of their own, since the next day's first request asks for them too. A meter whose
data stopped so costs nothing after its first day; a delivery outage, two requests a day (day
values, and the daily quarter-hour request below). Quarter hours are
asked for once the day values show a day is there (in the same update: it sends rounds until
nothing is due), or once a day while they do not; the register (meter reading) once a newer
complete day exists, after the rest of its update, and again at most once a day while it does
not come. So a day published at the usual hour costs three requests: day values, quarter hours,
register.

The days inside the correction window are read once more each day, in the same requests, so
corrections, revised estimates and late quarter hours reach the statistics at no extra cost; and
so are the older days waiting for their data or held back whose pause (:mod:`.day_life`) is
over: the history import asks for them again only when these requests brought them. Older days
already read are never asked for here. Day values are read for every meter (the statistics check
quarter hours against them); a meter without quarter hours is read by day values only, and its
quarter hours are asked for once for each day it publishes, so that switching them on in the
portal is noticed. Each update sends every due request, so one token serves them all. The fetch
log is kept per meter: a meter refused on its own is not taken as asked (its days are asked for
when it is readable again); one left out of an answer or answering without registers was asked
but not read, so it is not asked again at every update and its days are not imported.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta

from .api import ValueType
from .api.vienna_time import ONE_DAY, days_between, local_day, local_midnight
from .meter_store import DayStatus, MeterStore

# A register that does not come is asked for again at most this often (while its day is in the
# window).
REGISTER_RETRY = timedelta(days=1)
# Days not yet published are asked for again after the first pause, then after this many times as
# long as they have been overdue, at most daily.
FIRST_PAUSE = timedelta(hours=2)
PAUSE_GROWTH = 3
# How much earlier than the earliest recent publication the first request tries, when no recent
# miss says that is too early: days published earlier are found again, at one request a week.
EARLIER_BY = timedelta(hours=1)
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
    # The first day without the older days riding along (None: none ride along).
    own_first: date | None = field(default=None, compare=False)

    def without_older(self) -> Fetch | None:
        """The same request without the older days riding along (None: none did)."""
        if self.own_first is None or self.own_first <= self.first:
            return None
        return replace(self, first=self.own_first, own_first=None)


@dataclass(slots=True)
class FetchLog:
    """When each meter's days were last asked for and read, per value type; when types ran.

    *Asked*: named in a request that was answered (a meter refused is not asked: it is tried
    again when it is readable). *Read*: the answer had the meter with its registers. Planning
    goes by what was asked, so a meter answering without data is not asked again at every
    update; the statistics go by what was read.
    """

    checked: dict[ValueType, dict[tuple[str, date], datetime]] = field(
        default_factory=lambda: {value_type: {} for value_type in ValueType}
    )
    read: dict[ValueType, set[tuple[str, date]]] = field(
        default_factory=lambda: {value_type: set() for value_type in ValueType}
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
        further apart than an hour, the first request goes halfway between them, so
        the delay moves towards the real one in both directions: a day found at its first
        request says nothing about how much earlier it came, a day found halfway does. Without a
        recent miss before it, one step earlier is tried (:data:`EARLIER_BY`). Misses later than
        the earliest find (days that came late) do not move it.
        """
        found = min(self.delays.values(), default=None)
        if found is None:
            return None
        earliest = max(ZERO, found - 2 * EARLIER_BY)
        # Only misses of days that came: a day that never does (an outage, a meter whose data
        # stopped) says nothing about when days are published.
        before = max(
            (miss for day, miss in self.misses.items() if day in self.delays and miss < found),
            default=earliest,
        )
        if found - before <= EARLIER_BY:
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
            for number, day in missing - self.missing(fetch, stores)
            if (number, day) in checked or self.publication_delay is not None
        }

    def record(
        self,
        fetch: Fetch,
        now: datetime,
        *,
        arrived: Iterable[date] = (),
        still_missing: Iterable[date] = (),
        read: Mapping[str, Iterable[date]] | None = None,
        refused: Iterable[str] = (),
    ) -> None:
        """Remember a fetch and what it taught about the publication delay.

        ``read``: the days each meter was read on (None: every meter, every day); ``refused``:
        meters refused on their own; ``arrived``: days it found that were missing;
        ``still_missing``: days it asked for that are still not there.
        """
        days = days_between(fetch.first, fetch.last)
        if read is None:
            read = dict.fromkeys(fetch.meters, days)
        for number in set(fetch.meters) - set(refused):
            for day in days:
                self.checked[fetch.value_type][(number, day)] = now
        for number, days_read in read.items():
            self.read[fetch.value_type].update((number, day) for day in days_read)
        self.last_run[fetch.value_type] = now
        if fetch.value_type is ValueType.METER_READ:
            self.register_target = fetch.last
        for found, learned in ((True, arrived), (False, still_missing)):
            for day in learned:
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

    def read_days(self, number: str, quarter_hours: bool) -> set[date]:
        """The days a meter was read on: by day values, and by quarter hours if it has them."""
        found = {day for owner, day in self.read[ValueType.DAY] if owner == number}
        if quarter_hours:
            found &= {day for owner, day in self.read[ValueType.QUARTER_HOUR] if owner == number}
        return found

    def prune(self, first: date) -> None:
        """Forget days before ``first``."""
        for value_type, days in self.checked.items():
            self.checked[value_type] = {key: at for key, at in days.items() if key[1] >= first}
            self.read[value_type] = {key for key in self.read[value_type] if key[1] >= first}


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
    oldest: date,
    newest: date,
    last: datetime | None,
    now: datetime,
    delay: timedelta | None,
    *,
    once: bool = False,
) -> bool:
    """Whether a meter's days ``oldest``..``newest``, not yet published, are asked for now.

    Once ``newest`` is expected and was not asked for since; in between, after the pauses of
    the module docstring, unless the next day is expected before another such pause: its first
    request asks for them too. ``once``: only the first time after the delay.
    """
    newest_at = local_midnight(newest + ONE_DAY) + (delay or ZERO)
    oldest_at = local_midnight(oldest + ONE_DAY) + (delay or ZERO)
    if now < oldest_at:
        return False
    if last is None or (last < newest_at <= now):
        return True
    if once:
        return False
    pause = min(ONE_DAY, max(FIRST_PAUSE, PAUSE_GROWTH * (last - oldest_at)))
    # The next first request (of the newest day, or of the day after it) asks for them too.
    upcoming = newest_at if now < newest_at else newest_at + ONE_DAY
    return now - last >= pause and now + pause <= upcoming


@dataclass(slots=True)
class Due:
    """The days one value type needs now, and the days it re-reads if it sends a request."""

    urgent: set[date] = field(default_factory=set)
    reread: set[date] = field(default_factory=set)

    def fetch(
        self, value_type: ValueType, meters: tuple[str, ...], older: date | None
    ) -> Fetch | None:
        """One request for the urgent days and, riding along, the re-read ones.

        ``older``: the request reaches back to it (older days due again).
        """
        if not self.urgent:
            return None
        days = self.urgent | self.reread
        own = min(days)
        if older is None or older >= own:
            return Fetch(value_type, meters, own, max(days))
        return Fetch(value_type, meters, older, max(days), own_first=own)


@dataclass(frozen=True, slots=True)
class Moment:
    """The time a plan is made at, with what decides how often days are asked for."""

    now: datetime
    correction_days: int
    delay: timedelta | None
    # The days of the window.
    days: list[date]

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
    number: str,
    store: MeterStore,
    checked: Mapping[tuple[str, date], datetime],
    moment: Moment,
    *,
    day_checked: Mapping[tuple[str, date], datetime] | None = None,
) -> None:
    """A meter's days due for one value type.

    Day values; or, with ``day_checked`` (when day values were read), quarter hours.
    """
    days = moment.days
    quarter_hours = day_checked is not None
    newest = store.newest_day(days, quarter_hours)
    # The days after the newest published one; a meter without any data in the window (new,
    # or its data ended) is asked for yesterday, once a day.
    expected = [day for day in days if day > newest] if newest else [moment.today - ONE_DAY]
    if expected:
        asked = [at for day in expected if (at := checked.get((number, day))) is not None]
        last = max(asked, default=None)
        if day_checked is None:
            if expected_due(
                min(expected), max(expected), last, moment.now, moment.delay, once=newest is None
            ):
                due.urgent.update(expected)
        else:
            _add_expected_quarter_hours(
                due,
                number,
                store,
                expected,
                last=last,
                moment=moment,
                day_checked=day_checked,
                once=newest is None,
            )
    for day in days:
        if day in expected:
            continue
        last = checked.get((number, day))
        if last is None:
            due.urgent.add(day)  # never read for this meter
        elif moment.rereads(day, last):
            due.reread.add(day)


def _add_expected_quarter_hours(
    due: Due,
    number: str,
    store: MeterStore,
    expected: list[date],
    *,
    last: datetime | None,
    moment: Moment,
    day_checked: Mapping[tuple[str, date], datetime],
    once: bool,
) -> None:
    """Expected quarter hours, by what the day values show.

    Once day values show a day published (read after the quarter hours were last asked for),
    at once, then with the pauses of the day values; while none does, once a day, and along
    with any quarter-hour request sent anyway.
    """
    published = [day for day in expected if store.day_status(day, False) is not DayStatus.MISSING]
    if not published:
        if _daily_due(min(expected), last, moment):
            due.urgent.update(expected)
        else:
            due.reread.update(expected)
        return
    shown = max((at for day in published if (at := day_checked.get((number, day)))), default=None)
    if (
        last is None
        or (shown is not None and last < shown)
        or expected_due(min(expected), max(expected), last, moment.now, moment.delay, once=once)
    ):
        due.urgent.update(expected)


def _daily_due(oldest: date, last: datetime | None, moment: Moment) -> bool:
    """Once a day at the usual hour, from a day after ``oldest`` was expected."""
    delay = moment.delay or ZERO
    if moment.now < local_midnight(oldest + 2 * ONE_DAY) + delay:
        return False
    today_at = local_midnight(moment.today)
    return last is None or (last < today_at and moment.now >= today_at + delay % ONE_DAY)


def _add_probe(
    due: Due,
    number: str,
    store: MeterStore,
    checked: Mapping[tuple[str, date], datetime],
    moment: Moment,
) -> None:
    """A day-only meter's quarter hours: each published day once, then with the re-read."""
    for day in moment.days:
        last = checked.get((number, day))
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
    *,
    older: date | None = None,
) -> list[Fetch]:
    """Every request that is due now: quarter hours, day values, register.

    ``older``: the oldest day before the correction window waiting for its data or held back
    whose pause is over; the day-value and quarter-hour requests reach back to it, if they are
    sent. Day values go first: they decide whether quarter hours are due.
    """
    today = local_day(now)
    days = days_between(window_start(today, correction_days), today - ONE_DAY)
    quarter_due, day_due = Due(), Due()
    register_due: list[date] = []
    quarter_checked, day_checked = (
        log.checked[kind] for kind in (ValueType.QUARTER_HOUR, ValueType.DAY)
    )
    moment = Moment(now, correction_days, log.publication_delay, days)
    for number, store in stores.items():
        quarter_hours = number in quarter_hour_meters
        _add_due(day_due, number, store, day_checked, moment)
        if quarter_hours:
            _add_due(quarter_due, number, store, quarter_checked, moment, day_checked=day_checked)
        else:
            _add_probe(quarter_due, number, store, quarter_checked, moment)
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
                and (number, day) not in log.checked[ValueType.METER_READ]
                and store.day_status(day, quarter_hours).complete
                and not store.has_registers(day)
            )
    every = tuple(stores)
    fetches = [
        fetch
        for value_type, due in ((ValueType.DAY, day_due), (ValueType.QUARTER_HOUR, quarter_due))
        if (fetch := due.fetch(value_type, every, older)) is not None
    ]
    if register_due:
        target = max(register_due)
        last_run = log.last_run.get(ValueType.METER_READ)
        if log.register_target != target or last_run is None or now - last_run >= REGISTER_RETRY:
            fetches.append(Fetch(ValueType.METER_READ, every, min(register_due), target))
    return fetches
