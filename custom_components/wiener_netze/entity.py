"""The base of every entity: one device per meter, data from the coordinator."""

from __future__ import annotations

from homeassistant.helpers.device_registry import DeviceInfo
from homeassistant.helpers.update_coordinator import CoordinatorEntity

from .const import DOMAIN, MANUFACTURER, PORTAL_URL
from .coordinator import WienerNetzeCoordinator
from .naming import meter_model
from .summary import MeterSummary


class WienerNetzeEntity(CoordinatorEntity[WienerNetzeCoordinator]):
    """An entity of one meter."""

    _attr_has_entity_name = True

    def __init__(self, coordinator: WienerNetzeCoordinator, number: str, key: str) -> None:
        super().__init__(coordinator)
        self.number = number
        meter = coordinator.meters.get(number)
        self._attr_unique_id = f"{number}_{key}"
        self._attr_device_info = DeviceInfo(
            identifiers={(DOMAIN, number)},
            manufacturer=MANUFACTURER,
            model=meter_model(meter),
            serial_number=meter.device.device_number if meter and meter.device else None,
            name=coordinator.names.get(number, number),
            configuration_url=PORTAL_URL,
        )

    @property
    def available(self) -> bool:
        """Unavailable while updates fail, or while this meter is gone or locked alone."""
        return super().available and self.number not in self.coordinator.account.unavailable

    @property
    def summary(self) -> MeterSummary:
        """The meter's current summary."""
        return self.coordinator.data.meters[self.number]
