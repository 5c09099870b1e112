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
        self._unwritten: set[str] = set()  # statistics whose last write failed (logged once)

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
        """Mark the series that failed stale; log when a series' outage starts and ends."""
        for key in failed:
            self.series.setdefault(key, UsageSeries()).stale = True
        started = {key: error for key, error in failed.items() if key not in self._failing}
        if started:
            _LOGGER.warning(
                "Usage could not be read (%s); the last values stay",
                "; ".join(f"{names.get(key, key)}: {error}" for key, error in started.items()),
            )
        ended = [names.get(key, key) for key in self._failing if key not in failed]
        if ended:
            _LOGGER.info("Usage is read again (%s)", ", ".join(ended))
        self._failing = set(failed)

    async def _write(self, answered: list[tuple[Series, Usage]]) -> None:
        """Statistics for each answer; lost hours named, one issue per range.

        A recorder too slow to answer leaves the answers to a read soon after, with growing
        pauses (said once); an answer that cannot be written costs that series, not the others
        (said once per series until it is written again).
        """
        if not answered:
            return
        lost: dict[LostHours, list[str]] = {}
        try:
            await self.statistics.async_ready()
            for series, usage in answered:
                found = await self._write_one(series, usage)
                if found is not None:
                    lost.setdefault(found, []).append(series.name)
        except RecorderLateError:
            if not self.schedule.late:
                _LOGGER.warning(
                    "The recorder did not answer in time; Radialight usage statistics are "
                    "written with a later read"
                )
            self.schedule.recorder_late(dt_util.utcnow())
        else:
            self.schedule.late = 0
        for hours, names in lost.items():
            _LOGGER.warning(
                "Usage of %d hours from %s on can no longer be read (%s): the cloud shows only "
                "the last hours, and they were not read in time",
                hours.hours,
                hours.first.isoformat(),
                ", ".join(names),
            )
            report_lost_usage(self.hass, self.entry.entry_id, hours, names)

    async def _write_one(self, series: Series, usage: Usage) -> LostHours | None:
        """One series' statistics; any failure but the recorder's lateness costs it alone."""
        try:
            found = await self.statistics.async_import(series, usage.points, self.kwh_per_unit)
        except RecorderLateError:
            raise
        except Exception as err:  # a database error must not stop the others
            if series.statistic_id not in self._unwritten:
                _LOGGER.warning("%s: usage statistics not written: %s", series.name, err)
            self._unwritten.add(series.statistic_id)
            return None
        self._unwritten.discard(series.statistic_id)
        return found
