"""Polling: each update sends what the schedule says is due, and keeps what came back.

Every due bulk request goes through :mod:`.bulk_read` (a meter or a day failing costs itself) and
what it brought goes into the meters' stores and the fetch log, per meter. Each request type fails
alone: what arrived of the others is kept and synced, and the failed type is tried again after a
pause that doubles from an hour up to a day (a register request that fails only defers the meter
readings). When Wiener Netze itself is in trouble (the network, the server, 429, a week or less too
slow to answer, or longer ranges still too slow when split), nothing more is sent: the next try
comes after a pause that doubles from two hours up to twelve, with no retry inside it, so a
gateway down for a day costs five requests, not hundreds. The day-value and quarter-hour requests
reach back to older days waiting or held whose pause is over (:func:`.day_life.due_before`); a
request reaching back that fails for any reason but Wiener Netze being down (unreachable, 429,
503), or has days failing even alone among the older ones, is sent again without them, and the
update's requests do not reach back again that day: those days are the history import's then.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from .account_watch import AccountWatch
from .api import (
    ApiConnectionError,
    ApiTimeoutError,
    AuthenticationError,
    ForbiddenError,
    RateLimitedError,
    RetryPolicy,
    ServerError,
    ValueType,
    WienerNetzeClient,
    WienerNetzeError,
)
from .api.vienna_time import ONE_DAY, days_between, local_day
from .backoff import Backoff
from .bulk_read import BulkAnswer, BulkReader
from .day_life import brought, due_before, judged, note_asked, unsettled, waiting_days
from .entry_options import EntryOptions
from .meter_store import MeterStore, report_rejected
from .saved_state import SavedStateStore
from .schedule import Fetch, FetchLog, plan, settled_before, window_start

# While Wiener Netze is failing, no retry inside an update: the pauses do the rest.
NO_RETRY = RetryPolicy(max_attempts=1)
# Errors that are Wiener Netze's (or the network's), not the request's.
TROUBLE: tuple[type[WienerNetzeError], ...] = (
    ServerError,
    RateLimitedError,
    ApiTimeoutError,
    ApiConnectionError,
)
# Errors after which a request without the older days fails as well.
DOWN: tuple[type[WienerNetzeError], ...] = (RateLimitedError, ApiConnectionError)
GATEWAY_PAUSES = (timedelta(hours=2), timedelta(hours=12))
TYPE_PAUSES = (timedelta(hours=1), timedelta(days=1))

_LOGGER = logging.getLogger(__name__)


@dataclass(slots=True)
class Polled:
    """What one update's requests did."""

    # The request types that brought an answer.
    ran: set[ValueType] = field(default_factory=set)
    # Meters whose data came again after days still waiting for it (deliveries resumed), or
    # whose older days read again brought something: the history import asks for them at once.
    resumed: set[str] = field(default_factory=set)
    # Meters read (answered with their registers) by this update, and meters a request of it
    # named but did not read (refused, missing from the answer, without registers).
    read: set[str] = field(default_factory=set)
    unread: set[str] = field(default_factory=set)
    # Why the update stopped short: Wiener Netze is in trouble (or paused), or every due
    # request failed.
    error: WienerNetzeError | None = None


