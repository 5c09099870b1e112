"""Each radiator's LED (option: entities per product)."""

from __future__ import annotations

from typing import Any

from homeassistant.components.switch import SwitchEntity
from homeassistant.const import EntityCategory
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity import Entity
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .api import Zone
from .coordinator import RadialightConfigEntry, RadialightCoordinator
from .entity import ProductEntity, add_as_they_come, product_entities

# One change at a time.
PARALLEL_UPDATES = 1


def _build(coordinator: RadialightCoordinator, zone: Zone) -> list[Entity]:
    if not product_entities(coordinator):
        return []
    return [ProductLight(coordinator, zone.id, product.id) for product in zone.products]


async def async_setup_entry(
    hass: HomeAssistant,
    entry: RadialightConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """A LED switch per product, if the options ask for product entities."""
    add_as_they_come(entry, async_add_entities, _build)


class ProductLight(ProductEntity, SwitchEntity):
    """A radiator's LED."""

    _attr_translation_key = "led"
    _attr_entity_category = EntityCategory.CONFIG

    def __init__(self, coordinator: RadialightCoordinator, zone_id: str, product_id: str) -> None:
        super().__init__(coordinator, zone_id, product_id, "led")

    @property
    def is_on(self) -> bool | None:
        """Whether the LED is on, as last read."""
        product = self.product
        return None if product is None else product.led_on

    async def async_turn_on(self, **kwargs: Any) -> None:
        """Switch the LED on."""
        await self._switch(True)

    async def async_turn_off(self, **kwargs: Any) -> None:
        """Switch the LED off."""
        await self._switch(False)

    async def _switch(self, on: bool) -> None:
        await self.coordinator.async_set_light(self.product_id, on)
