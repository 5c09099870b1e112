"""Reading ``/usage`` for the account and each zone, in the background, when it is due.

The coordinator starts a read after its poll of the zones when :mod:`.usage_schedule` says one
is due; nothing waits for it (neither the set-up nor the poll), and unloading the entry cancels
it. Each series (the account, each zone) fails alone: its last buckets stay, marked stale; an
outage is logged once when it starts and once when it ends. Then the answered buckets go to the
statistics, and hours no answer can bring any more are named in a repair issue.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.util import dt as dt_util

from .api import AuthenticationError, RadialightClient, RadialightError, Usage, Zone
from .const import CONF_USAGE_UNIT, DEFAULT_USAGE_UNIT, USAGE_UNITS
from .issues import report_lost_usage
from .usage_schedule import UsageSchedule
from .usage_series import UsageSeries
from .usage_statistics import (
    LostHours,
    RecorderLateError,
    Series,
    UsageStatistics,
    account_series,
    zone_series,
)

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
        self._failing: set[str] = set()  # series whose last read failed (logged once)
        self._recorder_late = False

    @property
    def account(self) -> UsageSeries:
        """The account's series."""
        return self.series[ACCOUNT]

    def zone(self, zone_id: str) -> UsageSeries | None:
        """A zone's series, once read."""
        return self.series.get(zone_id)

    def start_if_due(
        self, zones: Mapping[str, Zone], on_change: Callable[[], None], *, complete: bool = True
    ) -> None:
        """Start a read of the account and ``zones`` when one is due and none is running.

        ``complete``: whether ``zones`` are all the account's (an answer with entries that could
        not be read is not: the series of zones missing from it are kept).
        """
        if self._task is not None and not self._task.done():
            return
        if not self.schedule.due(dt_util.utcnow()):
            return
        self._task = self.entry.async_create_background_task(
            self.hass,
            self.async_read(dict(zones), on_change, complete=complete),
            "radialight_cloud usage read",
        )

    async def async_read(
        self, zones: Mapping[str, Zone], on_change: Callable[[], None], *, complete: bool = True
    ) -> None:
        """Read every series once, show what came, then write its statistics."""
        if complete:
            for gone in [key for key in self.series if key != ACCOUNT and key not in zones]:
                del self.series[gone]
        account = self.entry.unique_id or self.entry.entry_id
        targets: list[tuple[str, Series]] = [(ACCOUNT, account_series(account))]
        targets += [(z.id, zone_series(account, z.id, z.name)) for z in zones.values()]
        answered: list[tuple[Series, Usage]] = []
        failed: dict[str, str] = {}
        for key, series in targets:
            try:
                usage = await self.client.async_get_usage(None if key == ACCOUNT else key)
            except AuthenticationError:
                self.entry.async_start_reauth(self.hass)
                failed |= {k: "credentials refused" for k, _ in targets if k not in failed}
                answered.clear()
                break
            except RadialightError as err:
                failed[key] = str(err)
                continue
            self.series.setdefault(key, UsageSeries()).merge(usage, self.kwh_per_unit)
            answered.append((series, usage))
        self._note_failures(failed, {key: series.name for key, series in targets})
        now = dt_util.utcnow()
        if answered:
            newest = [usage.points[-1].start for _, usage in answered if usage.points]
            self.schedule.answered(max(newest, default=None), now)
        else:
            self.schedule.failed(now)
        dropped = sum(usage.dropped for _, usage in answered)
        if dropped and dropped != self.dropped:
            _LOGGER.warning("%d hourly usage values could not be read and are left out", dropped)
        self.dropped = dropped
        on_change()
        await self._write(answered)

    def _note_failures(self, failed: dict[str, str], names: dict[str, str]) -> None:
        """Mark the series that failed stale; log once when an outage starts and when it ends."""
        for key in failed:
            self.series.setdefault(key, UsageSeries()).stale = True
        if failed and not self._failing:
            _LOGGER.warning(
                "Usage could not be read (%s); the last values stay",
                "; ".join(f"{names[key]}: {error}" for key, error in failed.items()),
            )
        elif self._failing and not failed:
            _LOGGER.info("Usage is read again")
        self._failing = set(failed)

    async def _write(self, answered: list[tuple[Series, Usage]]) -> None:
        """Statistics for each answer; lost hours named, one issue per range.

        A recorder too slow to answer leaves the answers to a read soon after (said once); an
        answer that cannot be placed costs that series, not the others.
        """
        if not answered:
            return
        try:
            await self.statistics.async_ready()
            lost: dict[LostHours, list[str]] = {}
            for series, usage in answered:
                try:
                    found = await self.statistics.async_import(
                        series, usage.points, self.kwh_per_unit
                    )
                except (ValueError, HomeAssistantError) as err:
                    _LOGGER.warning("%s: usage statistics not written: %s", series.name, err)
                    continue
                if found is not None:
                    lost.setdefault(found, []).append(series.name)
        except RecorderLateError:
            if not self._recorder_late:
                _LOGGER.warning(
                    "The recorder did not answer in time; Radialight usage statistics are "
                    "written with a read a few minutes from now"
                )
            self._recorder_late = True
            self.schedule.failed(dt_util.utcnow())
            return
        self._recorder_late = False
        for hours, names in lost.items():
            _LOGGER.warning(
                "Usage of %d hours from %s on can no longer be read (%s): the cloud shows only "
                "the last hours, and they were not read in time",
                hours.hours,
                hours.first.isoformat(),
                ", ".join(names),
            )
            report_lost_usage(self.hass, self.entry.entry_id, hours, names)
