"""Wiener Netze Smart Meter: readings of the official WN Smart Meter API in Home Assistant."""

from __future__ import annotations

from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers import config_validation as cv
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers.typing import ConfigType

from .const import CONF_METERS, DOMAIN
from .coordinator import WienerNetzeConfigEntry, WienerNetzeCoordinator
from .issues import delete_issues
from .saved_state import SavedStateStore
from .services import async_setup_services

PLATFORMS: list[Platform] = [Platform.EVENT, Platform.SENSOR]
CONFIG_SCHEMA = cv.config_entry_only_config_schema(DOMAIN)


async def async_setup(hass: HomeAssistant, config: ConfigType) -> bool:
    """Register the actions, which work on any loaded entry."""
    async_setup_services(hass)
    return True


async def async_setup_entry(hass: HomeAssistant, entry: WienerNetzeConfigEntry) -> bool:
    """Read the meters once, then let the coordinator poll."""
    coordinator = WienerNetzeCoordinator(hass, entry)
    await coordinator.async_config_entry_first_refresh()
    entry.runtime_data = coordinator
    remove_unselected_devices(hass, entry)
    await hass.config_entries.async_forward_entry_setups(entry, PLATFORMS)
    return True


async def async_unload_entry(hass: HomeAssistant, entry: WienerNetzeConfigEntry) -> bool:
    """Stop polling and remove the entities (the coordinator stops with the entry)."""
    return await hass.config_entries.async_unload_platforms(entry, PLATFORMS)


async def async_remove_entry(hass: HomeAssistant, entry: WienerNetzeConfigEntry) -> None:
    """Remove the entry's repair issues and saved state with it (statistics stay)."""
    delete_issues(hass, entry.entry_id, entry.data[CONF_METERS])
    await SavedStateStore(hass, entry.entry_id).async_remove()


async def async_remove_config_entry_device(
    hass: HomeAssistant, entry: WienerNetzeConfigEntry, device: dr.DeviceEntry
) -> bool:
    """Whether a meter's device may be deleted by hand.

    Once the meter is no longer selected; or while it is gone from the account or locked, and
    then it leaves the selection (its statistics stay).
    """
    numbers = {number for domain, number in device.identifiers if domain == DOMAIN}
    selected = [number for number in entry.data[CONF_METERS] if number in numbers]
    if not selected:
        return True
    loaded = entry.state is ConfigEntryState.LOADED
    unavailable = entry.runtime_data.account.unavailable if loaded else {}
    if any(number not in unavailable for number in selected):
        return False
    remaining = [number for number in entry.data[CONF_METERS] if number not in numbers]
    if not remaining:
        return False  # the entry's last meter: remove the entry instead
    hass.config_entries.async_update_entry(entry, data={**entry.data, CONF_METERS: remaining})
    hass.config_entries.async_schedule_reload(entry.entry_id)
    return True


def remove_unselected_devices(hass: HomeAssistant, entry: WienerNetzeConfigEntry) -> None:
    """Devices (and so entities) of meters taken out of the selection go away."""
    registry = dr.async_get(hass)
    selected = set(entry.data[CONF_METERS])
    for device in dr.async_entries_for_config_entry(registry, entry.entry_id):
        numbers = {number for domain, number in device.identifiers if domain == DOMAIN}
        if numbers and not numbers & selected:
            registry.async_update_device(device.id, remove_config_entry_id=entry.entry_id)
