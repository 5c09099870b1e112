"""The base-load statistic of a meter: one row per local day, its mean the day's base load.

``wiener_netze:<meter>_base_load`` in W, an arithmetic mean and no sum, so a statistics-graph
card shows how the base load moved over the years (its weekly and monthly means are the means
of the days). A row is written per day with a base load (:mod:`.base_load`), at the hour the
local day starts; days without one have no row.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from homeassistant.components.recorder.models import StatisticData

from .api.vienna_time import day_start
from .statistic_ids import base_load_metadata
from .statistics_writer import StatisticsWriter


async def async_write_base_load(
    writer: StatisticsWriter, number: str, meter: str, days: Mapping[date, float]
) -> None:
    """Write the base load (W) of ``days`` of one meter, replacing what a day had."""
    rows = [StatisticData(start=day_start(day), mean=days[day]) for day in sorted(days)]
    await writer.async_put(base_load_metadata(number, meter), rows)
