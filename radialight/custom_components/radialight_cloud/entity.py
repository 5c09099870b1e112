"""The bases of the entities: a device per zone and per product, data from the coordinator."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import partial

from homeassistant.core import callback
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers.device_registry import DeviceInfo
from homeassistant.helpers.entity import Entity
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.helpers.update_coordinator import CoordinatorEntity

from .api import Product, Zone
from .const import DOMAIN, MANUFACTURER
from .coordinator import (
    RadialightConfigEntry,
    RadialightCoordinator,
    product_device_id,
    zone_device_id,
)


def product_entities(coordinator: RadialightCoordinator) -> bool:
    """Whether the options ask for entities per product."""
    return coordinator.product_entities


class ZoneEntity(CoordinatorEntity[RadialightCoordinator]):
    """An entity of one zone."""

    _attr_has_entity_name = True

    def __init__(self, coordinator: RadialightCoordinator, zone_id: str, key: str) -> None:
        super().__init__(coordinator)
        self.zone_id = zone_id
        self._attr_unique_id = f"{zone_id}_{key}"
        zone = self._last = coordinator.data[zone_id]
        self._attr_device_info = DeviceInfo(
            identifiers={(DOMAIN, zone_device_id(zone_id))},
            manufacturer=MANUFACTURER,
            model="Zone",
            name=zone.name or f"Zone {zone_id}",
        )

    @property
    def zone(self) -> Zone:
        """The zone as last read (a zone gone keeps its last state until its device goes)."""
        self._last = self.coordinator.data.get(self.zone_id, self._last)
        return self._last

    @property
    def available(self) -> bool:
        """Unavailable while updates fail, or once the zone is gone from the account."""
        return super().available and self.zone_id in self.coordinator.data


class ProductEntity(CoordinatorEntity[RadialightCoordinator]):
    """An entity of one product (radiator), a device of its own inside its zone's."""

    _attr_has_entity_name = True
    # The offline sensor stays available while the product is offline.
    available_offline = False

    def __init__(
        self, coordinator: RadialightCoordinator, zone_id: str, product_id: str, key: str
    ) -> None:
        super().__init__(coordinator)
        self.zone_id = zone_id
        self.product_id = product_id
        self._attr_unique_id = f"{product_id}_{key}"
        product = self.product
        assert product is not None  # noqa: S101 - created for products of the data
        self._attr_device_info = DeviceInfo(
            identifiers={(DOMAIN, product_device_id(product_id))},
            manufacturer=MANUFACTURER,
            model=product.model,
            serial_number=product.serial,
            name=product.name or product.serial or f"Radiator {product_id}",
        )
        # Linked to its zone's device (the coordinator registers it before any entity).
        zone_device = dr.async_get(coordinator.hass).async_get_device_by_identifier(
            (DOMAIN, zone_device_id(zone_id)), coordinator.config_entry.entry_id
        )
        if zone_device is not None:
            self._attr_device_info["via_device_id"] = zone_device.id

    @property
    def product(self) -> Product | None:
        """The product as last read, in whichever zone it is now (None once it is gone)."""
        return self.coordinator.product(self.product_id)

    @property
    def available(self) -> bool:
        """Unavailable while updates fail, once gone, and while the product is offline.

        The offline sensor alone stays available while the product is offline.
        """
        product = self.product
        if not super().available or product is None:
            return False
        return self.available_offline or not product.offline


def add_as_they_come(
    entry: RadialightConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
    build: Callable[[RadialightCoordinator, Zone], Iterable[Entity]],
) -> None:
    """Add the entities ``build`` makes for each zone.

    Now, and for zones and products added in the app later (no reload).
    """
    coordinator = entry.runtime_data
    known: set[str | None] = set()

    @callback
    def add_new() -> None:
        new = [
            entity
            for zone in coordinator.data.values()
            for entity in build(coordinator, zone)
            if entity.unique_id not in known
        ]
        for entity in new:
            known.add(entity.unique_id)
            # Removed with its device: added again if its zone or product comes back.
            entity.async_on_remove(partial(known.discard, entity.unique_id))
        if new:
            async_add_entities(new)

    add_new()
    entry.async_on_unload(coordinator.async_add_listener(add_new))
