"""The eco setpoint of each zone, as a number entity (the climate entity holds the comfort one)."""

from __future__ import annotations

from homeassistant.components.number import NumberDeviceClass, NumberEntity, NumberMode
from homeassistant.const import UnitOfTemperature
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .api import tenths
from .const import MAX_SETPOINT, MIN_SETPOINT
from .coordinator import RadialightConfigEntry, RadialightCoordinator
from .entity import ZoneEntity, add_as_they_come

# One change at a time: each sends the zone's whole configuration.
PARALLEL_UPDATES = 1


async def async_setup_entry(
    hass: HomeAssistant,
    entry: RadialightConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """An eco setpoint for each zone."""
    add_as_they_come(
        entry, async_add_entities, lambda coordinator, zone: [EcoSetpoint(coordinator, zone.id)]
    )


class EcoSetpoint(ZoneEntity, NumberEntity):
    """A zone's eco setpoint: sent like the comfort one, with the rest of the configuration."""

    _attr_translation_key = "eco_setpoint"
    _attr_device_class = NumberDeviceClass.TEMPERATURE
    _attr_native_unit_of_measurement = UnitOfTemperature.CELSIUS
    _attr_native_min_value = MIN_SETPOINT
    _attr_native_max_value = MAX_SETPOINT
    _attr_native_step = 0.5
    _attr_mode = NumberMode.BOX

    def __init__(self, coordinator: RadialightCoordinator, zone_id: str) -> None:
        super().__init__(coordinator, zone_id, "eco_setpoint")

    @property
    def native_value(self) -> float | None:
        """The eco setpoint, °C."""
        return tenths(self.zone.t_eco)

    async def async_set_native_value(self, value: float) -> None:
        """Send the new eco setpoint, in tenths of a degree."""
        await self.coordinator.async_change_zone(self.zone_id, tECO=round(value * 10))
