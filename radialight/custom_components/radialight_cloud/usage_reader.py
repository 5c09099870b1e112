"""Reading ``/usage`` for the account and each zone, in the background, when it is due.

The coordinator starts a read after its poll of the zones when :mod:`.usage_schedule` says one
is due; nothing waits for it (neither the set-up nor the poll), and unloading the entry cancels
it. Each series (the account, each zone) fails alone: its last buckets stay, marked stale, and
the failure is logged once until that series answers again. Then the answered buckets go to the
statistics, and hours no answer can bring any more are named in a repair issue.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant
from homeassistant.util import dt as dt_util

from .api import AuthenticationError, RadialightClient, RadialightError, Usage, Zone
from .const import CONF_USAGE_UNIT, DEFAULT_USAGE_UNIT, USAGE_UNITS
from .issues import report_lost_usage
from .usage_schedule import UsageSchedule
from .usage_series import UsageSeries
from .usage_statistics import LostHours, Series, UsageStatistics, account_series, zone_series

_LOGGER = logging.getLogger(__name__)

ACCOUNT = "account"  # the key of the account's series; zones are keyed by their ids


class UsageReader:
    """The account's and the zones' usage series, and the reads that keep them current."""

    def __init__(self, hass: HomeAssistant, entry: ConfigEntry, client: RadialightClient) -> None:
        self.hass = hass
        self.entry = entry
        self.client = client
        self.unit = entry.options.get(CONF_USAGE_UNIT, DEFAULT_USAGE_UNIT)
        self.kwh_per_unit = USAGE_UNITS.get(self.unit, USAGE_UNITS[DEFAULT_USAGE_UNIT])
        self.series: dict[str, UsageSeries] = {ACCOUNT: UsageSeries()}
        self.schedule = UsageSchedule()
        self.statistics = UsageStatistics(hass)
        self.dropped = 0  # buckets of the last answers that could not be read
        self._task: asyncio.Task[None] | None = None

    @property
    def account(self) -> UsageSeries:
        """The account's series."""
        return self.series[ACCOUNT]

    def zone(self, zone_id: str) -> UsageSeries | None:
        """A zone's series, once read."""
        return self.series.get(zone_id)

    def start_if_due(self, zones: Mapping[str, Zone], on_change: Callable[[], None]) -> None:
        """Start a read of the account and ``zones`` when one is due and none is running."""
        if self._task is not None and not self._task.done():
            return
        if not self.schedule.due(dt_util.utcnow()):
            return
        self._task = self.entry.async_create_background_task(
            self.hass, self.async_read(dict(zones), on_change), "radialight_cloud usage read"
        )

    async def async_read(self, zones: Mapping[str, Zone], on_change: Callable[[], None]) -> None:
        """Read every series once, show what came, then write its statistics."""
        for gone in [key for key in self.series if key != ACCOUNT and key not in zones]:
            del self.series[gone]
        account = self.entry.unique_id or self.entry.entry_id
        targets: list[tuple[str, Series]] = [(ACCOUNT, account_series(account))]
        targets += [(z.id, zone_series(account, z.id, z.name)) for z in zones.values()]
        answered: list[tuple[Series, Usage]] = []
        dropped = 0
        for key, series in targets:
            usage = await self._read_one(key, series.name)
            if usage is None:
                continue
            dropped += usage.dropped
            self.series.setdefault(key, UsageSeries()).merge(usage, self.kwh_per_unit)
            answered.append((series, usage))
        now = dt_util.utcnow()
        if answered:
            newest = [usage.points[-1].start for _, usage in answered if usage.points]
            self.schedule.answered(max(newest, default=None), now)
        else:
            self.schedule.failed(now)
        if dropped and dropped != self.dropped:
            _LOGGER.warning("%d hourly usage values could not be read and are left out", dropped)
        self.dropped = dropped
        on_change()
        await self._write(answered)

    async def _read_one(self, key: str, name: str) -> Usage | None:
        """One series' answer; None when it failed (its old buckets are then stale)."""
        series = self.series.get(key)
        try:
            usage = await self.client.async_get_usage(None if key == ACCOUNT else key)
        except AuthenticationError:
            self.entry.async_start_reauth(self.hass)
            usage = None
        except RadialightError as err:
            if series is None or not series.stale:
                _LOGGER.warning("%s: usage could not be read (%s); the last values stay", name, err)
            usage = None
        if usage is None:
            if series is not None:
                series.stale = True
            else:
                self.series[key] = UsageSeries(stale=True)
            return None
        if series is not None and series.stale:
            _LOGGER.info("%s: usage is read again", name)
        return usage

    async def _write(self, answered: list[tuple[Series, Usage]]) -> None:
        """Statistics for each answer; lost hours named, one issue per range."""
        lost: dict[LostHours, list[str]] = {}
        for series, usage in answered:
            found = await self.statistics.async_import(series, usage.points, self.kwh_per_unit)
            if found is not None:
                lost.setdefault(found, []).append(series.name)
        for hours, names in lost.items():
            _LOGGER.warning(
                "Usage of %d hours from %s on can no longer be read (%s): the cloud shows only "
                "the last hours, and they were not read in time",
                hours.hours,
                hours.first.isoformat(),
                ", ".join(names),
            )
            report_lost_usage(self.hass, self.entry.entry_id, hours, names)
