"""The history import: each statistic gets what the recorder lacks, in the background.

Which days are missing is decided per meter and statistic and per day, from what the recorder
holds and the settled days in the saved state, never from one flag: a day older than the
coordinator's window is missing for a meter when it was never read and written in its final
form, or when a statistic of the meter has data before it but the recorder holds no row of it
(and it is neither a held day nor a known gap). So after any downtime, for a meter added later
and when the history depth is raised, exactly the missing days are read, and a restart plans
again from what was written.

Missing days are read in chunks of at most :data:`CHUNK_DAYS` days (with the day before for the
opening register, 90 per request), three bulk requests per chunk (quarter hours, day values,
registers) for the meters that miss a day in it, oldest first. Held days older than the window
are read again once a day. The same range import serves the ``import_history`` action and a
released held day outside the window.

Everything here runs as background tasks of the entry: Home Assistant's start and the entry's
set-up never wait for it, and unloading the entry cancels it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant
from homeassistant.util import dt as dt_util

from .api import (
    ApiTimeoutError,
    BadRequestError,
    DroppedValue,
    Flow,
    ForbiddenError,
    MeterReadings,
    NotFoundError,
    ServerError,
    ValueType,
    WienerNetzeClient,
    WienerNetzeError,
)
from .api.vienna_time import ONE_DAY, days_between, local_day, years_before
from .const import DOMAIN
from .energy_sync import EnergySync, SyncReport
from .entry_options import EntryOptions
from .held_days import to_recheck
from .meter_store import FLOWS, MeterStore, report_dropped
from .saved_state import SavedStateStore, day_key
from .schedule import settled_before, window_start
from .statistic_ids import statistic_id
from .statistics_writer import async_recorded_days

# 89 days, so that with the day before (for the opening register) a request covers 90.
CHUNK_DAYS = 89
# What a gateway answers when its backend took too long for a range: split it, like a timeout.
GATEWAY_TIMEOUT = 504
# More single days failing in one round than this: it is Wiener Netze, not the days (pause).
FAILING_IN_A_ROUND = 3
# A failed history import is tried again after this, then after twice as long, up to a day.
RETRY_FIRST = timedelta(hours=1)
RETRY_LIMIT = timedelta(days=1)

_LOGGER = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class MeterHistory:
    """How far one meter's history import is, for its *History import* sensor."""

    progress: float | None
    data_from: str | None
    imported_from: str | None
    missing_days: int


@dataclass(frozen=True, slots=True)
class Chunk:
    """One round of requests: the local days ``first``..``last`` of some meters."""

    first: date
    last: date
    days: dict[str, list[date]]


def next_chunk(missing: Mapping[str, Sequence[date]]) -> Chunk | None:
    """The newest round of at most :data:`CHUNK_DAYS` missing days.

    It names only the meters that miss a day in it; None when nothing is missing.
    """
    every = {day for days in missing.values() for day in days}
    if not every:
        return None
    last = max(every)
    first = min(day for day in every if day > last - CHUNK_DAYS * ONE_DAY)
    days = {
        number: in_chunk
        for number, wanted in missing.items()
        if (in_chunk := [day for day in wanted if first <= day <= last])
    }
    return Chunk(first, last, days)


