"""The sensors: the account's usage, the zones' and the products'.

Account (option "usage sensors", on by default): the usage of the last hour, of today and of
the last 24 hours, with the seed's attributes. Per zone: its usage today (same option), online
products, and the raw fields whose meaning is not known (disabled, for reports); per product
(option): its temperature.
"""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from homeassistant.components.sensor import (
    SensorDeviceClass,
    SensorEntity,
    SensorEntityDescription,
    SensorStateClass,
)
from homeassistant.const import EntityCategory, UnitOfEnergy, UnitOfTemperature
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.device_registry import DeviceEntryType, DeviceInfo
from homeassistant.helpers.entity import Entity
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.helpers.update_coordinator import CoordinatorEntity
from homeassistant.util import dt as dt_util

from .api import Zone
from .const import DOMAIN, MANUFACTURER
from .coordinator import RadialightConfigEntry, RadialightCoordinator, account_device_id
from .entity import ProductEntity, ZoneEntity, add_as_they_come, product_entities
from .usage_series import UsageSeries

# The attribute ``unit_hint``: the unit of the values shown, and what one unit of the cloud's
# /usage values is taken to be (the option).
UNIT_HINTS = {
    "wh": "kWh (one cloud unit read as 1 Wh)",
    "10wh": "kWh (one cloud unit read as 10 Wh)",
    "kwh": "kWh (one cloud unit read as 1 kWh)",
}

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


@dataclass(frozen=True, kw_only=True)
class UsageSensorDescription(SensorEntityDescription):
    """A sum of a usage series' buckets, kWh."""

    value: Callable[[UsageSeries, datetime], float | None]


USAGE_SENSORS = (
    UsageSensorDescription(
        key="usage_last_hour", translation_key="usage_last_hour", value=UsageSeries.last_hour
    ),
    UsageSensorDescription(
        key="usage_today", translation_key="usage_today", value=UsageSeries.today
    ),
    UsageSensorDescription(key="usage_24h", translation_key="usage_24h", value=UsageSeries.rolling),
)
ZONE_USAGE = USAGE_SENSORS[1]


def _build(coordinator: RadialightCoordinator, zone: Zone) -> list[Entity]:
    entities: list[Entity] = [ZoneSensor(coordinator, zone.id, d) for d in ZONE_SENSORS]
    if coordinator.usage_sensors:
        entities.append(ZoneUsage(coordinator, zone.id))
    if product_entities(coordinator):
        entities += [ProductTemperature(coordinator, zone.id, p.id) for p in zone.products]
    return entities


async def async_setup_entry(
    hass: HomeAssistant,
    entry: RadialightConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """The account's usage, the zones' sensors, and the products' temperatures if asked for."""
    coordinator = entry.runtime_data
    if coordinator.usage_sensors:
        async_add_entities(AccountUsage(coordinator, d) for d in USAGE_SENSORS)
    else:
        _forget_usage_sensors(hass, entry)
    add_as_they_come(entry, async_add_entities, _build)


def _forget_usage_sensors(hass: HomeAssistant, entry: RadialightConfigEntry) -> None:
    """The options turned the usage sensors off: their registry entries go too."""
    registry = er.async_get(hass)
    keys = tuple(f"_{description.key}" for description in USAGE_SENSORS)
    for entity in er.async_entries_for_config_entry(registry, entry.entry_id):
        if entity.domain == "sensor" and entity.unique_id.endswith(keys):
            registry.async_remove(entity.entity_id)


class UsageEntity(SensorEntity):
    """A usage sum: kWh, available once its series has buckets (while /zones fails too)."""

    _attr_device_class = SensorDeviceClass.ENERGY
    _attr_native_unit_of_measurement = UnitOfEnergy.KILO_WATT_HOUR
    _attr_suggested_display_precision = 3
    # The series is in the attributes for a look at it now; the recorder keeps the state only.
    _unrecorded_attributes = frozenset(
        {"last_48_hours", "series_start", "series_end", "point_count", "unit_hint"}
    )
    coordinator: RadialightCoordinator
    entity_description: UsageSensorDescription

    @property
    @abstractmethod
    def series(self) -> UsageSeries | None:
        """The series summed."""

    @property
    def available(self) -> bool:
        """Whether any bucket was read."""
        series = self.series
        return series is not None and bool(series.points)

    @property
    def native_value(self) -> float | None:
        """The sum, kWh (0 when the buckets are 0)."""
        series = self.series
        if series is None:
            return None
        value = self.entity_description.value(series, dt_util.utcnow())
        return None if value is None else round(value, 6)

    @property
    def extra_state_attributes(self) -> dict[str, Any]:
        """The seed's attributes; ``stale`` while the last read of the series failed."""
        series = self.series
        hint = UNIT_HINTS.get(self.coordinator.usage.unit, self.coordinator.usage.unit)
        return (series or UsageSeries()).attributes(hint)


class AccountUsage(UsageEntity, CoordinatorEntity[RadialightCoordinator]):
    """A usage sum of the whole account."""

    _attr_has_entity_name = True

    def __init__(
        self, coordinator: RadialightCoordinator, description: UsageSensorDescription
    ) -> None:
        super().__init__(coordinator)
        self.entity_description = description
        entry = coordinator.config_entry
        account = entry.unique_id or entry.entry_id
        self._attr_unique_id = f"{account}_{description.key}"
        self._attr_device_info = DeviceInfo(
            identifiers={(DOMAIN, account_device_id(entry))},
            entry_type=DeviceEntryType.SERVICE,
            manufacturer=MANUFACTURER,
            name=entry.title,
        )

    @property
    def series(self) -> UsageSeries:
        """The account's series."""
        return self.coordinator.usage.account


class ZoneUsage(UsageEntity, ZoneEntity):
    """A zone's usage today."""

    def __init__(self, coordinator: RadialightCoordinator, zone_id: str) -> None:
        super().__init__(coordinator, zone_id, ZONE_USAGE.key)
        self.entity_description = ZONE_USAGE

    @property
    def series(self) -> UsageSeries | None:
        """The zone's series."""
        return self.coordinator.usage.zone(self.zone_id)

    @property
    def available(self) -> bool:
        """Whether the zone is still there and any of its buckets was read."""
        return self.zone_id in self.coordinator.data and super().available


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
