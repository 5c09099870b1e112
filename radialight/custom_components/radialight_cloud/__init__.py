"""Radialight Cloud: Radialight radiators, by zone, through Radialight's cloud."""

from __future__ import annotations

from homeassistant.const import Platform
from homeassistant.core import HomeAssistant

from .coordinator import RadialightConfigEntry, RadialightCoordinator
from .issues import delete_issues

PLATFORMS: list[Platform] = [
    Platform.BINARY_SENSOR,
    Platform.CLIMATE,
    Platform.NUMBER,
    Platform.SENSOR,
    Platform.SWITCH,
]


async def async_setup_entry(hass: HomeAssistant, entry: RadialightConfigEntry) -> bool:
    """Read the zones once, then let the coordinator poll."""
    coordinator = RadialightCoordinator(hass, entry)
    await coordinator.async_config_entry_first_refresh()
    entry.runtime_data = coordinator
    await hass.config_entries.async_forward_entry_setups(entry, PLATFORMS)
    return True


async def async_unload_entry(hass: HomeAssistant, entry: RadialightConfigEntry) -> bool:
    """Stop polling and remove the entities."""
    return await hass.config_entries.async_unload_platforms(entry, PLATFORMS)


async def async_remove_entry(hass: HomeAssistant, entry: RadialightConfigEntry) -> None:
    """The entry's repair issues go with it (its statistics stay)."""
    delete_issues(hass, entry.entry_id)