def halves(chunk: Chunk) -> list[Chunk]:
    """A round that failed, split in two (newer half first) to find the day that fails."""
    middle = chunk.first + ((chunk.last - chunk.first) // 2)
    result = []
    for first, last in ((middle + ONE_DAY, chunk.last), (chunk.first, middle)):
        days = {
            number: in_half
            for number, wanted in chunk.days.items()
            if (in_half := [day for day in wanted if first <= day <= last])
        }
        if days:
            result.append(Chunk(first, last, days))
    return result


class HistoryImport:
    """Imports what the recorder lacks of the entry's meters, and reads held days again."""

    def __init__(
        self,
        hass: HomeAssistant,
        entry: ConfigEntry,
        *,
        client: WienerNetzeClient,
        numbers: Sequence[str],
        saved: SavedStateStore,
        energy_sync: EnergySync,
        options: EntryOptions,
        on_progress: Callable[[], None],
    ) -> None:
        self.hass = hass
        self.entry = entry
        self.client = client
        self.numbers = tuple(numbers)
        self.saved = saved
        self.energy_sync = energy_sync
        self.options = options
        self.on_progress = on_progress
        self._task: asyncio.Task[None] | None = None
        self._planned: date | None = None
        # After a failed run: not again before this, with pauses that double up to a day.
        self._retry_at: datetime | None = None
        self._failures = 0
        self._held_checked: date | None = None
        self._missing: dict[str, int] = {}
        self._dropped: set[DroppedValue] = set()
        self._wanted = 0

    def _range(self, today: date) -> tuple[date, date]:
        """The days the history import covers: from the history depth to the window."""
        first = years_before(today, self.options.history_years)
        return first, window_start(today, self.options.correction_days) - ONE_DAY

    def start(self, quarter_hour_meters: set[str], readable: Sequence[str]) -> None:
        """Import what is missing, in the background, once a day (or until it went through).

        ``quarter_hour_meters``: meters known to publish quarter hours (master data, the window);
        ``readable``: the meters requests may name (not gone, not locked).
        """
        self.numbers = tuple(readable)
        now = dt_util.utcnow()
        today = local_day(now)
        if self.options.history_years <= 0 or self._planned == today:
            return
        if self._task is not None and not self._task.done():
            return
        if self._retry_at is not None and now < self._retry_at:
            return
        self._task = self.entry.async_create_background_task(
            self.hass, self.async_run(quarter_hour_meters), f"{DOMAIN} history import"
        )

    async def async_run(self, quarter_hour_meters: set[str]) -> None:
        """Find what each meter misses and import it, chunk by chunk."""
        today = local_day(dt_util.utcnow())
        first, last = self._range(today)
        missing = await self.async_missing(first, last)
        self._wanted = max(0, (last - first).days + 1)
        self._missing = {number: len(days) for number, days in missing.items()}
        self.on_progress()
        imported = any(missing.values())
        # Newest first: yesterday's weeks are in the statistics at once, then back in time.
        while (chunk := next_chunk(missing)) is not None:
            failed: list[date] = []
            try:
                await self._import_or_split(chunk, quarter_hour_meters, today, failed)
            except WienerNetzeError as err:
                self._pause(chunk, err)
                return
            for number in chunk.days:
                missing[number] = [day for day in missing[number] if day < chunk.first]
                if not failed and self._before_its_data(number, chunk):
                    # A whole round before the meter's oldest data was empty: nothing older
                    # exists either. Its older days count as settled, without a request.
                    self.saved.state.settle(number, missing[number])
                    missing[number] = []
                self._missing[number] = len(missing[number])
            await self.saved.async_save()
            self.on_progress()
        self._planned = today
        if self._failures:
            _LOGGER.info("History import goes on: Wiener Netze answers again")
        self._failures, self._retry_at = 0, None
        if imported:
            _LOGGER.info("History import complete")

    def _pause(self, chunk: Chunk, err: WienerNetzeError) -> None:
        """Wiener Netze cannot be read now: try again later, logged when it starts."""
        self._failures += 1
        pause = min(RETRY_LIMIT, RETRY_FIRST * 2 ** (self._failures - 1))
        self._retry_at = dt_util.utcnow() + pause
        log = _LOGGER.warning if self._failures == 1 else _LOGGER.debug
        log("History import paused at %s, tried again in %s: %s", chunk.last, pause, err)

    def _before_its_data(self, number: str, chunk: Chunk) -> bool:
        """Whether the meter had no data in the round and all its data is newer."""
        if len(chunk.days[number]) < CHUNK_DAYS:
            return False  # a short round says little: only a whole empty round stops
        firsts = [day for flow in FLOWS if (day := self.saved.state.first_day(number, flow))]
        return bool(firsts) and min(firsts) > chunk.last

    async def _import_or_split(
        self,
        chunk: Chunk,
        quarter_hour_meters: set[str],
        today: date,
        failed: list[date],
    ) -> None:
        """Import a round, split down to single days when it fails in itself.

        Wiener Netze refusing it (400) or it taking too long splits it; a single day fails for
        each meter on its own before it is counted (``failed`` collects it). More failing days
        than :data:`FAILING_IN_A_ROUND` mean Wiener Netze, not the days: the error stands.
        """
        try:
            await self._import(chunk, quarter_hour_meters, today)
        except (BadRequestError, ApiTimeoutError, ServerError) as err:
            if isinstance(err, ServerError) and err.status != GATEWAY_TIMEOUT:
                raise  # the server's trouble, not this range's: pause
            if chunk.first != chunk.last:
                _LOGGER.debug(
                    "History import splits %s..%s in two: %s", chunk.first, chunk.last, err
                )
                for half in halves(chunk):
                    await self._import_or_split(half, quarter_hour_meters, today, failed)
                return
            if len(chunk.days) > 1:
                for number, days in chunk.days.items():
                    alone = Chunk(chunk.first, chunk.last, {number: days})
                    await self._import_or_split(alone, quarter_hour_meters, today, failed)
                return
            failed.append(chunk.first)
            if len(set(failed)) > FAILING_IN_A_ROUND:
                raise
            self._note_failing(chunk, err, today)
        else:
            for number, days in chunk.days.items():
                self.saved.state.note_success(number, days)

    def _note_failing(self, chunk: Chunk, err: WienerNetzeError, today: date) -> None:
        """A single day failed again; on its third day of failing it becomes a gap."""
        state = self.saved.state
        for number in chunk.days:
            if state.note_failing(number, chunk.first, today):
                _LOGGER.warning(
                    "%s on %s keeps failing (%s); imported as a gap", number, chunk.first, err
                )
                self.energy_sync.update_issues([number])
            else:
                _LOGGER.info("%s on %s failed (%s); tried again tomorrow", number, chunk.first, err)

    async def async_missing(self, first: date, last: date) -> dict[str, list[date]]:
        """The days ``first``..``last`` each meter misses (see the module docstring)."""
        state = self.saved.state
        result: dict[str, list[date]] = {}
        if first > last:
            return {number: [] for number in self.numbers}
        every = days_between(first, last)
        for number in self.numbers:
            settled = state.settled_days(number)
            missing = {day for day in every if day not in settled}
            for flow in FLOWS:
                missing |= await self._lacking_rows(number, flow, first, last, missing)
            result[number] = sorted(missing)
        return result

    async def _lacking_rows(
        self, number: str, flow: Flow, first: date, last: date, missing: set[date]
    ) -> set[date]:
        """Settled days of one statistic with data before them but no row in the recorder."""
        state = self.saved.state
        recorded = await async_recorded_days(self.hass, statistic_id(number, flow), first, last)
        if recorded:
            state.note_data(number, flow, min(recorded))
        since = state.first_day(number, flow)
        if since is None:
            return set()
        return {
            day
            for day in days_between(max(first, since), last)
            if day not in recorded
            and day not in missing
            and (key := day_key(number, flow, day)) not in state.held
            and key not in state.gaps
        }

    async def _import(self, chunk: Chunk, quarter_hour_meters: set[str], today: date) -> None:
        stores = await self._read(chunk.first, chunk.last, list(chunk.days))
        quarter_hours = {
            number
            for number, store in stores.items()
            if store.has_quarter_hours or number in quarter_hour_meters
        }
        await self.energy_sync.async_sync(
            stores,
            chunk.days,
            quarter_hours,
            settled_before=settled_before(today, self.options.correction_days),
        )

    async def _read(
        self,
        first: date,
        last: date,
        numbers: Sequence[str],
        into: Mapping[str, MeterStore] | None = None,
    ) -> dict[str, MeterStore]:
        """Quarter hours, day values and registers of ``first``..``last``.

        With the register of the day before; also into ``into`` (the coordinator's stores).
        """
        stores = {number: MeterStore(number) for number in numbers}
        limit = self.options.max_power_w
        for value_type in (ValueType.QUARTER_HOUR, ValueType.DAY, ValueType.METER_READ):
            start = first - ONE_DAY if value_type is ValueType.METER_READ else first
            answer = await self._get_each(start, last, value_type, list(stores))
            for gone in set(stores) - set(answer):
                del stores[gone]
            for number, readings in answer.items():
                if number in stores:
                    outcome = stores[number].ingest(value_type, readings, limit)
                    fresh = [value for value in outcome.dropped if value not in self._dropped]
                    self._dropped.update(fresh)
                    report_dropped(number, fresh)
                if into is not None and number in into:
                    into[number].ingest(value_type, readings, limit)
        return stores

    async def _get_each(
        self, first: date, last: date, value_type: ValueType, numbers: list[str]
    ) -> dict[str, MeterReadings]:
        """The bulk answer; when a meter makes it fail (404, 403), the others' on their own.

        A meter refused alone is left out of this round (the coordinator's next update makes
        it unavailable); when every meter is refused, the error stands.
        """
        try:
            return await self.client.async_get_readings(first, last, value_type, numbers)
        except NotFoundError, ForbiddenError:
            if len(numbers) == 1:
                raise
        answers: dict[str, MeterReadings] = {}
        refused: list[WienerNetzeError] = []
        for number in numbers:
            try:
                answers.update(
                    await self.client.async_get_readings(first, last, value_type, [number])
                )
            except (NotFoundError, ForbiddenError) as err:
                refused.append(err)
                _LOGGER.warning("History import skips %s for now: %s", number, err)
        if not answers:
            raise refused[-1]
        return answers

    async def async_import_range(
        self,
        first: date,
        last: date,
        numbers: Sequence[str],
        quarter_hour_meters: set[str],
        into: Mapping[str, MeterStore] | None = None,
    ) -> SyncReport:
        """Read the days ``first``..``last`` of some meters again and splice them in.

        ``into``: stores that also take what was read (the coordinator's, so the sensors show
        corrected values as soon as the statistics do).
        """
        today = local_day(dt_util.utcnow())
        total = SyncReport()
        chunk = first
        while chunk <= last:
            end = min(last, chunk + (CHUNK_DAYS - 1) * ONE_DAY)
            stores = await self._read(chunk, end, numbers, into)
            quarter_hours = {
                number
                for number, store in stores.items()
                if store.has_quarter_hours or number in quarter_hour_meters
            }
            total.add(
                await self.energy_sync.async_sync(
                    stores,
                    days_between(chunk, end),
                    quarter_hours,
                    settled_before=settled_before(today, self.options.correction_days),
                )
            )
            chunk = end + ONE_DAY
        return total

    def recheck_held(self, today: date, quarter_hour_meters: set[str]) -> None:
        """Once a day, read held-back days older than the window again: fixed ones import."""
        if self._held_checked == today:
            return
        self._held_checked = today
        old = to_recheck(self.saved.state.held, window_start(today, self.options.correction_days))
        if old:
            self.entry.async_create_background_task(
                self.hass,
                self._async_reimport(old, quarter_hour_meters),
                f"{DOMAIN} held days",
            )

    async def _async_reimport(
        self, ranges: list[tuple[str, date, date]], quarter_hour_meters: set[str]
    ) -> None:
        for number, first, last in ranges:
            try:
                await self.async_import_range(first, last, [number], quarter_hour_meters)
            except WienerNetzeError as err:
                _LOGGER.debug("Reading held-back days %s..%s again failed: %s", first, last, err)

    def summary(self) -> dict[str, MeterHistory]:
        """How far each meter's history import is, for the sensors."""
        state = self.saved.state
        today = local_day(dt_util.utcnow())
        first, _ = self._range(today)
        result = {}
        for number in self.numbers:
            starts = [day for flow in FLOWS if (day := state.first_day(number, flow))]
            missing = self._missing.get(number)
            progress: float | None = None
            if self.options.history_years > 0 and missing is not None:
                progress = round(100 * (1 - missing / max(1, self._wanted)), 1)
            result[number] = MeterHistory(
                progress=progress,
                data_from=min(starts).isoformat() if starts else None,
                imported_from=first.isoformat() if self.options.history_years > 0 else None,
                missing_days=missing or 0,
            )
        return result
