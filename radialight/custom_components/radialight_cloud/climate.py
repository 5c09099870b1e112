"""A climate entity per zone: its temperature, and its comfort setpoint to change.

Heating only: the cloud's calls for other modes and presets are not known, so none is offered
(the eco setpoint is a number entity of its own). A setpoint change sends the zone's whole
configuration as last read with only ``tComfort`` changed, shows the new value at once and reads
the zones again without waiting for the next poll; a change the cloud refuses raises and leaves
the old value shown.
"""

from __future__ import annotations

from typing import Any

from homeassistant.components.climate import ClimateEntity
from homeassistant.components.climate.const import ClimateEntityFeature, HVACAction, HVACMode
from homeassistant.const import ATTR_TEMPERATURE, PRECISION_TENTHS, UnitOfTemperature
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .api import tenths
from .const import DOMAIN, MAX_SETPOINT, MIN_SETPOINT
from .coordinator import RadialightConfigEntry, RadialightCoordinator
from .entity import ZoneEntity, add_as_they_come

# One change at a time: each sends the zone's whole configuration.
PARALLEL_UPDATES = 1


async def async_setup_entry(
    hass: HomeAssistant,
    entry: RadialightConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """A climate entity for each zone, and for each zone that appears later."""
    add_as_they_come(
        entry, async_add_entities, lambda coordinator, zone: [ZoneClimate(coordinator, zone.id)]
    )


NATIVE_TEMPERATURES = hasattr(ClimateEntity, "native_temperature_unit")


class ZoneClimate(ZoneEntity, ClimateEntity):
    """A zone's temperature and comfort setpoint."""

    _attr_name = None
    _attr_hvac_modes = [HVACMode.HEAT]  # noqa: RUF012 - Home Assistant's attribute
    _attr_hvac_mode = HVACMode.HEAT
    _attr_supported_features = ClimateEntityFeature.TARGET_TEMPERATURE
    _attr_precision = PRECISION_TENTHS
    _attr_target_temperature_step = 0.5
    _attr_min_temp = MIN_SETPOINT
    _attr_max_temp = MAX_SETPOINT

    def __init__(self, coordinator: RadialightCoordinator, zone_id: str) -> None:
        super().__init__(coordinator, zone_id, "climate")

    # Home Assistant 2026.11 renamed the temperatures to native_* (the old names are
    # deprecated there); 2026.10, the oldest release this supports, knows the old ones only.
    if NATIVE_TEMPERATURES:  # pragma: no cover - Home Assistant 2026.11 and later
        _attr_native_temperature_unit = UnitOfTemperature.CELSIUS

        @property
        def native_current_temperature(self) -> float | None:
            """The mean of the online products' temperatures."""
            return self.zone.current_temperature

        @property
        def native_target_temperature(self) -> float | None:
            """The comfort setpoint."""
            return tenths(self.zone.t_comfort)

    else:
        _attr_temperature_unit = UnitOfTemperature.CELSIUS

        @property
        def current_temperature(self) -> float | None:
            """The mean of the online products' temperatures."""
            return self.zone.current_temperature

        @property
        def target_temperature(self) -> float | None:
            """The comfort setpoint."""
            return tenths(self.zone.t_comfort)

    @property
    def hvac_action(self) -> HVACAction:
        """Heating while any online product warms."""
        return HVACAction.HEATING if self.zone.warming else HVACAction.IDLE

    async def async_set_hvac_mode(self, hvac_mode: HVACMode) -> None:
        """Heating is the only mode (the calls for others are not known)."""
        if hvac_mode is not HVACMode.HEAT:
            raise ServiceValidationError(translation_domain=DOMAIN, translation_key="heat_only")

    async def async_set_temperature(self, **kwargs: Any) -> None:
        """Send the new comfort setpoint (in tenths of a degree) with the zone's configuration."""
        temperature = float(kwargs[ATTR_TEMPERATURE])
        await self.coordinator.async_change_zone(self.zone_id, tComfort=round(temperature * 10))
