"""The Energy dashboard's statistics: each ``/usage`` bucket, once per hour, in kWh.

Each answer's buckets are compared with what the recorder holds for their hours (read once the
writes queued before are committed, so a reload right after a write reads it). From the
first hour that differs (a bucket that grew, or one not written yet) every later hour is written
again, its running sum re-based on the hour before: a bucket that grew changes its hour and
no hour counts twice, whatever the overlap of successive answers. Hours the answer lacks but the
recorder holds keep their recorded change. When the oldest bucket of an answer starts more
than an hour after the newest recorded one, the hours between can no longer be read (the cloud
shows the last 24): they are returned as lost, never filled in. Recorded hours after the
answer's oldest that it lacks keep their change and are re-based with the rest.

``state`` is the series' running total, like a meter that started at 0 with the series.
"""

from __future__ import annotations

import asyncio
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


class RecorderLateError(Exception):
    """The recorder did not answer in time: nothing was written, the answer is read again."""


class UsageStatistics:
    """Writes the buckets of each answer, judged against what the recorder holds."""

    def __init__(self, hass: HomeAssistant) -> None:
        self.hass = hass

    async def async_ready(self) -> None:
        """Wait until every write queued before is committed; raise if that takes too long."""
        try:
            async with asyncio.timeout(RECORDER_WAIT):
                await get_instance(self.hass).async_block_till_done()
        except TimeoutError as err:
            raise RecorderLateError from err

    async def async_import(
        self, series: Series, points: tuple[UsagePoint, ...], kwh_per_unit: float
    ) -> LostHours | None:
        """Write what changed among ``points``; return the hours lost before them, if any.

        Call :meth:`async_ready` first. Raises :class:`RecorderLateError` when the recorder
        does not answer in time, ``ValueError`` when the answer cannot be placed (see
        :func:`plan`).
        """
        if not points:
            return None
        try:
            async with asyncio.timeout(RECORDER_WAIT):
                found = await get_instance(self.hass).async_add_executor_job(
                    get_last_statistics, self.hass, ROWS_READ, series.statistic_id, False, {"sum"}
                )
        except TimeoutError as err:
            raise RecorderLateError from err
        recorded = {
            dt_util.utc_from_timestamp(row["start"]): float(row.get("sum") or 0.0)
            for row in found.get(series.statistic_id, [])
        }
        values = {point.start: point.usage * kwh_per_unit for point in points}
        rows, lost = plan(recorded, values, complete=len(recorded) < ROWS_READ)
        if rows:
            async_add_external_statistics(self.hass, metadata(series), rows)
        return lost


def plan(
    recorded: dict[datetime, float], values: dict[datetime, float], *, complete: bool = True
) -> tuple[list[StatisticData], LostHours | None]:
    """The rows to write for an answer's ``values`` (kWh by hour), and the hours lost before it.

    ``recorded``: the sums of the newest rows by start; ``complete``: whether they are all the
    series has. Rows after the answer's oldest hour that it lacks keep their change and are
    re-based too. An answer older than every row read, when more rows exist, has no base to
    start from: ``ValueError``, nothing is written.
    """
    oldest = min(values)
    before = [start for start in recorded if start < oldest]
    base_start = max(before) if before else None
    if base_start is None and recorded and not complete:
        raise ValueError(f"the answer starts at {oldest.isoformat()}, before the rows read")
    lost = None
    if base_start is not None and base_start + HOUR < oldest:
        lost = LostHours(base_start + HOUR, oldest - HOUR)
    # Recorded hours the answer lacks keep their change, those after its newest hour too.
    hours = dict(values)
    previous = base_start
    for start in sorted(s for s in recorded if s >= oldest):
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
