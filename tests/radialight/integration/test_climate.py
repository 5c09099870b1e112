"""The zone's climate entity: temperature, comfort setpoint, a change and a refused one."""

from __future__ import annotations

import pytest
from homeassistant.components.climate import (
    ATTR_CURRENT_TEMPERATURE,
    ATTR_HVAC_ACTION,
    ATTR_HVAC_MODE,
    ATTR_HVAC_MODES,
    ATTR_MAX_TEMP,
    ATTR_MIN_TEMP,
    SERVICE_SET_HVAC_MODE,
    SERVICE_SET_TEMPERATURE,
    HVACMode,
)
from homeassistant.components.climate import (
    DOMAIN as CLIMATE,
)
from homeassistant.const import ATTR_ENTITY_ID, ATTR_TEMPERATURE
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers import entity_registry as er
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.radialight_cloud.const import DOMAIN
from radialight_simulator.app import RadialightSimulator


def climate_of(hass: HomeAssistant, zone_id: str) -> str:
    """The entity id of a zone's climate entity."""
    entity_id = er.async_get(hass).async_get_entity_id(CLIMATE, DOMAIN, f"{zone_id}_climate")
    assert entity_id is not None
    return entity_id


async def test_each_zone_is_a_device_with_a_heating_only_climate_entity(
    hass: HomeAssistant, entry: MockConfigEntry, rl_state: RadialightSimulator
) -> None:
    """One device per zone (and the account's, a service, for its usage); the temperature is
    the mean of its online products', the target the comfort setpoint in °C; heating only, 7 to
    30 °C."""
    zones = rl_state.account.zones
    devices = dr.async_entries_for_config_entry(dr.async_get(hass), entry.entry_id)
    assert sorted(device.name for device in devices if device.entry_type is None) == sorted(
        zone.name for zone in zones
    )
    services = [device for device in devices if device.entry_type is dr.DeviceEntryType.SERVICE]
    assert [device.name for device in services] == [entry.title]
    for zone in zones:
        state = hass.states.get(climate_of(hass, zone.id))
        assert state is not None
        assert state.state == HVACMode.HEAT
        assert state.attributes[ATTR_HVAC_MODES] == [HVACMode.HEAT]
        assert state.attributes[ATTR_TEMPERATURE] == zone.t_comfort / 10
        assert state.attributes[ATTR_CURRENT_TEMPERATURE] == pytest.approx(
            round(zone.temperature * 10) / 10, abs=0.01
        )
        assert state.attributes[ATTR_MIN_TEMP] == 7
        assert state.attributes[ATTR_MAX_TEMP] == 30
        assert state.attributes[ATTR_HVAC_ACTION] in ("heating", "idle")


async def test_a_setpoint_change_sends_the_whole_configuration_and_shows_at_once(
    hass: HomeAssistant, entry: MockConfigEntry, rl_state: RadialightSimulator
) -> None:
    """21.5 °C: the cloud gets 215 tenths with the zone's other settings unchanged (eco
    setpoint included), and the entity shows it after the call."""
    zone = rl_state.account.zones[0]
    eco, mode = zone.t_eco, zone.mode
    entity_id = climate_of(hass, zone.id)
    await hass.services.async_call(
        CLIMATE,
        SERVICE_SET_TEMPERATURE,
        {ATTR_ENTITY_ID: entity_id, ATTR_TEMPERATURE: 21.5},
        blocking=True,
    )
    assert (zone.t_comfort, zone.t_eco, zone.mode) == (215, eco, mode)
    assert hass.states.get(entity_id).attributes[ATTR_TEMPERATURE] == 21.5


async def test_a_refused_setpoint_change_raises_and_keeps_the_old_value(
    hass: HomeAssistant, entry: MockConfigEntry, rl_state: RadialightSimulator
) -> None:
    """The cloud answers 503: a clear error, the old setpoint still shown and still set."""
    zone = rl_state.account.zones[0]
    before = zone.t_comfort
    entity_id = climate_of(hass, zone.id)
    rl_state.settings.server_errors_next = 1
    with pytest.raises(HomeAssistantError, match="failed"):
        await hass.services.async_call(
            CLIMATE,
            SERVICE_SET_TEMPERATURE,
            {ATTR_ENTITY_ID: entity_id, ATTR_TEMPERATURE: 25},
            blocking=True,
        )
    assert zone.t_comfort == before
    assert hass.states.get(entity_id).attributes[ATTR_TEMPERATURE] == before / 10


async def test_no_mode_but_heat(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    """Asking for another mode is refused: its call is not known."""
    zone_id = next(iter(entry.runtime_data.data))
    with pytest.raises(ServiceValidationError):
        await hass.services.async_call(
            CLIMATE,
            SERVICE_SET_HVAC_MODE,
            {ATTR_ENTITY_ID: climate_of(hass, zone_id), ATTR_HVAC_MODE: HVACMode.OFF},
            blocking=True,
        )
