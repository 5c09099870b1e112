"""The Energy dashboard's statistics: each ``/usage`` bucket, once per hour, in kWh.

Each answer's buckets are compared with what the recorder holds for their hours (read once the
writes queued before are committed, so a reload right after a write reads it). From the
first hour that differs (a bucket that grew, or one not written yet) every later hour is written
again, its running sum re-based on the hour before: a bucket that grew changes its hour and
no hour counts twice, whatever the overlap of successive answers. Hours the answer lacks but the
recorder holds keep their recorded change. When the oldest bucket of an answer starts more
than an hour after the newest recorded one, the hours between can no longer be read (the cloud
shows the last 24): they are returned as lost, never filled in.

``state`` is the series' running total, like a meter that started at 0 with the series.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from homeassistant.components.recorder.models import (
    StatisticData,
    StatisticMeanType,
    StatisticMetaData,
)
from homeassistant.components.recorder.statistics import (
    async_add_external_statistics,
    get_last_statistics,
)
from homeassistant.const import UnitOfEnergy
from homeassistant.core import HomeAssistant
from homeassistant.helpers.recorder import get_instance
from homeassistant.util import dt as dt_util
from homeassistant.util.unit_conversion import EnergyConverter

from .api import UsagePoint
from .const import DOMAIN

_LOGGER = logging.getLogger(__name__)

HOUR = timedelta(hours=1)
# Rows read back: more than an answer's hours, so the row before its oldest is among them.
ROWS_READ = 60
# How long a read of the recorder may take before this import is left to the next answer.
RECORDER_WAIT = 60.0
# Sums within this of each other are the same (kWh).
EPSILON = 1e-6


@dataclass(frozen=True, slots=True)
class Series:
    """One statistic: its id and the name the Energy dashboard shows."""

    statistic_id: str
    name: str


@dataclass(frozen=True, slots=True)
class LostHours:
    """Hours no answer can bring any more: ``first`` to ``last``, both included."""

    first: datetime
    last: datetime

    @property
    def hours(self) -> int:
        """How many hours."""
        return int((self.last - self.first) / HOUR) + 1


def _object_id(text: str) -> str:
    """``text`` as part of a statistic id: lower case letters, digits, single underscores."""
    cleaned = "".join(c if c.isascii() and c.isalnum() else "_" for c in text.lower())
    return "_".join(part for part in cleaned.split("_") if part)


def account_series(account: str) -> Series:
    """The account's usage (``account``: the entry's unique id, the account's user id)."""
    return Series(f"{DOMAIN}:{_object_id(account)}_energy", "Radialight energy")


def zone_series(account: str, zone_id: str, zone_name: str | None) -> Series:
    """One zone's usage."""
    return Series(
        f"{DOMAIN}:{_object_id(account)}_zone_{_object_id(zone_id)}_energy",
        f"Radialight {zone_name or zone_id} energy",
    )


def metadata(series: Series) -> StatisticMetaData:
    """Hourly energy in kWh with a running sum, no mean."""
    return StatisticMetaData(
        mean_type=StatisticMeanType.NONE,
        has_sum=True,
        name=series.name,
        source=DOMAIN,
        statistic_id=series.statistic_id,
        unit_class=EnergyConverter.UNIT_CLASS,
        unit_of_measurement=UnitOfEnergy.KILO_WATT_HOUR,
    )


class UsageStatistics:
    """Writes the buckets of each answer, judged against what the recorder holds."""

    def __init__(self, hass: HomeAssistant) -> None:
        self.hass = hass
        self._recorder_late = False

    async def async_import(
        self, series: Series, points: tuple[UsagePoint, ...], kwh_per_unit: float
    ) -> LostHours | None:
        """Write what changed among ``points``; return the hours lost before them, if any.

        A recorder that does not answer in time leaves this answer to the next one (said once).
        """
        if not points:
            return None
        try:
            async with asyncio.timeout(RECORDER_WAIT):
                recorded = await self._recorded(series.statistic_id)
        except TimeoutError:
            if not self._recorder_late:
                _LOGGER.warning(
                    "The recorder did not answer within %.0f s; Radialight usage statistics "
                    "are written with the next answer",
                    RECORDER_WAIT,
                )
            self._recorder_late = True
            return None
        self._recorder_late = False
        values = {point.start: point.usage * kwh_per_unit for point in points}
        rows, lost = plan(recorded, values)
        if rows:
            async_add_external_statistics(self.hass, metadata(series), rows)
        return lost

    async def _recorded(self, statistic_id: str) -> dict[datetime, float]:
        """The last rows' sums by start, once every write queued before is committed."""
        recorder = get_instance(self.hass)
        await recorder.async_block_till_done()
        found = await recorder.async_add_executor_job(
            get_last_statistics, self.hass, ROWS_READ, statistic_id, False, {"sum"}
        )
        return {
            dt_util.utc_from_timestamp(row["start"]): float(row.get("sum") or 0.0)
            for row in found.get(statistic_id, [])
        }


def plan(
    recorded: dict[datetime, float], values: dict[datetime, float]
) -> tuple[list[StatisticData], LostHours | None]:
    """The rows to write for an answer's ``values`` (kWh by hour), and the hours lost before it."""
    oldest = min(values)
    before = [start for start in recorded if start < oldest]
    base_start = max(before) if before else None
    lost = None
    if base_start is not None and base_start + HOUR < oldest:
        lost = LostHours(base_start + HOUR, oldest - HOUR)
    # Hours of the answer's span that the recorder holds and the answer lacks keep their change.
    hours = dict(values)
    previous = base_start
    for start in sorted(s for s in recorded if oldest <= s <= max(values)):
        if start not in hours:
            hours[start] = recorded[start] - (0.0 if previous is None else recorded[previous])
        previous = start
    total = recorded[base_start] if base_start is not None else 0.0
    rows: list[StatisticData] = []
    for start in sorted(hours):
        total += hours[start]
        if not rows and abs(recorded.get(start, float("nan")) - total) < EPSILON:
            continue  # the same as recorded, and so is every hour before it
        rows.append(StatisticData(start=start, state=total, sum=total))
    return rows, lost
