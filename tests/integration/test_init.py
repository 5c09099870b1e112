"""Set-up and unload: nothing keeps running, and devices follow the meter selection."""

from __future__ import annotations

from datetime import datetime

from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.wiener_netze import async_remove_config_entry_device
from custom_components.wiener_netze.const import CONF_METERS, DOMAIN
from simulator.account import HOUSEHOLD, PHOTOVOLTAIC
from simulator.app import Simulator
from simulator.profiles import VIENNA

from .helpers import entity_id
from .test_coordinator import tick_to


async def test_unload_stops_polling(
    hass: HomeAssistant,
    loaded: MockConfigEntry,
    sim_state: Simulator,
    freezer: FrozenDateTimeFactory,
) -> None:
    """After unloading, a due day causes no request and the entities are unavailable."""
    assert await hass.config_entries.async_unload(loaded.entry_id)
    await hass.async_block_till_done()
    assert loaded.state is ConfigEntryState.NOT_LOADED
    before = sim_state.counts["total"]
    await tick_to(hass, freezer, sim_state, datetime(2026, 11, 22, 6, 5, tzinfo=VIENNA))
    assert sim_state.counts["total"] == before
    found = entity_id(hass, HOUSEHOLD, "consumption_latest_day")
    assert found is not None
    current = hass.states.get(found)
    assert current is not None
    assert current.state == "unavailable"


async def test_deselected_meter_loses_device_on_reload(
    hass: HomeAssistant, loaded: MockConfigEntry
) -> None:
    """A meter taken out of the selection loses its device and entities."""
    hass.config_entries.async_update_entry(loaded, data={**loaded.data, CONF_METERS: [HOUSEHOLD]})
    assert await hass.config_entries.async_reload(loaded.entry_id)
    await hass.async_block_till_done()
    registry = dr.async_get(hass)
    assert registry.async_get_device_by_identifier((DOMAIN, PHOTOVOLTAIC), loaded.entry_id) is None
    assert entity_id(hass, PHOTOVOLTAIC, "feed_in_latest_day") is None


async def test_only_unselected_devices_can_be_deleted(
    hass: HomeAssistant, loaded: MockConfigEntry
) -> None:
    """The device of a selected meter cannot be deleted by hand; others can."""
    registry = dr.async_get(hass)
    device = registry.async_get_device_by_identifier((DOMAIN, HOUSEHOLD), loaded.entry_id)
    assert device is not None
    assert not await async_remove_config_entry_device(hass, loaded, device)
    stray = registry.async_get_or_create(
        config_entry_id=loaded.entry_id, identifiers={(DOMAIN, "AT00GONE")}
    )
    assert await async_remove_config_entry_device(hass, loaded, stray)
