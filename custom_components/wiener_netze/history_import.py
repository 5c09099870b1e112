"""The history import: each statistic gets what the recorder lacks, in the background.

Which days are read is :mod:`.history_plan`'s: days never read, days waiting for their data or
held back a day after their pause is over (that day the coordinator's own requests ask for
them), and at once for a meter whose re-read days brought something or whose deliveries
resumed. They are
read in rounds, newest first, three bulk requests per round (quarter hours, day values,
registers) through :mod:`.bulk_read`. A meter refused, absent from one of the three answers or
answering without registers was not read: its days keep their state (and are asked for again
with growing pauses). A round with a meter's data that read it without data for a month before
its oldest day, a month the meters no longer keep, makes that day a candidate for where its data
starts; the next older round confirms it when it has no data of the meter either (nothing older
is asked for then). Errors of Wiener Netze or the recorder pause the import, with pauses that
double from an hour up to a day. The same range import serves the ``import_history`` action and
a released held day outside the window.

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

from .api import ValueType, WienerNetzeError
from .api.vienna_time import ONE_DAY, days_between, local_day
from .backoff import Backoff
from .bulk_read import BulkAnswer, BulkReader
from .const import DOMAIN, STORAGE_DAYS
from .day_life import expire, gap_days, note_asked, note_failing, note_success, unsettled
from .day_life import waiting_days as waiting_days_of
from .energy_sync import EnergySync, SyncReport
from .entry_options import EntryOptions
from .history_plan import CHUNK_DAYS, Chunk, async_missing, history_range, next_chunk, open_days
from .meter_store import FLOWS, MeterStore, read_by_quarter_hours, report_rejected
from .saved_state import SavedStateStore
from .schedule import settled_before, window_start
from .statistics_writer import RecorderStalledError

# A meter read without data for this many days just before its oldest data, all of them older
# than the meters keep (so not a delivery still to come), may have no older data.
EMPTY_BEFORE_DATA = 30
# A paused history import is tried again after this, then after twice as long, up to a day.
RETRY_FIRST = timedelta(hours=1)
RETRY_LIMIT = timedelta(days=1)
VALUE_TYPES = (ValueType.QUARTER_HOUR, ValueType.DAY, ValueType.METER_READ)

_LOGGER = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class MeterHistory:
    """How far one meter's history import is, for its *History import* sensor."""

    progress: float | None
    data_from: str | None
    imported_from: str | None
    # Days not read yet, days asked for whose data is not delivered yet, days given up on.
    missing_days: int
    waiting_days: int
    gap_days: int


