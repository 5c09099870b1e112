"""The zones' and products' sensors.

Per zone: online products, and the raw fields whose meaning is not known (disabled, for
reports); per product (option): its temperature.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from homeassistant.components.sensor import (
    SensorDeviceClass,
    SensorEntity,
    SensorEntityDescription,
    SensorStateClass,
)
from homeassistant.const import EntityCategory, UnitOfTemperature
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity import Entity
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .api import Zone
from .coordinator import RadialightConfigEntry, RadialightCoordinator
from .entity import ProductEntity, ZoneEntity, add_as_they_come, product_entities

PARALLEL_UPDATES = 0


@dataclass(frozen=True, kw_only=True)
class ZoneSensorDescription(SensorEntityDescription):
    """A value of a zone."""

    value: Callable[[Zone], int | None]


def _raw(name: str) -> Callable[[Zone], int | None]:
    """A zone's field as the cloud sent it."""

    def value(zone: Zone) -> int | None:
        found: int | None = getattr(zone, name)
        return found

    return value


# The zone's fields as the cloud sends them: what their numbers mean is not documented.
RAW_FIELDS = ("mode", "info_mode", "window", "pir", "lock")

ZONE_SENSORS = (
    ZoneSensorDescription(
        key="online_products",
        translation_key="online_products",
        state_class=SensorStateClass.MEASUREMENT,
        value=lambda zone: len(zone.online),
    ),
    *(
        ZoneSensorDescription(
            key=f"raw_{name}",
            translation_key=f"raw_{name}",
            entity_category=EntityCategory.DIAGNOSTIC,
            entity_registry_enabled_default=False,
            value=_raw(name),
        )
        for name in RAW_FIELDS
    ),
)


def _build(coordinator: RadialightCoordinator, zone: Zone) -> list[Entity]:
    entities: list[Entity] = [ZoneSensor(coordinator, zone.id, d) for d in ZONE_SENSORS]
    if product_entities(coordinator):
        entities += [ProductTemperature(coordinator, zone.id, p.id) for p in zone.products]
    return entities


async def async_setup_entry(
    hass: HomeAssistant,
    entry: RadialightConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """The zones' sensors, and the products' temperatures if the options ask for them."""
    add_as_they_come(entry, async_add_entities, _build)


class ZoneSensor(ZoneEntity, SensorEntity):
    """A value of a zone."""

    entity_description: ZoneSensorDescription

    def __init__(
        self, coordinator: RadialightCoordinator, zone_id: str, description: ZoneSensorDescription
    ) -> None:
        super().__init__(coordinator, zone_id, description.key)
        self.entity_description = description

    @property
    def native_value(self) -> int | None:
        """The value, as last read."""
        return self.entity_description.value(self.zone)


class ProductTemperature(ProductEntity, SensorEntity):
    """The temperature a radiator measures."""

    _attr_translation_key = "temperature"
    _attr_device_class = SensorDeviceClass.TEMPERATURE
    _attr_state_class = SensorStateClass.MEASUREMENT
    _attr_native_unit_of_measurement = UnitOfTemperature.CELSIUS

    def __init__(self, coordinator: RadialightCoordinator, zone_id: str, product_id: str) -> None:
        super().__init__(coordinator, zone_id, product_id, "temperature")

    @property
    def native_value(self) -> float | None:
        """°C, as last read."""
        product = self.product
        return None if product is None else product.temperature
