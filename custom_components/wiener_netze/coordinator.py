"""One coordinator per config entry: polls, keeps what came back, and syncs the window.

Each update sends what :mod:`.schedule` says is due (:mod:`.polling`); once a day the account's
meter list comes along (:mod:`.account_watch`). Between publications nothing is due, and an
update costs no request at all. What arrived goes into the statistics (:mod:`.energy_sync`) and
into the summaries the sensors read; the history import runs beside it (:mod:`.history_import`).
A stalled recorder delays the statistics, never the polling: the window is synced again at the
next update.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field, replace
from datetime import date, datetime

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator
from homeassistant.util import dt as dt_util

from .account_watch import AccountWatch
from .api import (
    AuthenticationError,
    Flow,
    ForbiddenError,
    Meter,
    WienerNetzeClient,
    WienerNetzeError,
)
from .api.vienna_time import ONE_DAY, days_between, local_day, years_before
from .bulk_read import BulkReader
from .connection import create_client
from .const import CONF_METERS, DOMAIN, MAX_HISTORY_YEARS
from .cost_sync import CostSync, PriceReport
from .day_ledger import DayLedger, newest_base_load
from .energy_sync import EnergySync, SyncReport
from .entry_options import EntryOptions
from .error_mapping import update_error
from .held_days import release
from .history_import import HistoryImport, MeterHistory
from .issues import delete_meter_issues, update_quarter_hour_issues
from .meter_store import MeterStore, read_by_quarter_hours
from .naming import meter_title
from .polling import Poller
from .saved_state import SavedStateStore, flow_key, parse_key
from .schedule import FetchLog, settled_before, window_start
from .statistics_writer import RecorderStalledError, StatisticsWriter
from .summary import MeterSummary, summarize
from .tariff import Tariff
from .unusual_watch import UnusualWatch
from .year_on_year import Comparison, YearOnYear

_LOGGER = logging.getLogger(__name__)

type WienerNetzeConfigEntry = ConfigEntry[WienerNetzeCoordinator]


@dataclass(frozen=True, slots=True)
class WienerNetzeData:
    """What the entities read: per selected meter its summary and its history import.

    With each meter's newest base load (day, W) and each meter and flow's month against the
    same days last year.
    """

    meters: dict[str, MeterSummary]
    history: dict[str, MeterHistory]
    base_load: dict[str, tuple[date, float]] = field(default_factory=dict)
    year_on_year: dict[tuple[str, Flow], Comparison] = field(default_factory=dict)


def year_targets(data: WienerNetzeData) -> dict[tuple[str, Flow], date]:
    """Each meter and flow's newest complete day: the comparison's last day."""
    return {
        (number, flow): found.latest_day
        for number, summary in data.meters.items()
        for flow, found in summary.flows.items()
        if found.latest_day is not None
    }


def quarter_hour_meters(data: WienerNetzeData) -> set[str]:
    """The meters whose summaries are made of quarter hours."""
    return {number for number, summary in data.meters.items() if summary.quarter_hours}


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
        reader = BulkReader(self.client, self.names)
        self.poller = Poller(
            self.client,
            reader,
            stores=self.stores,
            log=self.fetch_log,
            account=self.account,
            options=self.options,
            saved=self.saved,
        )
        writer = StatisticsWriter(hass)
        self.cost_sync = CostSync(hass, saved=self.saved, writer=writer, names=self.names)
        ledger = DayLedger(self.saved, writer, self.names, base_load=self.options.base_load)
        self.energy_sync = EnergySync(
            hass,
            entry.entry_id,
            saved=self.saved,
            writer=writer,
            cost_sync=self.cost_sync,
            ledger=ledger,
            names=self.names,
        )
        self.unusual = UnusualWatch(self.saved, self.names, self.options)
        self.year_on_year = YearOnYear(hass)
        # Last year's days incomplete when read are to be read again (the history moved); the
        # newest summary the ranges come from.
        self._year_missing_too = False
        self._year_data: WienerNetzeData | None = None
        self._year_task: asyncio.Task[None] | None = None
        self.history = HistoryImport(
            hass,
            entry,
            reader=reader,
            numbers=self.selected,
            saved=self.saved,
            energy_sync=self.energy_sync,
            options=self.options,
            stores=self.stores,
            on_progress=self._history_moved,
        )
        # The window's statistics are still to be written (the recorder stalled).
        self._sync_due = False
        # Meters the last update that named them could not read.
        self._unread: set[str] = set()

    @property
    def quarter_hour_meters(self) -> set[str]:
        """Meters read by quarter hour: enabled in the portal, or quarter hours seen."""
        enabled = {n for n, meter in self.meters.items() if meter.granularity == "QUARTER_HOUR"}
        return read_by_quarter_hours(self.stores, enabled)

    async def _async_setup(self) -> None:
        """Read the saved state and the account's meter list once, before the first update."""
        state = await self.saved.async_load()
        if dropped := state.meters() - set(self.selected):  # taken out of the selection
            state.forget_meters(dropped)
            delete_meter_issues(self.hass, dropped)
        today = local_day(dt_util.utcnow())
        state.prune(years_before(today, MAX_HISTORY_YEARS))
        if self.options.base_load and not state.base_load_read:
            # The days read before had no base load: those of meters read by quarter hours are
            # read once more, from their first day with quarter hours (none before it has one).
            for number, first in state.quarter_hours_from.items():
                if flow_key(number, Flow.CONSUMPTION) in state.data_from:
                    state.unsettle_from(number, date.fromisoformat(first))
            state.base_load_read = True
        elif not self.options.base_load:
            state.base_load_read = False
        first_priced = self.cost_sync.note_tariff(dt_util.utcnow(), self.tariff, self.selected)
        state.price_pending = sorted(set(state.price_pending) | set(first_priced))
        await self.saved.async_save()
        try:
            await self._read_account(today)
        except WienerNetzeError as err:
            raise update_error(err) from err
        if state.price_pending or state.money_pending:
            # Money the first tariff or an interrupted sync left to price, in the background;
            # until it is done it stays pending (a restart or reload starts it again).
            self.config_entry.async_create_background_task(
                self.hass,
                self.cost_sync.async_price_what_waits(self.selected),
                f"{DOMAIN} pending prices",
            )

    async def _read_account(self, today: date) -> None:
        """The account's meter list: master data, names, new and unavailable meters."""
        state = self.saved.state
        found = await self.account.async_read(
            self.client, today, state.known_meters or self.selected
        )
        self.meters = {**self.meters, **found}  # a meter not found keeps what was known of it
        if state.known_meters is None and self.account.listed:  # what the user chose from
            smart = {meter.number for meter in self.account.new.values()}
            state.known_meters = sorted(smart | set(self.selected))
            self.account.new = {}
        self.names.update(
            {
                number: meter_title(self.meters.get(number), number)
                for number in self.selected
                if number in self.meters or number not in self.names
            }
        )
        self.account.update_issues(self.names)

    async def _async_update_data(self) -> WienerNetzeData:
        now = dt_util.utcnow()
        today = local_day(now)
        first_update = self.data is None
        try:
            polled = await self.poller.async_poll(now, self.quarter_hour_meters)
            if polled.ran or self._sync_due:
                if first_update:
                    # Neither Home Assistant's start nor the set-up waits for the recorder to
                    # write weeks of hours: the recorder only writes once the start is over.
                    self.config_entry.async_create_background_task(
                        self.hass, self._sync_window(now), f"{DOMAIN} first statistics"
                    )
                else:
                    await self._sync_window(now)
            # Meters that answer again after an update could not read them: their days the
            # history import asked for meanwhile are asked for at once.
            read = polled.read - polled.unread
            if back := polled.resumed | (read & self._unread):
                self.history.ask_again(back)
            self._unread = (self._unread - read) | polled.unread
            asked = polled.ran or self.account.unavailable
            if polled.error is None and asked and self.account.list_due(today):
                await self._read_account_quietly(today)
        except (AuthenticationError, ForbiddenError) as err:
            raise update_error(err) from err
        if polled.ran:  # the history import's requests go with the update's, one token for all
            self.history.start(self.quarter_hour_meters, self.account.readable())
        if polled.error is not None and not polled.ran:
            raise update_error(polled.error)
        data = self._summarize(now)
        self._ask_year_on_year(data, missing_too=False)
        return data

    async def _read_account_quietly(self, today: date) -> None:
        """The meter list; when only it fails, the update still counts (tried again tomorrow)."""
        try:
            await self._read_account(today)
        except AuthenticationError, ForbiddenError:
            raise
        except WienerNetzeError as err:
            self.account.listed_on = today
            _LOGGER.debug("Reading the account's meter list failed: %s", err)

    async def _sync_window(self, now: datetime) -> None:
        """Bring the statistics of the window's days read for each meter in line with it."""
        today = local_day(now)
        correction_days = self.options.correction_days
        window = set(days_between(window_start(today, correction_days), today - ONE_DAY))
        quarter_hours = self.quarter_hour_meters
        readable = self.account.readable()
        try:
            await self.energy_sync.async_sync(
                {number: self.stores[number] for number in readable},
                {
                    number: self.fetch_log.read_days(number, number in quarter_hours) & window
                    for number in readable
                },
                quarter_hours,
                settled_before=settled_before(today, correction_days),
                today=today,
            )
        except RecorderStalledError:
            self._sync_due = True  # the writer said so in the log
            return
        self._sync_due = False
        await self.unusual.async_check(readable, today)
        if self.data is not None:  # new days: their base load and events
            self.data = replace(self.data, base_load=self._base_loads())
            self.async_update_listeners()

    def _ask_year_on_year(self, data: WienerNetzeData, *, missing_too: bool) -> None:
        """Read last year's days when their range moved (or, ``missing_too``, was incomplete).

        In the background: nothing waits for the recorder's reads. ``data`` is the newest
        summary (the update that made it may not have returned it yet).
        """
        self._year_data = data
        if not self.year_on_year.wanted(year_targets(data), missing_too=missing_too):
            return
        self._year_missing_too |= missing_too
        if self._year_task is None or self._year_task.done():
            self._year_task = self.config_entry.async_create_background_task(
                self.hass, self._read_last_year(), f"{DOMAIN} this year against last"
            )

    async def _read_last_year(self) -> None:
        """Read until nothing new is wanted, then show the comparisons."""
        while self._year_data is not None:
            targets, missing_too = year_targets(self._year_data), self._year_missing_too
            if not self.year_on_year.wanted(targets, missing_too=missing_too):
                break
            self._year_missing_too = False
            await self.year_on_year.async_read(targets, missing_too=missing_too)
        if self.data is not None:
            comparisons = self.year_on_year.compare(
                self.stores, quarter_hour_meters(self.data), year_targets(self.data)
            )
            self.data = replace(self.data, year_on_year=comparisons)
            self.async_update_listeners()

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
            first, last, numbers, self.quarter_hour_meters
        )
        self.year_on_year.forget()  # last year's days may be among them
        if self.data is not None:
            self.data = self._summarize(dt_util.utcnow())
            self._ask_year_on_year(self.data, missing_too=False)
            self.async_update_listeners()
        return report

    @property
    def tariff(self) -> Tariff | None:
        """The tariff in the options (None when nothing is priced)."""
        return Tariff.from_options(self.config_entry.options)

    async def async_recalculate_costs(
        self, first: date, last: date, tariff: Tariff, numbers: list[str]
    ) -> PriceReport:
        """Price ``first``..``last`` again with ``tariff``; what was priced and what changed."""
        report = await self.cost_sync.async_recalculate(numbers, first, last, tariff)
        self.cost_sync.update_issues(self.selected)
        await self.saved.async_save()
        return report

    def _history_moved(self) -> None:
        """The history import went on: let the sensors show how far."""
        if self.data is not None:
            self.data = replace(
                self.data, history=self.history.summary(), base_load=self._base_loads()
            )
            self._ask_year_on_year(self.data, missing_too=True)
        self.async_update_listeners()

    def _base_loads(self) -> dict[str, tuple[date, float]]:
        """Each meter's newest day with a base load, and the base load (W)."""
        if not self.options.base_load:
            return {}
        state = self.saved.state
        return {
            number: found
            for number in self.selected
            if (found := newest_base_load(state, number)) is not None
        }

    def _summarize(self, now: datetime) -> WienerNetzeData:
        today = local_day(now)
        first = window_start(today, self.options.correction_days)
        self.fetch_log.prune(first)
        quarter_hours = self.quarter_hour_meters
        for store in self.stores.values():
            store.prune(first)
        update_quarter_hour_issues(self.hass, self.meters, self.names, quarter_hours)
        data = WienerNetzeData(
            meters={
                number: summarize(store, first, today - ONE_DAY, number in quarter_hours)
                for number, store in self.stores.items()
            },
            history=self.history.summary(),
            base_load=self._base_loads(),
        )
        comparisons = self.year_on_year.compare(
            self.stores, quarter_hour_meters(data), year_targets(data)
        )
        return replace(data, year_on_year=comparisons)