class HistoryImport:
    """Imports what the recorder lacks of the entry's meters, and what is not in yet."""

    def __init__(
        self,
        hass: HomeAssistant,
        entry: ConfigEntry,
        *,
        reader: BulkReader,
        numbers: Sequence[str],
        saved: SavedStateStore,
        energy_sync: EnergySync,
        options: EntryOptions,
        stores: Mapping[str, MeterStore],
        on_progress: Callable[[], None],
    ) -> None:
        self.hass = hass
        self.entry = entry
        self.reader = reader
        self.numbers = tuple(numbers)
        self.saved = saved
        self.energy_sync = energy_sync
        self.options = options
        # The coordinator's stores: what is read of the window's days goes there too.
        self.stores = stores
        self.on_progress = on_progress
        self._task: asyncio.Task[None] | None = None
        self._planned: date | None = None
        self._backoff = Backoff(RETRY_FIRST, RETRY_LIMIT)
        # Meters whose waiting days and days not read are asked for at once (their deliveries
        # resumed, or they answer again).
        self._ask_now: set[str] = set()
        # Per meter, where its data may start: confirmed by the next older round without data.
        self._start_candidates: dict[str, date] = {}
        # Implausible values of days outside the window already named in the log.
        self._rejected_named: set[tuple[str, datetime]] = set()
        self._planned_once = False

    def start(self, quarter_hour_meters: set[str], readable: Sequence[str]) -> None:
        """Import what is missing, in the background, once a day (or until it went through).

        ``quarter_hour_meters``: meters known to publish quarter hours (master data, the window);
        ``readable``: the meters requests may name (not gone, not locked).
        """
        self.numbers = tuple(readable)
        now = dt_util.utcnow()
        if self._planned == local_day(now) and not self._ask_now:
            return
        if self._task is not None and not self._task.done():
            return
        if self._backoff.blocks(now):
            return
        self._task = self.entry.async_create_background_task(
            self.hass, self.async_run(quarter_hour_meters), f"{DOMAIN} history import"
        )

    def ask_again(self, numbers: set[str]) -> None:
        """Deliveries of these meters resumed, or they answer again: ask for their days at once.

        Their waiting days and the days not read are asked for in the next round.
        """
        self._ask_now |= numbers

    async def async_run(self, quarter_hour_meters: set[str]) -> None:
        """Find what each meter misses and import it, round by round, newest first."""
        today = local_day(dt_util.utcnow())
        state = self.saved.state
        if concerned := expire(state, today):
            self.energy_sync.update_issues(concerned)
            await self.saved.async_save()
        ask_now, self._ask_now = self._ask_now, set()
        missing = await async_missing(
            self.hass, state, self.numbers, self.options, today=today, ask_now=ask_now
        )
        self._planned_once = True
        self.on_progress()
        imported = any(missing.values())
        while (chunk := next_chunk(missing)) is not None:
            try:
                await self._import(chunk, quarter_hour_meters, today)
            except (WienerNetzeError, RecorderStalledError) as err:
                self._pause(chunk, err)
                self._ask_now |= ask_now
                return
            for number in chunk.days:
                start = state.data_start.get(number, "")  # nothing older than a meter's data
                missing[number] = [
                    day for day in missing[number] if day < chunk.first and day.isoformat() >= start
                ]
            await self.saved.async_save()
            self.on_progress()
        self._planned = today
        if self._backoff.succeeded():
            _LOGGER.info("History import goes on: Wiener Netze answers again")
        if imported:
            _LOGGER.info("History import complete")

    def _pause(self, chunk: Chunk, err: Exception) -> None:
        """Wiener Netze (or the recorder) cannot be used now: try again later, logged once."""
        pause = self._backoff.failed(dt_util.utcnow())
        log = _LOGGER.warning if self._backoff.failures == 1 else _LOGGER.debug
        log("History import paused at %s, tried again in %s: %s", chunk.last, pause, err)

    async def _import(self, chunk: Chunk, quarter_hour_meters: set[str], today: date) -> SyncReport:
        """Read one round and splice what was read of each meter into the statistics."""
        answers = {
            value_type: await self.reader.async_read(
                chunk.first - ONE_DAY if value_type is ValueType.METER_READ else chunk.first,
                chunk.last,
                value_type,
                list(chunk.days),
            )
            for value_type in VALUE_TYPES
        }
        stores = self._stores(chunk, answers, today)
        quarter_hours = read_by_quarter_hours(stores, quarter_hour_meters)
        read, not_read = self._read_days(chunk, answers, quarter_hours, today)
        for number, store in stores.items():
            self._conclude_start(chunk, number, store, read[number], today)
        for number, err in answers[ValueType.QUARTER_HOUR].refused.items():
            # The coordinator's next update names it (gone or locked) once.
            _LOGGER.debug("History import skips %s for now: %s", number, err)
        report = await self.energy_sync.async_sync(
            stores,
            read,
            quarter_hours,
            settled_before=settled_before(today, self.options.correction_days),
            today=today,
        )
        self._note_asked(chunk, not_read, today)
        return report

    def _note_asked(self, chunk: Chunk, not_read: set[str], today: date) -> None:
        """The round's days were asked for today (once written: a stall asks again).

        Of a meter not read, the days waiting or held keep their own pauses; the others wait
        a week (:func:`.day_life.due`), or until the meter answers again.
        """
        state = self.saved.state
        for number, wanted in chunk.days.items():
            keep = set(unsettled(state, number)) if number in not_read else set()
            note_asked(state, number, [day for day in wanted if day not in keep], today)

    def _conclude_start(
        self, chunk: Chunk, number: str, store: MeterStore, read: list[date], today: date
    ) -> None:
        """Where the meter's data starts, from answers with and without its data.

        A round with its data that read it without data for a month before its oldest day, a
        month the meters no longer keep (not a delivery still to come), makes that day a
        candidate; the next older round confirms it when it read the meter without any data
        (a lost stretch of a month is not taken for the start), else the candidate goes.
        """
        candidate = self._start_candidates.pop(number, None)
        if not store.first_seen:
            if candidate is not None and read and chunk.last < candidate:
                self.saved.state.data_start[number] = candidate.isoformat()
            return
        oldest = min(store.first_seen.values())
        empty = [day for day in read if day < oldest]
        if len(empty) >= EMPTY_BEFORE_DATA and (today - oldest).days > STORAGE_DAYS:
            self._start_candidates[number] = oldest

    def _stores(
        self, chunk: Chunk, answers: Mapping[ValueType, BulkAnswer], today: date
    ) -> dict[str, MeterStore]:
        """The round's readings per meter; those of the window's days go to the sensors too."""
        stores = {number: MeterStore(number) for number in chunk.days}
        in_window = chunk.last >= window_start(today, self.options.correction_days)
        into = self.stores if in_window else {}
        limit = self.options.max_power_w
        for value_type, answer in answers.items():
            for number, readings in answer.readings.items():
                outcome = stores[number].ingest(value_type, readings, limit)
                if number in into:  # its store names each implausible value once
                    outcome = into[number].ingest(value_type, readings, limit)
                fresh = [
                    reading
                    for reading in outcome.rejected
                    if (number, reading.start) not in self._rejected_named
                ]
                self._rejected_named.update((number, reading.start) for reading in fresh)
                report_rejected(self.energy_sync.names.get(number, number), fresh, limit)
        return stores

    def _read_days(
        self,
        chunk: Chunk,
        answers: Mapping[ValueType, BulkAnswer],
        quarter_hours: set[str],
        today: date,
    ) -> tuple[dict[str, list[date]], set[str]]:
        """The days each meter was read on, and the meters not read; failing days counted.

        Read: in the day values, the registers, and the quarter hours of a meter read by them.
        A day that failed even alone fails again tomorrow; on its third day it becomes a gap.
        """
        state = self.saved.state
        failed: dict[str, dict[date, WienerNetzeError]] = {}
        for answer in answers.values():
            for (number, day), err in answer.failed.items():
                failed.setdefault(number, {})[day] = err
        read: dict[str, list[date]] = {}
        not_read: set[str] = set()
        for number, wanted in chunk.days.items():
            kinds = [ValueType.DAY, ValueType.METER_READ]
            if number in quarter_hours:
                kinds.append(ValueType.QUARTER_HOUR)
            answered = set.intersection(*(answers[kind].read.get(number, set()) for kind in kinds))
            failing = failed.get(number, {})
            read[number] = [day for day in wanted if day in answered and day not in failing]
            if not all(number in answers[kind].read for kind in kinds):
                not_read.add(number)
            note_success(state, number, read[number])
            for day, err in sorted(failing.items()):
                if note_failing(state, number, day, today):
                    name = self.energy_sync.names.get(number, number)
                    _LOGGER.warning(
                        "%s on %s keeps failing (%s); imported as a gap", name, day, err
                    )
                    self.energy_sync.update_issues([number])
                else:
                    name = self.energy_sync.names.get(number, number)
                    _LOGGER.info("%s on %s failed (%s); tried again tomorrow", name, day, err)
        return read, not_read

    async def async_import_range(
        self, first: date, last: date, numbers: Sequence[str], quarter_hour_meters: set[str]
    ) -> SyncReport:
        """Read the days ``first``..``last`` of some meters again and splice them in.

        What falls in the window also goes into the coordinator's stores, so the sensors show
        corrected values as soon as the statistics do.
        """
        today = local_day(dt_util.utcnow())
        total = SyncReport()
        start = first
        while start <= last:
            end = min(last, start + (CHUNK_DAYS - 1) * ONE_DAY)
            days = days_between(start, end)
            chunk = Chunk(start, end, dict.fromkeys(numbers, days))
            total.add(await self._import(chunk, quarter_hour_meters, today))
            start = end + ONE_DAY
        return total

    def summary(self) -> dict[str, MeterHistory]:
        """How far each meter's history import is, for the sensors (unknown before it planned)."""
        state = self.saved.state
        first, last = history_range(local_day(dt_util.utcnow()), self.options)
        wanted = max(0, (last - first).days + 1)
        result = {}
        for number in self.numbers:
            starts = [day for flow in FLOWS if (day := state.first_day(number, flow))]
            never, waiting = open_days(state, number, first, last)
            progress: float | None = None
            if wanted and self._planned_once:
                progress = round(max(0.0, 100 * (1 - (never + waiting) / wanted)), 1)
            result[number] = MeterHistory(
                progress=progress,
                data_from=min(starts).isoformat() if starts else None,
                imported_from=first.isoformat() if wanted else None,
                missing_days=never,
                waiting_days=len(waiting_days_of(state, number)),
                gap_days=len(gap_days(state, number)),
            )
        return result
