"""Every metering-point shape, three years back, against the simulator's truth.

The default account has a flat that switched quarter hours on in March 2024, a house whose PV
was added in August 2024, a PV plant on a feed-in metering point of its own, and a meter with
day values only; the flat also reports double-tariff registers here. Each statistic must hold
every hour from the first day Wiener Netze has (quarter hours as hours, day values at the local
midnight), its sum running on without a step, and the register as its state at every day end.
"""

from __future__ import annotations

from datetime import date

import pytest
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er

from custom_components.wiener_netze.api import Flow
from custom_components.wiener_netze.const import DOMAIN
from custom_components.wiener_netze.statistic_ids import statistic_id
from simulator.account import DAILY, FEED_IN_ONLY, HOUSEHOLD, PHOTOVOLTAIC, PV_FROM
from simulator.app import Simulator
from simulator.profiles import VIENNA
from simulator.server import RunningSimulator

from .conftest import make_entry
from .statistics_support import (
    assert_equal_hours,
    assert_states_are_registers,
    published_hours,
    stored,
    stored_rows,
)

# The gateway keeps 1095 days: at NOW the oldest day it still has is 2023-11-22.
OLDEST, LAST = date(2023, 11, 22), date(2026, 11, 20)
SHAPES = [HOUSEHOLD, PHOTOVOLTAIC, FEED_IN_ONLY, DAILY]


@pytest.fixture(autouse=True)
def _validated(sim_state: Simulator) -> None:
    """Validated values only, and the flat with double-tariff registers."""
    sim_state.settings.estimate_share = 0.0
    sim_state.settings.tariff_meters = [HOUSEHOLD]


@pytest.mark.databases
async def test_three_years_of_every_shape(
    hass: HomeAssistant, simulator: RunningSimulator, sim_state: Simulator
) -> None:
    """Quarter hours from the opt-in and day values before it, feed-in from the day the PV
    came, a feed-in-only point without consumption, a day-values meter; each equal to the
    truth with the register as state, and only the sensors of the flows a meter has."""
    entry = make_entry(simulator, SHAPES, history_years=3)
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)

    checked = 0
    for number, flow in (
        (HOUSEHOLD, Flow.CONSUMPTION),
        (PHOTOVOLTAIC, Flow.CONSUMPTION),
        (PHOTOVOLTAIC, Flow.FEED_IN),
        (FEED_IN_ONLY, Flow.FEED_IN),
        (DAILY, Flow.CONSUMPTION),
    ):
        feed_in = flow is Flow.FEED_IN
        rows = await stored(hass, number, flow)
        assert_equal_hours(rows, published_hours(sim_state, number, OLDEST, LAST, feed_in))
        checked += assert_states_are_registers(sim_state, number, rows, feed_in)
    assert checked > 5 * 1000
    assert min(await stored(hass, PHOTOVOLTAIC, Flow.FEED_IN)).astimezone(VIENNA).date() == PV_FROM
    assert await stored_rows(hass, statistic_id(FEED_IN_ONLY, Flow.CONSUMPTION)) == {}

    registry = er.async_get(hass)
    keys = {
        entity.unique_id.removeprefix(f"{number}_")
        for number in (FEED_IN_ONLY,)
        for entity in er.async_entries_for_config_entry(registry, entry.entry_id)
        if entity.unique_id.startswith(number)
    }
    assert "feed_in_meter_reading" in keys
    assert not any(key.startswith("consumption_") for key in keys)
    tariff_registers = {
        entity.unique_id
        for entity in er.async_entries_for_config_entry(registry, entry.entry_id)
        if "_register_" in entity.unique_id
    }
    assert tariff_registers == {f"{HOUSEHOLD}_register_1.8.1", f"{HOUSEHOLD}_register_1.8.2"}
    history = entry.runtime_data.history.summary()
    assert {number: history[number].progress for number in SHAPES} == dict.fromkeys(SHAPES, 100)
    assert history[FEED_IN_ONLY].data_from == OLDEST.isoformat()
    assert entry.domain == DOMAIN
