"""Cost and compensation rows from energy rows: each hour's energy times its price.

Consumption costs its energy times the price, plus the tariff's daily charge once per local
day, booked at the hour the day starts (23- and 25-hour days included); feed-in earns its
energy times the feed-in price. An hour whose price comes from an entity with no history for
it is not priced: its energy cost is left out and the hour is remembered as unpriced, so it
can be reported.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime

from homeassistant.core import HomeAssistant

from .api import Flow
from .api.vienna_time import HOUR, ONE_DAY, local_day, local_midnight
from .price_history import async_hourly_prices
from .statistics_writer import HourRow
from .tariff import TariffTimeline, price_factor


@dataclass(slots=True)
class CostRows:
    """The cost rows of some hours, and which hours had a price and which had none."""

    rows: list[HourRow] = field(default_factory=list)
    priced: set[datetime] = field(default_factory=set)
    unpriced: set[datetime] = field(default_factory=set)


async def async_cost_rows(
    hass: HomeAssistant,
    timeline: TariffTimeline,
    flow: Flow,
    energy: list[HourRow],
    in_effect_since: Mapping[str, datetime] | None = None,
) -> CostRows:
    """Price ``energy`` (hour rows in kWh) with the tariff in effect at each hour.

    ``in_effect_since``: per price entity, since when its current value has been in effect.
    """
    result = CostRows()
    costs: dict[datetime, float] = {}
    by_entity: dict[str, list[HourRow]] = defaultdict(list)
    for row in energy:
        tariff = timeline.in_effect(row.start)
        if tariff is None or not tariff.prices(flow):
            continue
        if row.change == 0:  # no energy costs nothing, whether the price is known or not
            costs[row.start] = 0.0
            result.priced.add(row.start)
            continue
        price = tariff.fixed_price(flow)
        entity = tariff.entity(flow)
        if entity is not None:
            by_entity[entity].append(row)
        elif price is not None:
            costs[row.start] = row.change * price
            result.priced.add(row.start)
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
            result.priced.add(row.start)
    for day in {local_day(row.start) for row in energy}:
        midnight = local_midnight(day).astimezone(UTC)
        tariff = timeline.in_effect(midnight)
        if tariff is not None and (charge := tariff.charge(flow)) > 0:
            costs[midnight] = costs.get(midnight, 0.0) + charge
    result.rows = [HourRow(start, round(costs[start], 6), None) for start in sorted(costs)]
    return result


def _hours_priced(row: HourRow) -> list[datetime]:
    """The hours whose price applies to a row: its own, or every hour of its day."""
    if not row.day_value:
        return [row.start]
    day = local_day(row.start)
    start = local_midnight(day).astimezone(UTC)
    end = local_midnight(day + ONE_DAY).astimezone(UTC)
    return [start + index * HOUR for index in range(int((end - start) / HOUR))]


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
