"""One coordinator per config entry: decides when to call the API and keeps what it returned.

Each update asks :mod:`.schedule` what is due and sends every due bulk request for the readable
meters with one token; once a day the account's meter list comes along (:mod:`.account_watch`).
Between publications nothing is due, and an update costs no request at all. What arrived goes
into the statistics (:mod:`.energy_sync`) and into the summaries the sensors read; the history
import runs beside it (:mod:`.history_import`).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from datetime import date, datetime

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator
from homeassistant.util import dt as dt_util

from .account_watch import AccountWatch
from .api import (
    AuthenticationError,
    ForbiddenError,
    Meter,
    MeterReadings,
    NotFoundError,
    ResultType,
    ValueType,
    WienerNetzeClient,
    WienerNetzeError,
)
from .api.vienna_time import ONE_DAY, days_between, local_day, years_before
from .connection import create_client
from .const import CONF_METERS, DOMAIN, MAX_HISTORY_YEARS
from .cost_sync import CostSync
from .energy_sync import EnergySync, SyncReport
from .entry_options import EntryOptions
from .error_mapping import update_error
from .held_days import release
from .history_import import HistoryImport, MeterHistory
from .issues import delete_meter_issues, update_quarter_hour_issues
from .meter_store import MeterStore, report_dropped
from .naming import meter_title
from .saved_state import SavedStateStore, parse_key
from .schedule import Fetch, FetchLog, plan, settled_before, window_start
from .statistics_writer import StatisticsWriter
from .summary import MeterSummary, summarize
from .tariff import Tariff

_LOGGER = logging.getLogger(__name__)

type WienerNetzeConfigEntry = ConfigEntry[WienerNetzeCoordinator]


@dataclass(frozen=True, slots=True)
class WienerNetzeData:
    """What the entities read: per selected meter its summary and its history import."""

    meters: dict[str, MeterSummary]
    history: dict[str, MeterHistory]


class WienerNetzeCoordinator(DataUpdateCoordinator[WienerNetzeData]):
    """Polls the API for the selected meters and keeps their recent readings."""

    config_entry: WienerNetzeConfigEntry

    def __init__(
        self,
        hass: HomeAssistant,
        entry: WienerNetzeConfigEntry,
        client: WienerNetzeClient | None = None,
    ) -> None:
        self.options = EntryOptions.of(entry)
        super().__init__(
            hass,
            _LOGGER,
            config_entry=entry,
            name=DOMAIN,
            update_interval=self.options.update_interval,
            always_update=False,
        )
        self.client = client or create_client(hass, entry.data)
        self.selected: tuple[str, ...] = tuple(entry.data[CONF_METERS])
        self.meters: dict[str, Meter] = {}
        # Meter number → the name people know it by; filled once master data is read.
        self.names: dict[str, str] = {}
        self.stores = {number: MeterStore(number) for number in self.selected}
        self.fetch_log = FetchLog()
        self.account = AccountWatch(hass, entry.entry_id, self.selected)
        self.saved = SavedStateStore(hass, entry.entry_id)
        writer = StatisticsWriter(hass)
        self.cost_sync = CostSync(hass, saved=self.saved, writer=writer, names=self.names)
        self.energy_sync = EnergySync(
            hass,
            entry.entry_id,
            saved=self.saved,
            writer=writer,
            cost_sync=self.cost_sync,
            names=self.names,
        )
        self.history = HistoryImport(
            hass,
            entry,
            client=self.client,
            numbers=self.selected,
            saved=self.saved,
            energy_sync=self.energy_sync,
            options=self.options,
            on_progress=self._history_moved,
        )

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
        """Read the saved state and the account's meter list once, before the first update."""
        state = await self.saved.async_load()
        if dropped := state.meters() - set(self.selected):  # taken out of the selection
            state.forget_meters(dropped)
            delete_meter_issues(self.hass, dropped)
            await self.saved.async_save()
        today = local_day(dt_util.utcnow())
        state.prune(years_before(today, MAX_HISTORY_YEARS))
        first_priced = self.cost_sync.note_tariff(dt_util.utcnow(), self.tariff, self.selected)
        state.price_pending = sorted(set(state.price_pending) | set(first_priced))
        await self.saved.async_save()
        try:
            await self._read_account(local_day(dt_util.utcnow()))
        except WienerNetzeError as err:
            raise update_error(err) from err
        if state.price_pending:
            # The first tariff prices what was imported before it, in the background; until
            # that is done it stays pending (a restart or reload starts it again).
            self.config_entry.async_create_background_task(
                self.hass, self._price_history(), f"{DOMAIN} first prices"
            )

    async def _price_history(self) -> None:
        """Price everything imported of the meters waiting for their first tariff's prices.

        Everything the recorder holds as far back as any history goes: what an earlier load of
        the entry imported may not be in the saved state yet (a reload right after set-up).
        """
        state = self.saved.state
        numbers = list(state.price_pending)
        today = local_day(dt_util.utcnow())
        await self.cost_sync.async_recalculate(
            numbers, years_before(today, MAX_HISTORY_YEARS), today - ONE_DAY
        )
        self.cost_sync.update_issues(self.selected)
        state.price_pending = [number for number in state.price_pending if number not in numbers]
        await self.saved.async_save()

    async def _read_account(self, today: date) -> None:
        """The account's meter list: master data, names, new and unavailable meters."""
        meters = await self.client.async_get_meters(ResultType.ALL)
        state = self.saved.state
        if state.known_meters is None:  # what the user chose from when setting up
            smart = {meter.number for meter in meters if meter.is_smart_meter}
            state.known_meters = sorted(smart | set(self.selected))
        self.meters = self.account.note_list(meters, today, state.known_meters)
        self.names.update(
            {number: meter_title(self.meters.get(number), number) for number in self.selected}
        )
        self.account.update_issues(self.names)

    async def _read_account_quietly(self, today: date) -> None:
        """The day's meter list; when only it fails, the update still counts (tomorrow's try)."""
        try:
            await self._read_account(today)
        except AuthenticationError, ForbiddenError:
            raise
        except WienerNetzeError as err:
            self.account.listed_on = today
            _LOGGER.debug("Reading the account's meter list failed: %s", err)

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
                        {number: self.stores[number] for number in self.account.readable()},
                        self.quarter_hour_meters,
                        self.fetch_log,
                        self.options.correction_days,
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
                    # Neither Home Assistant's start nor the set-up waits for the recorder to
                    # write weeks of hours: the recorder only writes once the start is over.
                    self.config_entry.async_create_background_task(
                        self.hass, self._sync_window(now), f"{DOMAIN} first statistics"
                    )
                else:
                    await self._sync_window(now)
                self.history.recheck_held(local_day(now), self.quarter_hour_meters)
            if (ran or self.account.unavailable) and self.account.listed_on != local_day(now):
                await self._read_account_quietly(local_day(now))
        except WienerNetzeError as err:
            raise update_error(err) from err
        self.history.start(self.quarter_hour_meters, self.account.readable())
        return self._summarize(now)

    async def _sync_window(self, now: datetime) -> None:
        """Bring the statistics of the window's days in line with what the store holds."""
        today = local_day(now)
        correction_days = self.options.correction_days
        await self.energy_sync.async_sync(
            {number: self.stores[number] for number in self.account.readable()},
            days_between(window_start(today, correction_days), today - ONE_DAY),
            self.quarter_hour_meters,
            settled_before=settled_before(today, correction_days),
        )

    async def async_release(self, key: str) -> None:
        """Import a held-back day as delivered (the user confirmed it in the repair flow)."""
        number, _, day = parse_key(key)
        release(self.saved.state, key)
        now = dt_util.utcnow()
        if day >= window_start(local_day(now), self.options.correction_days):
            await self._sync_window(now)
        else:
            await self.async_import_range(day, day, [number])

    async def async_import_range(self, first: date, last: date, numbers: list[str]) -> SyncReport:
        """Read ``first``..``last`` again and splice it into the statistics.

        What falls in the window also goes into the stores, so the sensors show it at once.
        """
        report = await self.history.async_import_range(
            first, last, numbers, self.quarter_hour_meters, into=self.stores
        )
        if self.data is not None:
            self.data = self._summarize(dt_util.utcnow())
            self.async_update_listeners()
        return report

    @property
    def tariff(self) -> Tariff | None:
        """The tariff in the options (None when nothing is priced)."""
        return Tariff.from_options(self.config_entry.options)

    async def async_recalculate_costs(
        self, first: date, last: date, tariff: Tariff, numbers: list[str]
    ) -> int:
        """Price ``first``..``last`` again with ``tariff``; returns the hours priced."""
        hours = await self.cost_sync.async_recalculate(numbers, first, last, tariff)
        self.cost_sync.update_issues(self.selected)
        await self.saved.async_save()
        return hours

    def _history_moved(self) -> None:
        """The history import went on: let the sensors show how far."""
        if self.data is not None:
            self.data = replace(self.data, history=self.history.summary())
        self.async_update_listeners()

    async def _fetch(self, fetch: Fetch, now: datetime) -> None:
        _LOGGER.debug(
            "Fetching %s for %s..%s, %d meters",
            fetch.value_type,
            fetch.first,
            fetch.last,
            len(fetch.meters),
        )
        missing = self.fetch_log.missing(fetch, self.stores)
        for number, readings in (await self._read_each(fetch)).items():
            limit = self.options.max_power_w
            outcome = self.stores[number].ingest(fetch.value_type, readings, limit)
            report_dropped(self.names.get(number, number), outcome.dropped)
            for reading in outcome.rejected:
                _LOGGER.warning(
                    "%s: ignored an implausible value of %.3f kWh for %s..%s "
                    "(more than the plausibility limit of %.0f W)",
                    self.names.get(number, number),
                    reading.value,
                    reading.start.isoformat(),
                    reading.end.isoformat(),
                    limit,
                )
        log = self.fetch_log
        after = log.missing(fetch, self.stores)
        # Not yet published: no meter has it (one meter without data says nothing).
        unpublished = {
            day for _, day in after if all((number, day) in after for number in fetch.meters)
        }
        log.record(fetch, now, log.arrived(fetch, self.stores, missing), unpublished)

    async def _read_each(self, fetch: Fetch) -> dict[str, MeterReadings]:
        """The bulk answer, or each meter's on its own when a meter makes it fail (404, 403).

        So one meter gone or locked costs that meter only.
        """
        try:
            return await self.client.async_get_readings(
                fetch.first, fetch.last, fetch.value_type, fetch.meters
            )
        except (NotFoundError, ForbiddenError) as err:
            first_error: WienerNetzeError = err
        answers: dict[str, MeterReadings] = {}
        refused: dict[str, WienerNetzeError] = {fetch.meters[0]: first_error}
        if len(fetch.meters) > 1:
            refused.clear()
            for number in fetch.meters:
                try:
                    answers.update(
                        await self.client.async_get_readings(
                            fetch.first, fetch.last, fetch.value_type, [number]
                        )
                    )
                except (NotFoundError, ForbiddenError) as error:
                    refused[number] = error
        if not answers:
            # Every meter refused: the application is, unless the meter list (same token, same
            # key) still answers; then it is the meters.
            await self.client.async_get_meters(ResultType.ALL)
        for number, reason in refused.items():
            if isinstance(reason, NotFoundError):
                self.account.note_gone(number)
            else:
                self.account.note_locked(number, local_day(dt_util.utcnow()))
        self.account.update_issues(self.names)
        return answers

    def _summarize(self, now: datetime) -> WienerNetzeData:
        today = local_day(now)
        first = window_start(today, self.options.correction_days)
        self.fetch_log.prune(first)
        quarter_hours = self.quarter_hour_meters
        for store in self.stores.values():
            store.prune(first)
        update_quarter_hour_issues(self.hass, self.meters, self.names, quarter_hours)
        return WienerNetzeData(
            meters={
                number: summarize(store, first, today - ONE_DAY, number in quarter_hours)
                for number, store in self.stores.items()
            },
            history=self.history.summary(),
        )
