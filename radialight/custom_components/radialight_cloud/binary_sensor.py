"""Per zone: heating now, override active; per product (option): warming, offline."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from homeassistant.components.binary_sensor import (
    BinarySensorEntity,
    BinarySensorEntityDescription,
)
from homeassistant.components.binary_sensor.const import BinarySensorDeviceClass
from homeassistant.const import EntityCategory
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity import Entity
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .api import Product, Zone
from .coordinator import RadialightConfigEntry, RadialightCoordinator
from .entity import ProductEntity, ZoneEntity, add_as_they_come, product_entities

PARALLEL_UPDATES = 0


@dataclass(frozen=True, kw_only=True)
class ZoneBinaryDescription(BinarySensorEntityDescription):
    """A yes/no fact of a zone."""

    is_on: Callable[[Zone], bool]


@dataclass(frozen=True, kw_only=True)
class ProductBinaryDescription(BinarySensorEntityDescription):
    """A yes/no fact of a product."""

    is_on: Callable[[Product], bool | None]
    available_offline: bool = False


ZONE_SENSORS = (
    ZoneBinaryDescription(
        key="heating",
        translation_key="heating",
        device_class=BinarySensorDeviceClass.RUNNING,
        is_on=lambda zone: zone.warming,
    ),
    ZoneBinaryDescription(
        key="override",
        translation_key="override",
        is_on=lambda zone: zone.override_active,
    ),
)
PRODUCT_SENSORS = (
    ProductBinaryDescription(
        key="warming",
        translation_key="warming",
        device_class=BinarySensorDeviceClass.RUNNING,
        is_on=lambda product: product.warming,
    ),
    ProductBinaryDescription(
        key="offline",
        translation_key="offline",
        device_class=BinarySensorDeviceClass.PROBLEM,
        entity_category=EntityCategory.DIAGNOSTIC,
        is_on=lambda product: product.offline,
        available_offline=True,
    ),
)


def _build(coordinator: RadialightCoordinator, zone: Zone) -> list[Entity]:
    entities: list[Entity] = [ZoneBinary(coordinator, zone.id, d) for d in ZONE_SENSORS]
    if product_entities(coordinator):
        entities += [
            ProductBinary(coordinator, zone.id, product.id, description)
            for product in zone.products
            for description in PRODUCT_SENSORS
        ]
    return entities


async def async_setup_entry(
    hass: HomeAssistant,
    entry: RadialightConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """The zones' binary sensors, and the products' if the options ask for them."""
    add_as_they_come(entry, async_add_entities, _build)


class ZoneBinary(ZoneEntity, BinarySensorEntity):
    """A yes/no fact of a zone."""

    entity_description: ZoneBinaryDescription

    def __init__(
        self, coordinator: RadialightCoordinator, zone_id: str, description: ZoneBinaryDescription
    ) -> None:
        super().__init__(coordinator, zone_id, description.key)
        self.entity_description = description

    @property
    def is_on(self) -> bool:
        """The fact, as last read."""
        return self.entity_description.is_on(self.zone)


class ProductBinary(ProductEntity, BinarySensorEntity):
    """A yes/no fact of a product."""

    entity_description: ProductBinaryDescription

    def __init__(
        self,
        coordinator: RadialightCoordinator,
        zone_id: str,
        product_id: str,
        description: ProductBinaryDescription,
    ) -> None:
        super().__init__(coordinator, zone_id, product_id, description.key)
        self.entity_description = description
        self.available_offline = description.available_offline

    @property
    def is_on(self) -> bool | None:
        """The fact, as last read (None: the cloud did not say)."""
        product = self.product
        return None if product is None else self.entity_description.is_on(product)
