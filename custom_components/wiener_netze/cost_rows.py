"""Cost and compensation rows from energy rows: each hour's energy times its price.

Consumption costs its energy times the price, plus the tariff's daily charge once per local
day, booked at the hour the day starts (23- and 25-hour days included); feed-in earns its
energy times the feed-in price. Every hour given gets a row, so money always follows the
energy it is given: an hour the tariff in effect does not price costs nothing, and an hour whose
price comes from an entity with no history for it costs nothing either and is listed as
*unpriced*, so it can be reported and priced again later.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from homeassistant.core import HomeAssistant

from .api import Flow
from .api.vienna_time import day_hours, day_start, local_day
from .price_history import async_hourly_prices
from .statistics_writer import HourRow
from .tariff import TariffTimeline, price_factor


@dataclass(slots=True)
class CostRows:
    """The money rows of some hours, and the hours whose price was unknown."""

    rows: list[HourRow] = field(default_factory=list)
    unpriced: set[datetime] = field(default_factory=set)


async def async_cost_rows(
    hass: HomeAssistant,
    timeline: TariffTimeline,
    flow: Flow,
    energy: list[HourRow],
    in_effect_since: Mapping[str, datetime] | None = None,
) -> CostRows:
    """The money of each hour of ``energy`` (hour rows in kWh), one row per hour given.

    The daily charge goes on the hour a local day starts, and only there: money rows of other
    hours never carry it. ``in_effect_since``: per price entity, since when its current value
    has been in effect.
    """
    result = CostRows()
    costs: dict[datetime, float] = {}
    by_entity: dict[str, list[HourRow]] = defaultdict(list)
    for row in energy:
        costs[row.start] = 0.0
        tariff = timeline.in_effect(row.start)
        if tariff is None or not tariff.prices(flow) or row.change == 0:
            continue  # not priced, or no energy: it costs nothing, whatever the price
        if (entity := tariff.entity(flow)) is not None:
            by_entity[entity].append(row)
        elif (price := tariff.fixed_price(flow)) is not None:
            costs[row.start] = row.change * price
    for entity, rows in by_entity.items():
        hours = sorted({hour for row in rows for hour in _hours_priced(row)})
        since = (in_effect_since or {}).get(entity)
        prices = await _async_entity_prices(hass, entity, hours, since)
        for row in rows:
            wanted = _hours_priced(row)
            known = [prices[hour] for hour in wanted if hour in prices]
            if len(known) < len(wanted):  # a day's mean needs every hour's price
                result.unpriced.add(row.start)
                continue
            # A day booked from its day value costs the day's mean price.
            costs[row.start] = row.change * sum(known) / len(known)
    for start in costs:
        tariff = timeline.in_effect(start)
        if tariff is not None and start == day_start(local_day(start)):
            costs[start] += tariff.charge(flow)
    result.rows = [HourRow(start, round(costs[start], 6), None) for start in sorted(costs)]
    return result


def _hours_priced(row: HourRow) -> tuple[datetime, ...]:
    """The hours whose price applies to a row: its own, or every hour of its day."""
    return day_hours(local_day(row.start)) if row.day_value else (row.start,)


async def _async_entity_prices(
    hass: HomeAssistant, entity_id: str, hours: list[datetime], since: datetime | None
) -> dict[datetime, float]:
    """Prices per kWh from the entity's history; none when its unit is not a price."""
    state = hass.states.get(entity_id)
    unit = state.attributes.get("unit_of_measurement") if state else None
    factor = price_factor(unit, hass.config.currency)
    if factor is None:
        return {}
    return await async_hourly_prices(hass, entity_id, hours, factor, since)