class Poller:
    """Sends the due requests of an update for the readable meters and stores the answers."""

    def __init__(
        self,
        client: WienerNetzeClient,
        reader: BulkReader,
        *,
        stores: Mapping[str, MeterStore],
        log: FetchLog,
        account: AccountWatch,
        options: EntryOptions,
        saved: SavedStateStore,
    ) -> None:
        self.client = client
        self.reader = reader
        self.stores = stores
        self.log = log
        self.account = account
        self.options = options
        self.saved = saved
        self._gateway = Backoff(*GATEWAY_PAUSES)
        self._types = {value_type: Backoff(*TYPE_PAUSES) for value_type in ValueType}
        self._trouble: WienerNetzeError | None = None
        # The day reaching back to older days failed (a request, or days in it): not again.
        self._reach_back_off: date | None = None
        # The client's own retries (connection.RETRY_POLICY), used while all is well.
        self._retry = client.retry

    async def async_poll(self, now: datetime, quarter_hour_meters: set[str]) -> Polled:
        """Send every due request; raises on authentication errors only.

        Planned again after each round (new quarter hours make the register due); one token
        serves all.
        """
        polled = Polled()
        if self._gateway.blocks(now):
            polled.error = self._trouble
            return polled
        tried: set[ValueType] = set()
        failure: WienerNetzeError | None = None
        older = self._older(now)
        # Rounds until nothing is due: each sends types not sent before (so at most three).
        while True:
            # The older days of meters whose answers brought news are the history import's now,
            # and all of them once a request reaching back to them failed.
            oldest = min(
                (
                    day
                    for number, days in older.items()
                    if number not in polled.resumed
                    for day in days
                ),
                default=None,
            )
            readable = {number: self.stores[number] for number in self.account.readable()}
            due = [
                fetch
                for fetch in plan(
                    now,
                    readable,
                    quarter_hour_meters,
                    self.log,
                    self.options.correction_days,
                    older=oldest,
                )
                if fetch.value_type not in tried and not self._types[fetch.value_type].blocks(now)
            ]
            # The register waits for the readings of its update: they decide which day it is.
            due = [fetch for fetch in due if fetch.value_type is not ValueType.METER_READ] or due
            if not due:
                break
            for planned in due:
                # Once reaching back failed, the update's other requests do not either.
                fetch = planned if older else (planned.without_older() or planned)
                tried.add(fetch.value_type)
                try:
                    await self._fetch_or_narrow(fetch, now, quarter_hour_meters, polled, older)
                    if self._reach_back_off == local_day(now):
                        older = {}
                except AuthenticationError, ForbiddenError:
                    raise
                except TROUBLE as err:
                    self._in_trouble(now, err)
                    polled.error = err
                    return polled
                except WienerNetzeError as err:
                    failure = err
                    pause = self._types[fetch.value_type].failed(now)
                    _LOGGER.warning(
                        "Reading %s failed, tried again in %s: %s", fetch.value_type, pause, err
                    )
                else:
                    polled.ran.add(fetch.value_type)
                    if self._types[fetch.value_type].succeeded():
                        _LOGGER.info("Reading %s works again", fetch.value_type)
        if polled.ran and self._gateway.succeeded():
            _LOGGER.info("Wiener Netze answers again")
            self.client.retry = self._retry
        if failure is not None and not polled.ran:
            polled.error = failure
        return polled

    def _older(self, now: datetime) -> dict[str, set[date]]:
        """Each readable meter's days before the correction window to ask for again now.

        None on a day reaching back failed: the history import asks for them (a day later).
        """
        today = local_day(now)
        if self._reach_back_off == today:
            return {}
        settled = settled_before(today, self.options.correction_days)
        state = self.saved.state
        return {
            number: due_before(state, number, settled, today) for number in self.account.readable()
        }

    async def _fetch_or_narrow(
        self,
        fetch: Fetch,
        now: datetime,
        quarter_hour_meters: set[str],
        polled: Polled,
        older: Mapping[str, set[date]],
    ) -> bool:
        """Send a request; whether it failed reaching back to older days and went without them.

        Those days are the history import's then (a day later).
        """
        try:
            await self._fetch(fetch, now, quarter_hour_meters, polled, older)
        except AuthenticationError, ForbiddenError:
            raise
        except WienerNetzeError as err:
            narrow = fetch.without_older()
            if narrow is None or isinstance(err, DOWN) or getattr(err, "status", None) == 503:
                raise  # Wiener Netze is down: the narrower request fails too
            self._reach_back_off = local_day(now)
            _LOGGER.debug("Reading %s with older days failed (%s); without them", fetch, err)
            await self._fetch(narrow, now, quarter_hour_meters, polled, {})
            return True
        return False

    def _in_trouble(self, now: datetime, err: WienerNetzeError) -> None:
        """Wiener Netze cannot be read: nothing more until the pause is over, logged once."""
        pause = self._gateway.failed(now)
        self._trouble = err
        self.client.retry = NO_RETRY
        log = _LOGGER.warning if self._gateway.failures == 1 else _LOGGER.debug
        log("Wiener Netze cannot be read (%s); tried again in %s", err, pause)

    async def _fetch(
        self,
        fetch: Fetch,
        now: datetime,
        quarter_hour_meters: set[str],
        polled: Polled,
        older: Mapping[str, set[date]],
    ) -> None:
        _LOGGER.debug(
            "Fetching %s for %s..%s, %d meters",
            fetch.value_type,
            fetch.first,
            fetch.last,
            len(fetch.meters),
        )
        today = local_day(now)
        window = days_between(window_start(today, self.options.correction_days), today - ONE_DAY)
        newest = {
            number: self.stores[number].newest_day(window, number in quarter_hour_meters)
            for number in fetch.meters
        }
        missing = self.log.missing(fetch, self.stores)
        answer = await self.reader.async_read(
            fetch.first, fetch.last, fetch.value_type, fetch.meters
        )
        if fetch.own_first is not None and any(day < fetch.own_first for _, day in answer.failed):
            self._reach_back_off = today  # older days failing even alone: the history import's
        self._note_refused(answer, today)
        if self.account.note_read(answer.read):
            self.account.update_issues(self.reader.names)
        polled.read |= set(answer.read)
        polled.unread |= set(fetch.meters) - set(answer.read)
        self._store(fetch, answer, today)
        polled.resumed |= self._brought(fetch, answer, older, quarter_hour_meters, today)
        after = self.log.missing(fetch, self.stores)
        # Not yet published: no meter read has it (one meter without data says nothing).
        unpublished = {
            day for _, day in after if all((number, day) in after for number in answer.read)
        }
        self.log.record(
            fetch,
            now,
            arrived=self.log.arrived(fetch, self.stores, missing),
            still_missing=unpublished if answer.read else (),
            read=answer.read,
            refused=answer.refused,
        )
        if fetch.value_type is not ValueType.METER_READ:
            polled.resumed |= self._resumed(newest, window, quarter_hour_meters)

    def _store(self, fetch: Fetch, answer: BulkAnswer, today: date) -> None:
        """Each meter's part of the answer into its store; unreadable values named once.

        Days before the window are the history import's: it names their unreadable values.
        """
        limit = self.options.max_power_w
        state = self.saved.state
        first = window_start(today, self.options.correction_days)
        for number, readings in answer.readings.items():
            name = self.reader.names.get(number, number)
            outcome = self.stores[number].ingest(fetch.value_type, readings, limit)
            recent = [value for value in outcome.rejected if local_day(value.start) >= first]
            report_rejected(name, recent, limit)
            if fetch.value_type is not ValueType.METER_READ:
                # Days waiting or held in the correction window: read again now (older ones:
                # _brought).
                settled = settled_before(today, self.options.correction_days)
                again = {day for day in unsettled(state, number) if day >= settled}
                note_asked(state, number, answer.read[number] & again, today)

    def _brought(
        self,
        fetch: Fetch,
        answer: BulkAnswer,
        older: Mapping[str, set[date]],
        quarter_hour_meters: set[str],
        today: date,
    ) -> set[str]:
        """Meters whose days before the correction window brought something, read again.

        Either request may bring it (a day value, quarter hours); the history import asks for
        those meters' days at once. The other days count as asked for once the request that
        can bring all they lack was answered (quarter hours for a meter that has them, else day
        values), and could judge them (a held day with its day value).
        """
        state = self.saved.state
        found: set[str] = set()
        for number, days in answer.read.items():
            quarter_hours = number in quarter_hour_meters
            store = self.stores[number]
            wanted = older.get(number, set()) & days
            news = {
                day for day in wanted if brought(state, store, day, quarter_hours=quarter_hours)
            }
            if news:
                found.add(number)
            kind = ValueType.QUARTER_HOUR if quarter_hours else ValueType.DAY
            if fetch.value_type is kind:
                asked = {day for day in wanted - news if judged(state, store, day)}
                note_asked(state, number, asked, today)
        return found

    def _note_refused(self, answer: BulkAnswer, today: date) -> None:
        """Meters refused on their own are gone (404) or locked (403)."""
        for number, reason in answer.refused.items():
            if isinstance(reason, ForbiddenError):
                self.account.note_locked(number, today)
            else:
                self.account.note_gone(number)
        if answer.refused:
            self.account.update_issues(self.reader.names)

    def _resumed(
        self, before: Mapping[str, date | None], window: list[date], quarter_hour_meters: set[str]
    ) -> set[str]:
        """Meters that had nothing after their days waiting for data, and now have."""
        state = self.saved.state
        resumed = set()
        for number, had in before.items():
            waiting = waiting_days(state, number)
            if not waiting:
                continue
            now = self.stores[number].newest_day(window, number in quarter_hour_meters)
            if now is not None and now > max(waiting) and (had is None or had < max(waiting)):
                resumed.add(number)
        return resumed
