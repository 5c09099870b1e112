"""The history import: years of readings brought into the statistics in the background.

Oldest first, in chunks of :data:`CHUNK_DAYS` days (with the day before for the opening
register, 90 per request), three bulk requests per chunk (quarter hours, day values,
registers); after each chunk the next day is saved, so a restart continues there. Held days
older than the coordinator's window are read again once a day. The same range import serves
the ``import_history`` action and a released held day outside the window.

Everything here runs as background tasks of the entry: Home Assistant's start and the entry's
set-up never wait for it, and unloading the entry cancels it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant
from homeassistant.util import dt as dt_util

from .api import ValueType, WienerNetzeClient, WienerNetzeError
from .api.vienna_time import ONE_DAY, days_between, local_day, years_before
from .const import DOMAIN
from .energy_sync import EnergySync
from .entry_options import EntryOptions
from .held_days import to_recheck
from .meter_store import MeterStore
from .saved_state import SavedStateStore
from .schedule import settled_before, window_start

# 89 days, so that with the day before (for the opening register) a request covers 90.
CHUNK_DAYS = 89

_LOGGER = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class HistorySummary:
    """What the *History import* sensor shows."""

    progress: float | None
    data_from: str | None
    imported_from: str | None
    next_day: str | None


class HistoryImport:
    """Imports the history of an entry's meters and reads held days again."""

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
        self._held_checked: date | None = None

    def _window_start(self, today: date) -> date:
        return window_start(today, self.options.correction_days)

    def start(self, quarter_hour_meters: set[str]) -> None:
        """Run the history import in the background unless it is done or running.

        ``quarter_hour_meters``: meters known to publish quarter hours (master data, the window).
        """
        if self.options.history_years <= 0 or (self._task and not self._task.done()):
            return
        state = self.saved.state
        wanted = years_before(local_day(dt_util.utcnow()), self.options.history_years)
        if state.backfill_start is not None and wanted.isoformat() >= state.backfill_start:
            if state.backfill_done:
                return
        else:
            state.backfill_start = state.backfill_next = wanted.isoformat()
            state.backfill_done = False
        self._task = self.entry.async_create_background_task(
            self.hass, self.async_run(quarter_hour_meters), f"{DOMAIN} history import"
        )

    async def async_run(self, quarter_hour_meters: set[str]) -> None:
        """Import history up to the window, chunk by chunk; a restart continues after the last."""
        state = self.saved.state
        if state.backfill_next is None:
            return
        end = self._window_start(local_day(dt_util.utcnow())) - ONE_DAY
        first = date.fromisoformat(state.backfill_next)
        try:
            while first <= end:
                last = min(end, first + (CHUNK_DAYS - 1) * ONE_DAY)
                await self.async_import_range(first, last, self.numbers, quarter_hour_meters)
                first = last + ONE_DAY
                state.backfill_next = first.isoformat()
                await self.saved.async_save()
                self.on_progress()
        except WienerNetzeError as err:
            _LOGGER.warning("History import paused at %s, continues later: %s", first, err)
            return
        state.backfill_done = True
        await self.saved.async_save()
        _LOGGER.info("History import complete, data from %s", state.first_data)
        self.on_progress()

    async def async_import_range(
        self, first: date, last: date, numbers: Sequence[str], quarter_hour_meters: set[str]
    ) -> None:
        """Read the days ``first``..``last`` of some meters and splice them into the statistics."""
        numbers = tuple(numbers)
        today = local_day(dt_util.utcnow())
        chunk = first
        while chunk <= last:
            end = min(last, chunk + (CHUNK_DAYS - 1) * ONE_DAY)
            stores = {number: MeterStore(number) for number in numbers}
            for value_type in (ValueType.QUARTER_HOUR, ValueType.DAY, ValueType.METER_READ):
                start = chunk - ONE_DAY if value_type is ValueType.METER_READ else chunk
                answer = await self.client.async_get_readings(start, end, value_type, numbers)
                for number, readings in answer.items():
                    if number in stores:
                        stores[number].ingest(value_type, readings, self.options.max_power_w)
            quarter_hours = {
                number
                for number, store in stores.items()
                if store.has_quarter_hours or number in quarter_hour_meters
            }
            await self.energy_sync.async_sync(
                stores,
                days_between(chunk, end),
                quarter_hours,
                settled_before=settled_before(today, self.options.correction_days),
            )
            chunk = end + ONE_DAY

    def recheck_held(self, today: date, quarter_hour_meters: set[str]) -> None:
        """Once a day, read held-back days older than the window again: fixed ones import."""
        if self._held_checked == today:
            return
        self._held_checked = today
        old = to_recheck(self.saved.state.held, self._window_start(today))
        if old:
            self.entry.async_create_background_task(
                self.hass,
                self._async_reimport(old, quarter_hour_meters),
                f"{DOMAIN} held days",
            )

    async def _async_reimport(
        self, days: list[tuple[str, date]], quarter_hour_meters: set[str]
    ) -> None:
        for number, day in days:
            try:
                await self.async_import_range(day, day, [number], quarter_hour_meters)
            except WienerNetzeError as err:
                _LOGGER.debug("Reading held-back days again failed: %s", err)
                return

    def summary(self) -> HistorySummary:
        """How far the import is, for the sensors."""
        state = self.saved.state
        return HistorySummary(
            progress=self._progress(),
            data_from=state.first_data,
            imported_from=state.backfill_start,
            next_day=None if state.backfill_done else state.backfill_next,
        )

    def _progress(self) -> float | None:
        """Share of the history import done, in percent (None when no history is wanted)."""
        state = self.saved.state
        if self.options.history_years <= 0 or state.backfill_start is None:
            return None
        if state.backfill_done:
            return 100.0
        start = date.fromisoformat(state.backfill_start)
        end = self._window_start(local_day(dt_util.utcnow()))
        done = date.fromisoformat(state.backfill_next or state.backfill_start)
        return round(100 * max(0, (done - start).days) / max(1, (end - start).days), 1)
