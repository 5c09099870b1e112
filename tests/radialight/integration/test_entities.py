"""The zones' and products' other entities, and zones and products added or removed in the app."""

from __future__ import annotations

import asyncio

import pytest
from homeassistant.components.number import ATTR_VALUE, SERVICE_SET_VALUE
from homeassistant.const import (
    ATTR_ENTITY_ID,
    SERVICE_TURN_OFF,
    STATE_OFF,
    STATE_ON,
    STATE_UNAVAILABLE,
)
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers import entity_registry as er
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.radialight_cloud.const import CONF_PRODUCT_ENTITIES, DOMAIN
from radialight_simulator.account import Account
from radialight_simulator.app import RadialightSimulator


def entity_of(hass: HomeAssistant, platform: str, unique_id: str) -> str:
    """The entity id of a unique id of this integration."""
    entity_id = er.async_get(hass).async_get_entity_id(platform, DOMAIN, unique_id)
    assert entity_id is not None, unique_id
    return entity_id


async def refresh(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    """One poll, as the interval would."""
    await entry.runtime_data.async_refresh()
    await hass.async_block_till_done()


async def with_products(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    """Turn on the entities per product (the option reloads the entry)."""
    hass.config_entries.async_update_entry(entry, options={CONF_PRODUCT_ENTITIES: True})
    assert await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done()


async def test_zone_facts_and_the_eco_setpoint(
    hass: HomeAssistant, entry: MockConfigEntry, rl_state: RadialightSimulator
) -> None:
    """Heating now, override active, online radiators, and the eco setpoint, which is sent with
    the rest of the configuration (the comfort setpoint unchanged)."""
    zone = rl_state.account.zones[0]
    heating = hass.states.get(entity_of(hass, "binary_sensor", f"{zone.id}_heating"))
    assert heating.state == (STATE_ON if any(p.warming for p in zone.products) else STATE_OFF)
    assert hass.states.get(entity_of(hass, "binary_sensor", f"{zone.id}_override")).state == (
        STATE_OFF
    )
    online = hass.states.get(entity_of(hass, "sensor", f"{zone.id}_online_products"))
    assert online.state == str(len(zone.products))
    eco = entity_of(hass, "number", f"{zone.id}_eco_setpoint")
    assert float(hass.states.get(eco).state) == zone.t_eco / 10
    comfort = zone.t_comfort
    await hass.services.async_call(
        "number", SERVICE_SET_VALUE, {ATTR_ENTITY_ID: eco, ATTR_VALUE: 16.5}, blocking=True
    )
    assert (zone.t_eco, zone.t_comfort) == (165, comfort)
    assert float(hass.states.get(eco).state) == 16.5


async def test_the_raw_fields_are_there_but_disabled(
    hass: HomeAssistant, entry: MockConfigEntry, rl_state: RadialightSimulator
) -> None:
    """mode, infoMode, window, pir, lock: diagnostic sensors, disabled until a user enables
    them to report what they mean."""
    zone = rl_state.account.zones[0]
    registry = er.async_get(hass)
    for name in ("mode", "info_mode", "window", "pir", "lock"):
        entry_of = registry.async_get(entity_of(hass, "sensor", f"{zone.id}_raw_{name}"))
        assert entry_of.disabled_by is er.RegistryEntryDisabler.INTEGRATION


async def test_products_have_their_entities_on_request(
    hass: HomeAssistant, entry: MockConfigEntry, rl_state: RadialightSimulator
) -> None:
    """Off by default; with the option, each radiator is a device (linked to its zone's) with
    its temperature, warming, offline and LED; while offline, all but the offline sensor are
    unavailable."""
    product = rl_state.account.zones[0].products[0]
    registry = er.async_get(hass)
    assert registry.async_get_entity_id("sensor", DOMAIN, f"{product.id}_temperature") is None
    await with_products(hass, entry)
    device = dr.async_get(hass).async_get_device_by_identifier(
        (DOMAIN, f"product_{product.id}"), entry.entry_id
    )
    assert device is not None
    assert (device.serial_number, device.model) == (product.serial, product.model)
    zone_device = dr.async_get(hass).async_get_device_by_identifier(
        (DOMAIN, f"zone_{rl_state.account.zones[0].id}"), entry.entry_id
    )
    assert zone_device is not None
    assert device.via_device_id == zone_device.id
    temperature = entity_of(hass, "sensor", f"{product.id}_temperature")
    offline = entity_of(hass, "binary_sensor", f"{product.id}_offline")
    led = entity_of(hass, "switch", f"{product.id}_led")
    assert hass.states.get(temperature).state != STATE_UNAVAILABLE
    assert hass.states.get(offline).state == STATE_OFF
    assert hass.states.get(led).state == STATE_ON

    await hass.services.async_call("switch", SERVICE_TURN_OFF, {ATTR_ENTITY_ID: led}, blocking=True)
    assert product.led_on is False
    assert hass.states.get(led).state == STATE_OFF

    rl_state.settings.server_errors_next = 1
    with pytest.raises(HomeAssistantError, match="failed"):
        await hass.services.async_call("switch", "turn_on", {ATTR_ENTITY_ID: led}, blocking=True)
    assert product.led_on is False

    rl_state.settings.offline_products = [product.id]
    await refresh(hass, entry)
    assert hass.states.get(offline).state == STATE_ON
    assert hass.states.get(temperature).state == STATE_UNAVAILABLE
    assert hass.states.get(led).state == STATE_UNAVAILABLE


async def test_zones_added_and_removed_in_the_app_follow_without_a_reload(
    hass: HomeAssistant, entry: MockConfigEntry, rl_state: RadialightSimulator
) -> None:
    """A new zone gets its device and entities at the next poll; a removed one loses them."""
    added = rl_state.account.add_zone("Studio", [("KLIMA", 1000)])
    await refresh(hass, entry)
    assert entity_of(hass, "climate", f"{added.id}_climate")
    devices = dr.async_get(hass)
    assert devices.async_get_device_by_identifier((DOMAIN, f"zone_{added.id}"), entry.entry_id)

    gone = rl_state.account.zones[0]
    rl_state.account.remove_zone(gone.id)
    await refresh(hass, entry)
    assert not devices.async_get_device_by_identifier((DOMAIN, f"zone_{gone.id}"), entry.entry_id)
    assert er.async_get(hass).async_get_entity_id("climate", DOMAIN, f"{gone.id}_climate") is None


async def test_a_poll_without_zones_removes_nothing(
    hass: HomeAssistant, entry: MockConfigEntry, rl_state: RadialightSimulator
) -> None:
    """One answer with no zone (a hiccup of the cloud) keeps every device; the zones show
    again with the next answer."""
    account = rl_state.account
    rl_state.account = Account("empty", rl_state.now())
    await refresh(hass, entry)
    zone = account.zones[0]
    devices = dr.async_get(hass)
    assert devices.async_get_device_by_identifier((DOMAIN, f"zone_{zone.id}"), entry.entry_id)
    rl_state.account = account
    await refresh(hass, entry)
    assert hass.states.get(entity_of(hass, "climate", f"{zone.id}_climate")).state == "heat"


async def test_a_radiator_moved_to_another_zone_stays_available(
    hass: HomeAssistant, entry: MockConfigEntry, rl_state: RadialightSimulator
) -> None:
    """A radiator moved in the app keeps its device and entities, now read in its new zone."""
    await with_products(hass, entry)
    first, second = rl_state.account.zones[0], rl_state.account.zones[1]
    moved = first.products.pop()
    second.products.append(moved)
    await refresh(hass, entry)
    temperature = hass.states.get(entity_of(hass, "sensor", f"{moved.id}_temperature"))
    assert temperature.state != STATE_UNAVAILABLE


async def test_comfort_and_eco_changed_together_both_stay(
    hass: HomeAssistant, entry: MockConfigEntry, rl_state: RadialightSimulator
) -> None:
    """A scene sets both setpoints at once: the second change starts from the first's
    configuration, so neither undoes the other."""
    zone = rl_state.account.zones[0]
    climate = entity_of(hass, "climate", f"{zone.id}_climate")
    eco = entity_of(hass, "number", f"{zone.id}_eco_setpoint")
    await asyncio.gather(
        hass.services.async_call(
            "climate",
            "set_temperature",
            {ATTR_ENTITY_ID: climate, "temperature": 22},
            blocking=True,
        ),
        hass.services.async_call(
            "number", SERVICE_SET_VALUE, {ATTR_ENTITY_ID: eco, ATTR_VALUE: 15}, blocking=True
        ),
    )
    assert (zone.t_comfort, zone.t_eco) == (220, 150)


async def test_a_refused_eco_change_keeps_the_old_value(
    hass: HomeAssistant, entry: MockConfigEntry, rl_state: RadialightSimulator
) -> None:
    """The cloud answers 503: an error naming the zone, the old eco setpoint still shown."""
    zone = rl_state.account.zones[0]
    eco = entity_of(hass, "number", f"{zone.id}_eco_setpoint")
    before = zone.t_eco
    rl_state.settings.server_errors_next = 1
    with pytest.raises(HomeAssistantError, match=zone.name):
        await hass.services.async_call(
            "number", SERVICE_SET_VALUE, {ATTR_ENTITY_ID: eco, ATTR_VALUE: 12}, blocking=True
        )
    assert zone.t_eco == before
    assert float(hass.states.get(eco).state) == before / 10


async def test_a_zone_renamed_in_the_app_renames_its_device(
    hass: HomeAssistant, entry: MockConfigEntry, rl_state: RadialightSimulator
) -> None:
    """The next poll gives the device the zone's new name; a name given in Home Assistant is
    kept apart and stays what the user sees."""
    registry = dr.async_get(hass)
    zone = rl_state.account.zones[0]
    zone.name = "Salotto"
    await refresh(hass, entry)
    device = registry.async_get_device_by_identifier((DOMAIN, f"zone_{zone.id}"), entry.entry_id)
    assert device is not None
    assert device.name == "Salotto"
    registry.async_update_device(device.id, name_by_user="Wohnzimmer")
    zone.name = "Soggiorno grande"
    await refresh(hass, entry)
    device = registry.async_get_device_by_identifier((DOMAIN, f"zone_{zone.id}"), entry.entry_id)
    assert device is not None
    assert (device.name, device.name_by_user) == ("Soggiorno grande", "Wohnzimmer")
