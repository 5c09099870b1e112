"""The tariff options, tariff timelines, price units, time-weighted prices and hour ranges."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from homeassistant.core import HomeAssistant, State
from homeassistant.data_entry_flow import FlowResultType
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.wiener_netze.api import Flow
from custom_components.wiener_netze.const import CONF_TARIFF
from custom_components.wiener_netze.price_history import time_weighted
from custom_components.wiener_netze.saved_state import from_ranges, to_ranges
from custom_components.wiener_netze.tariff import Tariff, TariffPeriod, TariffTimeline, price_factor

T0 = datetime(2026, 1, 1, tzinfo=UTC)
HOUR = timedelta(hours=1)
CHEAP, DEAR = Tariff(energy_price=0.2), Tariff(energy_price=0.3, daily_charge=0.4)


async def configure_tariff(
    hass: HomeAssistant, entry: MockConfigEntry, tariff: dict[str, object]
) -> dict[str, object]:
    """Submit the options form with ``tariff`` and the other options unchanged."""
    result = await hass.config_entries.options.async_init(entry.entry_id)
    assert result["type"] is FlowResultType.FORM
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {**entry.options, CONF_TARIFF: tariff}
    )
    await hass.async_block_till_done()
    return dict(result)


async def test_options_tariff_checks(hass: HomeAssistant, loaded: MockConfigEntry) -> None:
    """A price and an entity for the same flow clash; an entity must show a price per energy."""
    hass.states.async_set("sensor.spot", "12.5", {"unit_of_measurement": "ct/kWh"})
    hass.states.async_set("sensor.energy", "3", {"unit_of_measurement": "kWh"})
    both = await configure_tariff(
        hass, loaded, {"energy_price": 0.2, "price_entity": "sensor.spot"}
    )
    assert both["errors"] == {"base": "price_and_entity"}
    wrong = await configure_tariff(hass, loaded, {"feed_in_price_entity": "sensor.energy"})
    assert wrong["errors"] == {"base": "price_entity_unit"}
    gone = await configure_tariff(hass, loaded, {"price_entity": "sensor.missing"})
    assert gone["errors"] == {"base": "price_entity_unit"}

    done = await configure_tariff(
        hass, loaded, {"price_entity": "sensor.spot", "daily_charge": 0.45, "feed_in_price": 0.07}
    )
    assert done["type"] is FlowResultType.CREATE_ENTRY
    assert loaded.runtime_data.tariff == Tariff(
        price_entity="sensor.spot", daily_charge=0.45, feed_in_price=0.07
    )
    timeline = loaded.runtime_data.cost_sync.timeline(loaded.data["meters"][0])
    assert timeline.periods == [TariffPeriod(None, loaded.runtime_data.tariff)]


def test_tariff_from_options() -> None:
    """Empty fields price nothing; each flow is priced by a number or an entity."""
    assert Tariff.from_options({}) is None
    assert Tariff.from_options({CONF_TARIFF: {"energy_price": None}}) is None
    charge_only = Tariff.from_options({CONF_TARIFF: {"daily_charge": 0.5}})
    assert charge_only is not None
    assert not charge_only.prices(Flow.CONSUMPTION)
    assert charge_only.charge(Flow.CONSUMPTION) == 0.5
    assert charge_only.charge(Flow.FEED_IN) == 0.0
    feed_in = Tariff(feed_in_price_entity="sensor.feed")
    assert feed_in.prices(Flow.FEED_IN)
    assert not feed_in.prices(Flow.CONSUMPTION)
    assert feed_in.entity(Flow.FEED_IN) == "sensor.feed"
    assert feed_in.fixed_price(Flow.FEED_IN) is None


def test_timeline_changes_and_overrides() -> None:
    """The first tariff covers the past; later ones apply from their moment; an override
    prices a range and gives back what was in effect after it."""
    timeline = TariffTimeline()
    assert not timeline
    assert not timeline.change(T0, None)  # nothing entered yet: nothing to record
    assert timeline.change(T0, CHEAP)
    assert not timeline.change(T0 + HOUR, CHEAP)  # saved again unchanged
    assert timeline.in_effect(T0 - 1000 * HOUR) == CHEAP
    assert timeline.change(T0 + 10 * HOUR, DEAR)
    assert timeline.in_effect(T0 + 9 * HOUR) == CHEAP
    assert timeline.in_effect(T0 + 10 * HOUR) == DEAR
    assert timeline.current == DEAR

    timeline.override(T0 + 5 * HOUR, T0 + 20 * HOUR, CHEAP)
    assert [period.since for period in timeline.periods] == [None, T0 + 20 * HOUR]
    assert timeline.in_effect(T0 + 15 * HOUR) == CHEAP
    assert timeline.in_effect(T0 + 20 * HOUR) == DEAR

    assert timeline.change(T0 + 30 * HOUR, None)  # the tariff was removed
    assert timeline.in_effect(T0 + 31 * HOUR) is None
    assert bool(timeline)
    again = TariffTimeline.from_list(timeline.as_list())
    assert again.periods == timeline.periods

    late = TariffTimeline()
    late.override(T0, T0 + HOUR, DEAR)  # no tariff before: none after the range either
    assert late.in_effect(T0 - HOUR) is None
    assert late.in_effect(T0) == DEAR
    assert late.in_effect(T0 + HOUR) is None


@pytest.mark.parametrize(
    ("unit", "factor"),
    [
        ("EUR/kWh", 1.0),
        ("EUR/MWh", 0.001),
        ("EUR/Wh", 1000.0),
        ("ct/kWh", 0.01),
        ("Cent / kWh", 0.01),
        ("€/kWh", 1.0),
        ("€ / MWh", 0.001),
        ("USD/kWh", None),
        ("kWh", None),
        ("EUR/m³", None),
        (None, None),
    ],
)
def test_price_factor(unit: str | None, factor: float | None) -> None:
    """Prices in the instance's currency or its cent, per Wh, kWh or MWh."""
    assert price_factor(unit, "EUR") == factor


def state(value: str, at: datetime) -> State:
    """A recorded state of the price entity."""
    return State("sensor.spot", value, last_changed=at, last_updated=at)


def test_time_weighted_prices() -> None:
    """Each hour's price is the mean of its numeric states, weighted by how long each held."""
    states = [
        state("10", T0 - 3 * HOUR),
        state("20", T0 + HOUR / 2),
        state("unavailable", T0 + HOUR),
        state("30", T0 + HOUR + HOUR / 4),
        state("nan", T0 + 2 * HOUR),
    ]
    prices = time_weighted(states, [T0 - 4 * HOUR, T0, T0 + HOUR, T0 + 2 * HOUR, T0 + 3 * HOUR])
    assert prices == {T0: 15.0, T0 + HOUR: 30.0}  # before the first state and after "nan": none


def test_hour_ranges_round_trip() -> None:
    """Unpriced hours are kept as ranges: consecutive hours merge, others stay apart."""
    hours = {T0, T0 + HOUR, T0 + 2 * HOUR, T0 + 5 * HOUR}
    ranges = to_ranges(hours)
    assert ranges == [
        [T0.isoformat(), (T0 + 3 * HOUR).isoformat()],
        [(T0 + 5 * HOUR).isoformat(), (T0 + 6 * HOUR).isoformat()],
    ]
    assert from_ranges(ranges) == hours
