"""One coordinator per config entry: decides when to call the API and keeps what it returned.

Each update asks :mod:`.schedule` what is due and sends at most one bulk request for all selected
meters (the first update sends each due type once, so the entities start complete). Between
publications nothing is due, and an update costs no request at all.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

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
    CONF_METERS,
    CONF_PLAUSIBILITY_LIMIT,
    CONF_UPDATE_INTERVAL,
    DEFAULT_PLAUSIBILITY_LIMIT,
    DEFAULT_UPDATE_INTERVAL,
    DOMAIN,
)
from .issues import update_quarter_hour_issues
from .naming import meter_title
from .schedule import ONE_DAY, Fetch, FetchLog, pick, plan, window_start
from .store import MeterStore, local_day
from .summary import MeterSummary, summarize

_LOGGER = logging.getLogger(__name__)

type WienerNetzeConfigEntry = ConfigEntry[WienerNetzeCoordinator]


@dataclass(frozen=True, slots=True)
class WienerNetzeData:
    """What the entities read: one summary per selected meter."""

    meters: dict[str, MeterSummary]


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
            for _ in ValueType:
                due = [
                    fetch
                    for fetch in plan(now, self.stores, self.quarter_hour_meters, self.fetch_log)
                    if fetch.value_type not in ran
                ]
                if not due:
                    break
                for fetch in due if first_update else [pick(due, self.fetch_log)]:
                    await self._fetch(fetch, now)
                    ran.add(fetch.value_type)
                if not first_update:
                    break
        except WienerNetzeError as err:
            raise self._translate(err) from err
        return self._summarize(now)

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
        self.fetch_log.record(fetch, now)

    def _summarize(self, now: datetime) -> WienerNetzeData:
        today = local_day(now)
        first = window_start(today)
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
