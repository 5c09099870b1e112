"""One coordinator per config entry: decides when to call the API and keeps what it returned.

Each update asks :mod:`.schedule` what is due and sends at most one bulk request for all selected
meters (the first update sends each due type once, so the entities start complete). Between
publications nothing is due, and an update costs no request at all.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ConfigEntryAuthFailed
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator, UpdateFailed
from homeassistant.util import dt as dt_util

from .api import (
    ApiConnectionError,
    ApiTimeoutError,
    AuthenticationError,
    ForbiddenError,
    MalformedResponseError,
    Meter,
    RateLimitedError,
    ResultType,
    ServerError,
    ValueType,
    WienerNetzeClient,
    WienerNetzeError,
)
from .connection import create_client
from .const import (
    CONF_CORRECTION_DAYS,
    CONF_HISTORY_YEARS,
    CONF_METERS,
    CONF_PLAUSIBILITY_LIMIT,
    CONF_UPDATE_INTERVAL,
    DEFAULT_CORRECTION_DAYS,
    DEFAULT_HISTORY_YEARS,
    DEFAULT_PLAUSIBILITY_LIMIT,
    DEFAULT_UPDATE_INTERVAL,
    DOMAIN,
)
from .import_state import ImportStateStore, parse_key
from .issues import update_quarter_hour_issues
from .naming import meter_title
from .schedule import ONE_DAY, Fetch, FetchLog, days_between, plan, window_start
from .store import DayStatus, MeterStore, local_day
from .summary import MeterSummary, summarize
from .sync import StatisticsSync
from .tariff import Tariff

# 89 days, so that with the day before (for the opening register) a request covers 90.
BACKFILL_CHUNK_DAYS = 89

_LOGGER = logging.getLogger(__name__)

type WienerNetzeConfigEntry = ConfigEntry[WienerNetzeCoordinator]


@dataclass(frozen=True, slots=True)
class WienerNetzeData:
    """What the entities read: one summary per selected meter."""

    meters: dict[str, MeterSummary]


def history_start(today: date, years: int) -> date:
    """The first day of a history ``years`` deep."""
    try:
        return today.replace(year=today.year - years)
    except ValueError:  # 29 February
        return today.replace(year=today.year - years, day=28)


def failure_key(err: WienerNetzeError) -> str:
    """The translation key of the reason an update failed."""
    for kind, key in (
        (ApiTimeoutError, "timeout"),
        (ApiConnectionError, "cannot_connect"),
        (RateLimitedError, "rate_limited"),
        (ServerError, "server_error"),
        (MalformedResponseError, "malformed_response"),
    ):
        if isinstance(err, kind):
            return key
    return "api_error"


class WienerNetzeCoordinator(DataUpdateCoordinator[WienerNetzeData]):
    """Polls the API for the selected meters and keeps their recent readings."""

    config_entry: WienerNetzeConfigEntry

    def __init__(
        self,
        hass: HomeAssistant,
        entry: WienerNetzeConfigEntry,
        client: WienerNetzeClient | None = None,
    ) -> None:
        super().__init__(
            hass,
            _LOGGER,
            config_entry=entry,
            name=DOMAIN,
            update_interval=timedelta(
                minutes=entry.options.get(CONF_UPDATE_INTERVAL, DEFAULT_UPDATE_INTERVAL)
            ),
            always_update=False,
        )
        self.client = client or create_client(hass, entry.data)
        self.selected: tuple[str, ...] = tuple(entry.data[CONF_METERS])
        self.max_power_w = float(
            entry.options.get(CONF_PLAUSIBILITY_LIMIT, DEFAULT_PLAUSIBILITY_LIMIT)
        )
        self.meters: dict[str, Meter] = {}
        self.stores = {number: MeterStore(number) for number in self.selected}
        self.fetch_log = FetchLog()
        self.rejected: set[tuple[str, datetime]] = set()
        self.correction_days = int(entry.options.get(CONF_CORRECTION_DAYS, DEFAULT_CORRECTION_DAYS))
        self.history_years = int(entry.options.get(CONF_HISTORY_YEARS, DEFAULT_HISTORY_YEARS))
        self.import_state = ImportStateStore(hass, entry.entry_id)
        self.sync = StatisticsSync(hass, entry.entry_id, self.import_state, self.title)
        self._backfill: asyncio.Task[None] | None = None
        self._held_checked: date | None = None

    def title(self, number: str) -> str:
        """The name people know the meter by."""
        return meter_title(self.meters.get(number), number)

    @property
    def quarter_hour_meters(self) -> set[str]:
        """Meters read by quarter hour: enabled in the portal, or quarter hours seen."""
        return {
            number
            for number, store in self.stores.items()
            if store.has_quarter_hours
            or (number in self.meters and self.meters[number].granularity == "QUARTER_HOUR")
        }

    async def _async_setup(self) -> None:
        """Read the selected meters' master data once, for devices and the polling mode."""
        await self.import_state.async_load()
        if self.sync.pricing.note_tariff(dt_util.utcnow(), self.tariff, self.selected):
            await self.import_state.async_save()
        try:
            meters = await self.client.async_get_meters(ResultType.ALL, self.selected)
        except WienerNetzeError as err:
            raise self._translate(err) from err
        self.meters = {meter.number: meter for meter in meters if meter.number in self.stores}
        for number in self.stores.keys() - self.meters.keys():
            _LOGGER.warning("Meter %s is no longer listed on the account", number)

    async def _async_update_data(self) -> WienerNetzeData:
        now = dt_util.utcnow()
        first_update = self.data is None
        ran: set[ValueType] = set()
        try:
            # Later types can become due from what earlier ones brought (the register follows a
            # new complete day), so plan again until nothing new is due; one token serves all.
            for _ in ValueType:
                due = [
                    fetch
                    for fetch in plan(
                        now,
                        self.stores,
                        self.quarter_hour_meters,
                        self.fetch_log,
                        self.correction_days,
                    )
                    if fetch.value_type not in ran
                ]
                if not due:
                    break
                for fetch in due:
                    await self._fetch(fetch, now)
                    ran.add(fetch.value_type)
            if ran:
                if first_update:
                    # Set-up does not wait for the recorder to write weeks of hours: Home
                    # Assistant goes on starting while this task (awaited by it) runs.
                    self.config_entry.async_create_task(
                        self.hass, self._sync_window(now), f"{DOMAIN} first statistics"
                    )
                else:
                    await self._sync_window(now)
                self._recheck_held_days(local_day(now))
        except WienerNetzeError as err:
            raise self._translate(err) from err
        self._start_backfill()
        return self._summarize(now)

    async def _sync_window(self, now: datetime) -> None:
        """Bring the statistics of the window's days in line with what the store holds."""
        today = local_day(now)
        await self.sync.async_sync(
            self.stores,
            days_between(window_start(today, self.correction_days), today - ONE_DAY),
            self.quarter_hour_meters,
            settled_before=today - self.correction_days * ONE_DAY,
        )

    def _recheck_held_days(self, today: date) -> None:
        """Once a day, read held-back days older than the window again: fixed ones import."""
        if self._held_checked == today:
            return
        self._held_checked = today
        first = window_start(today, self.correction_days)
        held = sorted(
            {(number, day) for number, _, day in map(parse_key, self.import_state.state.held)}
        )
        old = [(number, day) for number, day in held if day < first]
        if old:
            self.config_entry.async_create_background_task(
                self.hass, self._async_reimport(old), f"{DOMAIN} held days"
            )

    async def _async_reimport(self, days: list[tuple[str, date]]) -> None:
        for number, day in days:
            try:
                await self.async_import_range(day, day, [number])
            except WienerNetzeError as err:
                _LOGGER.debug("Reading held-back days again failed: %s", err)
                return

    def _start_backfill(self) -> None:
        """Run the history import in the background unless it is done or running."""
        if self.history_years <= 0 or (self._backfill and not self._backfill.done()):
            return
        state = self.import_state.state
        wanted = history_start(local_day(dt_util.utcnow()), self.history_years)
        if state.backfill_start is not None and wanted.isoformat() >= state.backfill_start:
            if state.backfill_done:
                return
        else:
            state.backfill_start = state.backfill_next = wanted.isoformat()
            state.backfill_done = False
        self._backfill = self.config_entry.async_create_background_task(
            self.hass, self.async_backfill(), f"{DOMAIN} history import"
        )

    async def async_backfill(self) -> None:
        """Import history up to the window, chunk by chunk; a restart continues after the last."""
        state = self.import_state.state
        if state.backfill_next is None:
            return
        today = local_day(dt_util.utcnow())
        end = window_start(today, self.correction_days) - ONE_DAY
        first = date.fromisoformat(state.backfill_next)
        try:
            while first <= end:
                last = min(end, first + (BACKFILL_CHUNK_DAYS - 1) * ONE_DAY)
                await self.async_import_range(first, last)
                first = last + ONE_DAY
                state.backfill_next = first.isoformat()
                await self.import_state.async_save()
                self.async_update_listeners()
        except WienerNetzeError as err:
            _LOGGER.warning("History import paused at %s, continues later: %s", first, err)
            return
        state.backfill_done = True
        await self.import_state.async_save()
        _LOGGER.info("History import complete, data from %s", state.first_data)
        self.async_update_listeners()

    async def async_import_range(
        self, first: date, last: date, meters: Sequence[str] | None = None
    ) -> None:
        """Read the days ``first``..``last`` of some meters and splice them into the statistics."""
        numbers = tuple(meters or self.selected)
        today = local_day(dt_util.utcnow())
        chunk = first
        while chunk <= last:
            end = min(last, chunk + (BACKFILL_CHUNK_DAYS - 1) * ONE_DAY)
            stores = {number: MeterStore(number) for number in numbers}
            for value_type in (ValueType.QUARTER_HOUR, ValueType.DAY, ValueType.METER_READ):
                start = chunk - ONE_DAY if value_type is ValueType.METER_READ else chunk
                answer = await self.client.async_get_readings(start, end, value_type, numbers)
                for number, readings in answer.items():
                    if number in stores:
                        stores[number].ingest(value_type, readings, self.max_power_w)
            quarter_hours = {
                number
                for number, store in stores.items()
                if store.has_quarter_hours or number in self.quarter_hour_meters
            }
            await self.sync.async_sync(
                stores,
                days_between(chunk, end),
                quarter_hours,
                settled_before=today - self.correction_days * ONE_DAY,
            )
            chunk = end + ONE_DAY

    async def async_import_anyway(self, key: str) -> None:
        """Import a held-back day as delivered (the user confirmed it in the repair flow)."""
        number, _, day = parse_key(key)
        state = self.import_state.state
        if key not in state.forced:
            state.forced.append(key)
        today = local_day(dt_util.utcnow())
        if day >= window_start(today, self.correction_days):
            await self._sync_window(dt_util.utcnow())
        else:
            await self.async_import_range(day, day, [number])

    @property
    def tariff(self) -> Tariff | None:
        """The tariff in the options (None when nothing is priced)."""
        return Tariff.from_options(self.config_entry.options)

    async def async_recalculate_costs(
        self, first: date, last: date, tariff: Tariff, meters: Sequence[str] | None = None
    ) -> int:
        """Price ``first``..``last`` again with ``tariff``; returns the hours priced."""
        pricing = self.sync.pricing
        hours = await pricing.async_recalculate(meters or self.selected, first, last, tariff)
        pricing.update_issues(self.selected)
        await self.import_state.async_save()
        return hours

    @property
    def history_progress(self) -> float | None:
        """Share of the history import done, in percent (None when no history is wanted)."""
        state = self.import_state.state
        if self.history_years <= 0 or state.backfill_start is None:
            return None
        if state.backfill_done:
            return 100.0
        start = date.fromisoformat(state.backfill_start)
        end = window_start(local_day(dt_util.utcnow()), self.correction_days)
        done = date.fromisoformat(state.backfill_next or state.backfill_start)
        return round(100 * max(0, (done - start).days) / max(1, (end - start).days), 1)

    async def _fetch(self, fetch: Fetch, now: datetime) -> None:
        _LOGGER.debug(
            "Fetching %s for %s..%s, %d meters",
            fetch.value_type,
            fetch.first,
            fetch.last,
            len(fetch.meters),
        )
        answer = await self.client.async_get_readings(
            fetch.first, fetch.last, fetch.value_type, fetch.meters
        )
        missed = self._missed(fetch)
        for number in fetch.meters:
            if (readings := answer.get(number)) is None:
                continue
            outcome = self.stores[number].ingest(fetch.value_type, readings, self.max_power_w)
            for reading in outcome.rejected:
                if (number, reading.start) in self.rejected:
                    continue
                self.rejected.add((number, reading.start))
                _LOGGER.warning(
                    "%s: ignored an implausible value of %.3f kWh for %s..%s "
                    "(more than the plausibility limit of %.0f W)",
                    self.title(number),
                    reading.value,
                    reading.start.isoformat(),
                    reading.end.isoformat(),
                    self.max_power_w,
                )
        arrived = {day for _, day in missed - self._missed(fetch)}
        self.fetch_log.record(fetch, now, arrived)

    def _missed(self, fetch: Fetch) -> set[tuple[str, date]]:
        """The days of ``fetch`` asked for before that some meter still has no value for."""
        if fetch.value_type is ValueType.METER_READ:
            return set()
        checked = self.fetch_log.checked[fetch.value_type]
        quarter_hours = fetch.value_type is ValueType.QUARTER_HOUR
        return {
            (number, day)
            for day in days_between(fetch.first, fetch.last)
            if day in checked
            for number in fetch.meters
            if self.stores[number].day_status(day, quarter_hours) is DayStatus.MISSING
        }

    def _summarize(self, now: datetime) -> WienerNetzeData:
        today = local_day(now)
        first = window_start(today, self.correction_days)
        self.fetch_log.prune(first)
        quarter_hours = self.quarter_hour_meters
        for store in self.stores.values():
            store.prune(first)
        update_quarter_hour_issues(
            self.hass,
            {
                number: self.title(number)
                for number, meter in self.meters.items()
                if meter.is_smart_meter and number not in quarter_hours
            },
            quarter_hours,
        )
        return WienerNetzeData(
            meters={
                number: summarize(store, first, today - ONE_DAY, number in quarter_hours)
                for number, store in self.stores.items()
            }
        )

    @staticmethod
    def _translate(err: WienerNetzeError) -> Exception:
        """Authentication problems start re-authentication; the rest marks entities unavailable."""
        if isinstance(err, AuthenticationError):
            return ConfigEntryAuthFailed(translation_domain=DOMAIN, translation_key="invalid_auth")
        if isinstance(err, ForbiddenError):
            return ConfigEntryAuthFailed(
                translation_domain=DOMAIN, translation_key="invalid_api_key"
            )
        return UpdateFailed(
            translation_domain=DOMAIN,
            translation_key=failure_key(err),
            translation_placeholders={"error": str(err)},
            retry_after=err.retry_after if isinstance(err, RateLimitedError) else None,
        )
