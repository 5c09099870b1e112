"""The history import: each statistic gets what the recorder lacks, in the background.

Which days are missing is decided per meter and statistic and per day, from what the recorder
holds and the saved state, never from one flag. A day older than the coordinator's window is
missing for a meter when it is not settled (never read, or read before its data was delivered),
or when a statistic of the meter has data before it but the recorder holds no row of it (and it
is neither a held day nor a known gap). Days waiting for their data or held back
(:mod:`.day_life`), in the window's settled days too, are missing again when their growing
pause is over, and at once for a meter whose deliveries resumed. So after any downtime, for a
meter added later and when the history depth is raised, exactly the missing days are read, and a
restart plans again from what was written.

Missing days are read in rounds of at most :data:`CHUNK_DAYS` days (with the day before for the
opening register, 90 per request), newest first, three bulk requests per round (quarter hours,
day values, registers) for the meters that miss a day in it (:mod:`.bulk_read`). A meter
refused, absent or answering without registers was not read: its days keep their state. Other
errors (the network, the server, a stalled recorder) pause the import, with pauses that double
from an hour up to a day. The same range import serves the ``import_history`` action and a
released held day outside the window.

Everything here runs as background tasks of the entry: Home Assistant's start and the entry's
set-up never wait for it, and unloading the entry cancels it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant
from homeassistant.util import dt as dt_util

from .api import Flow, ValueType, WienerNetzeError
from .api.vienna_time import ONE_DAY, days_between, local_day, years_before
from .backoff import Backoff
from .bulk_read import BulkAnswer, BulkReader
from .const import DOMAIN, STORAGE_DAYS
from .day_life import (
    due,
    expire,
    gap_days,
    note_asked,
    note_failing,
    note_success,
    unsettled,
    waiting_days,
)
from .energy_sync import EnergySync, SyncReport
from .entry_options import EntryOptions
from .meter_store import FLOWS, MeterStore, read_by_quarter_hours
from .saved_state import SavedStateStore, day_key
from .schedule import settled_before, window_start
from .statistic_ids import statistic_id
from .statistics_writer import RecorderStalledError, async_recorded_days

# 89 days, so that with the day before (for the opening register) a request covers 90.
CHUNK_DAYS = 89
# A meter read without data for this many days just before its oldest data, all of them older
# than the meters keep (so not a delivery still to come), has no older data.
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
    # Days never read yet, days asked for whose data is not delivered yet, days given up on.
    missing_days: int
    waiting_days: int
    gap_days: int


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
        # Meters whose waiting days are asked for at once (their deliveries resumed).
        self._now: set[str] = set()
        self._missing: dict[str, int] = {}
        self._wanted = 0

    def _range(self, today: date) -> tuple[date, date]:
        """The days the history import reads once: from the history depth to the window."""
        first = years_before(today, self.options.history_years)
        return first, window_start(today, self.options.correction_days) - ONE_DAY

    def start(self, quarter_hour_meters: set[str], readable: Sequence[str]) -> None:
        """Import what is missing, in the background, once a day (or until it went through).

        ``quarter_hour_meters``: meters known to publish quarter hours (master data, the window);
        ``readable``: the meters requests may name (not gone, not locked).
        """
        self.numbers = tuple(readable)
        now = dt_util.utcnow()
        if self._planned == local_day(now) and not self._now:
            return
        if self._task is not None and not self._task.done():
            return
        if self._backoff.blocks(now):
            return
        self._task = self.entry.async_create_background_task(
            self.hass, self.async_run(quarter_hour_meters), f"{DOMAIN} history import"
        )

    def ask_again(self, numbers: set[str]) -> None:
        """Deliveries of these meters resumed: their waiting days are asked for at once."""
        self._now |= numbers

    async def async_run(self, quarter_hour_meters: set[str]) -> None:
        """Find what each meter misses and import it, round by round, newest first."""
        today = local_day(dt_util.utcnow())
        state = self.saved.state
        if concerned := expire(state, today):
            self.energy_sync.update_issues(concerned)
        asked_now, self._now = self._now, set()
        missing = await self.async_missing(today, asked_now)
        first, last = self._range(today)
        self._wanted = max(0, (last - first).days + 1) if self.options.history_years > 0 else 0
        self._missing = {number: self._never_read(number, days) for number, days in missing.items()}
        self.on_progress()
        imported = any(missing.values())
        while (chunk := next_chunk(missing)) is not None:
            try:
                await self._import(chunk, quarter_hour_meters, today)
            except (WienerNetzeError, RecorderStalledError) as err:
                self._pause(chunk, err)
                self._now |= asked_now
                return
            for number in chunk.days:
                start = state.data_start.get(number, "")  # nothing older than a meter's data
                missing[number] = [
                    day for day in missing[number] if day < chunk.first and day.isoformat() >= start
                ]
                self._missing[number] = self._never_read(number, missing[number])
            await self.saved.async_save()
            self.on_progress()
        self._planned = today
        if self._backoff.succeeded():
            _LOGGER.info("History import goes on: Wiener Netze answers again")
        if imported:
            _LOGGER.info("History import complete")

    def _never_read(self, number: str, days: list[date]) -> int:
        """How many of a meter's missing days are not waiting or held (read for the first time)."""
        pending = unsettled(self.saved.state, number)
        return sum(1 for day in days if day not in pending)

    def _pause(self, chunk: Chunk, err: Exception) -> None:
        """Wiener Netze (or the recorder) cannot be used now: try again later, logged once."""
        pause = self._backoff.failed(dt_util.utcnow())
        log = _LOGGER.warning if self._backoff.failures == 1 else _LOGGER.debug
        log("History import paused at %s, tried again in %s: %s", chunk.last, pause, err)

    async def async_missing(
        self,
        today: date,
        asked_now: set[str] = frozenset(),  # type: ignore[assignment]
    ) -> dict[str, list[date]]:
        """The days each meter misses (see the module docstring).

        ``asked_now``: meters whose waiting days are due whatever their pause.
        """
        state = self.saved.state
        first, last = self._range(today)
        if self.options.history_years <= 0:
            last = first - ONE_DAY
        # Waiting and held days are asked for again (day_life.due), up to the correction
        # window (inside it the coordinator reads every day once a day).
        again_to = settled_before(today, self.options.correction_days) - ONE_DAY
        result: dict[str, list[date]] = {}
        for number in self.numbers:
            settled = state.settled_days(number)
            pending = {
                day: kind for day, kind in unsettled(state, number).items() if day not in settled
            }
            start = state.data_start.get(number)
            if start is not None:  # nothing before the meter's data is asked for
                settled |= set(days_between(first, date.fromisoformat(start) - ONE_DAY))
            missing = {
                day
                for day in days_between(first, last)
                if day not in settled and day not in pending
            }
            missing |= {
                day
                for day, kind in pending.items()
                if day <= again_to and (number in asked_now or due(state, number, day, kind, today))
            }
            for flow in FLOWS:
                missing |= await self._lacking_rows(number, flow, first, last, missing)
            result[number] = sorted(missing)
        return result

    async def _lacking_rows(
        self, number: str, flow: Flow, first: date, last: date, missing: set[date]
    ) -> set[date]:
        """Settled days of one statistic with data before them but no row in the recorder."""
        if first > last:
            return set()
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
        read = self._read_days(chunk, answers, today)
        for number, store in stores.items():
            self._conclude_start(number, store, read[number], today)
        for number, err in answers[ValueType.QUARTER_HOUR].refused.items():
            # The coordinator's next update names it (gone or locked) once.
            _LOGGER.debug("History import skips %s for now: %s", number, err)
        return await self.energy_sync.async_sync(
            stores,
            read,
            read_by_quarter_hours(stores, quarter_hour_meters),
            settled_before=settled_before(today, self.options.correction_days),
            today=today,
        )

    def _conclude_start(
        self, number: str, store: MeterStore, read: list[date], today: date
    ) -> None:
        """Whether the meter's data starts at its oldest day in this answer.

        So when the answer read it without data for a month before that day, a month the meters
        no longer keep (so it is not a delivery still to come).
        """
        if not store.first_seen:
            return  # an answer without the meter's data concludes nothing
        oldest = min(store.first_seen.values())
        empty = [day for day in read if day < oldest]
        if len(empty) >= EMPTY_BEFORE_DATA and (today - oldest).days > STORAGE_DAYS:
            self.saved.state.data_start[number] = oldest.isoformat()

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
                stores[number].ingest(value_type, readings, limit)
                if number in into:
                    into[number].ingest(value_type, readings, limit)
        return stores

    def _read_days(
        self, chunk: Chunk, answers: Mapping[ValueType, BulkAnswer], today: date
    ) -> dict[str, list[date]]:
        """The days of each meter read by quarter hours and by day values; failing ones counted.

        A day that failed even alone fails again tomorrow; on its third day it becomes a gap.
        """
        state = self.saved.state
        quarter, day_values = answers[ValueType.QUARTER_HOUR], answers[ValueType.DAY]
        failed: dict[str, dict[date, WienerNetzeError]] = {}
        for answer in answers.values():
            for (number, day), err in answer.failed.items():
                failed.setdefault(number, {})[day] = err
        read: dict[str, list[date]] = {}
        for number, wanted in chunk.days.items():
            both = quarter.read.get(number, set()) & day_values.read.get(number, set())
            failing = failed.get(number, {})
            read[number] = [day for day in wanted if day in both and day not in failing]
            note_asked(state, number, read[number], today)
            note_success(state, number, read[number])
            for day, err in sorted(failing.items()):
                if note_failing(state, number, day, today):
                    name = self.energy_sync.names.get(number, number)
                    _LOGGER.warning(
                        "%s on %s keeps failing (%s); imported as a gap", name, day, err
                    )
                    self.energy_sync.update_issues([number])
                else:
                    _LOGGER.info("%s on %s failed (%s); tried again tomorrow", number, day, err)
        return read

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
        """How far each meter's history import is, for the sensors."""
        state = self.saved.state
        today = local_day(dt_util.utcnow())
        first, last = self._range(today)
        wanted = self.options.history_years > 0
        result = {}
        for number in self.numbers:
            starts = [day for flow in FLOWS if (day := state.first_day(number, flow))]
            missing = self._missing.get(number)
            waiting = waiting_days(state, number)
            progress: float | None = None
            if wanted and missing is not None:
                open_days = missing + sum(1 for day in waiting if first <= day <= last)
                progress = round(max(0.0, 100 * (1 - open_days / max(1, self._wanted))), 1)
            result[number] = MeterHistory(
                progress=progress,
                data_from=min(starts).isoformat() if starts else None,
                imported_from=first.isoformat() if wanted else None,
                missing_days=missing or 0,
                waiting_days=len(waiting),
                gap_days=len(gap_days(state, number)),
            )
        return result
