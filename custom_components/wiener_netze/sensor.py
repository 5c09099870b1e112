"""Sensors per meter: readings, energy of the newest periods, base load, this year against last.

None of these has a state class: their values arrive a day late, and a sensor with one would
offer the Energy dashboard a source that books yesterday's energy at the hour it was fetched.
The Energy dashboard reads the imported statistics instead.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from homeassistant.components.sensor import (
    SensorDeviceClass,
    SensorEntity,
    SensorEntityDescription,
)
from homeassistant.const import PERCENTAGE, EntityCategory, UnitOfEnergy, UnitOfPower
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.helpers.typing import StateType

from .api import Flow
from .const import CONF_OPTIONAL_SENSORS, DEFAULT_OPTIONAL_SENSORS, OptionalSensor
from .coordinator import WienerNetzeConfigEntry, WienerNetzeCoordinator
from .entity import WienerNetzeEntity
from .summary import DAY_LENGTH, FlowSummary, MeterSummary
from .year_on_year import Comparison

PARALLEL_UPDATES = 0
# The attribute of the latest-quarter-hour sensor with the newest published 48 hours.
RECENT = "recent"

type Value = StateType | datetime


@dataclass(frozen=True, kw_only=True)
class FlowSensorDescription(SensorEntityDescription):
    """A sensor of one flow (consumption or feed-in) of a meter."""

    value_fn: Callable[[FlowSummary], Value]
    attributes_fn: Callable[[FlowSummary], dict[str, Any]] = lambda _: {}
    option: OptionalSensor | None = None


@dataclass(frozen=True, kw_only=True)
class MeterSensorDescription(SensorEntityDescription):
    """A sensor of the meter as a whole."""

    value_fn: Callable[[MeterSummary], Value]
    attributes_fn: Callable[[MeterSummary], dict[str, Any]] = lambda _: {}


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def _interval_attributes(flow: FlowSummary) -> dict[str, Any]:
    latest = flow.latest_interval
    return {"start": _iso(latest.start), "end": _iso(latest.end)} if latest else {}


def _latest_quarter_hour_attributes(flow: FlowSummary) -> dict[str, Any]:
    """The newest quarter hour's span, and the newest published 48 hours (not recorded)."""
    return {
        **_interval_attributes(flow),
        RECENT: [
            {"start": reading.start.isoformat(), "kwh": round(reading.value, 4)}
            for reading in flow.recent
        ],
    }


def _power(flow: FlowSummary) -> float | None:
    """Average power of the newest quarter hour: its energy over its duration."""
    latest = flow.latest_interval
    if latest is None:
        return None
    hours = (latest.end - latest.start).total_seconds() / 3600
    return latest.value * 1000 / hours


def _last_24_hours_attributes(flow: FlowSummary) -> dict[str, Any]:
    latest = flow.latest_interval
    if latest is None:
        return {}
    return {"start": _iso(latest.end - DAY_LENGTH), "end": _iso(latest.end)}


def _energy(key: str, **kwargs: Any) -> dict[str, Any]:
    return {
        "key": key,
        "translation_key": key,
        "device_class": SensorDeviceClass.ENERGY,
        "native_unit_of_measurement": UnitOfEnergy.KILO_WATT_HOUR,
        **kwargs,
    }


def _flow_descriptions(prefix: str) -> tuple[FlowSensorDescription, ...]:
    return (
        FlowSensorDescription(
            **_energy(f"{prefix}_meter_reading"),
            suggested_display_precision=3,
            value_fn=lambda flow: flow.meter_reading,
            attributes_fn=lambda flow: {"as_of": _iso(flow.meter_reading_at)},
        ),
        FlowSensorDescription(
            **_energy(f"{prefix}_latest_day"),
            suggested_display_precision=2,
            value_fn=lambda flow: flow.latest_day_energy,
            attributes_fn=lambda flow: {
                "date": flow.latest_day.isoformat() if flow.latest_day else None
            },
        ),
        FlowSensorDescription(
            **_energy(f"{prefix}_month_to_date"),
            suggested_display_precision=2,
            option=OptionalSensor.MONTH_TO_DATE,
            value_fn=lambda flow: flow.month_to_date,
            attributes_fn=lambda flow: {
                "through": flow.latest_day.isoformat() if flow.latest_day else None
            },
        ),
        FlowSensorDescription(
            **_energy(f"{prefix}_latest_quarter_hour"),
            suggested_display_precision=3,
            option=OptionalSensor.LATEST_QUARTER_HOUR,
            value_fn=lambda flow: flow.latest_interval.value if flow.latest_interval else None,
            attributes_fn=_latest_quarter_hour_attributes,
        ),
        FlowSensorDescription(
            key=f"{prefix}_latest_quarter_hour_power",
            translation_key=f"{prefix}_latest_quarter_hour_power",
            device_class=SensorDeviceClass.POWER,
            native_unit_of_measurement=UnitOfPower.WATT,
            suggested_display_precision=0,
            option=OptionalSensor.LATEST_QUARTER_HOUR,
            value_fn=_power,
            attributes_fn=_interval_attributes,
        ),
        FlowSensorDescription(
            **_energy(f"{prefix}_last_24_hours"),
            suggested_display_precision=2,
            option=OptionalSensor.LAST_24_HOURS,
            value_fn=lambda flow: flow.last_24_hours,
            attributes_fn=_last_24_hours_attributes,
        ),
    )


@dataclass(frozen=True, kw_only=True)
class ComparisonSensorDescription(SensorEntityDescription):
    """A value of one flow's month against the same days last year."""

    value_fn: Callable[[Comparison], float | None]
    attributes_fn: Callable[[Comparison], dict[str, Any]]
    option: OptionalSensor = OptionalSensor.MONTH_TO_DATE


def _comparison_descriptions(prefix: str) -> tuple[ComparisonSensorDescription, ...]:
    return (
        ComparisonSensorDescription(
            **_energy(f"{prefix}_month_last_year"),
            suggested_display_precision=2,
            value_fn=lambda found: found.last_year,
            attributes_fn=lambda found: {
                "from": found.last_year_days[0].isoformat(),
                "through": found.last_year_days[1].isoformat(),
            },
        ),
        ComparisonSensorDescription(
            key=f"{prefix}_month_change",
            translation_key=f"{prefix}_month_change",
            native_unit_of_measurement=PERCENTAGE,
            suggested_display_precision=1,
            value_fn=lambda found: found.change,
            attributes_fn=lambda found: {
                "this_year": round(found.this_year, 3),
                "last_year": round(found.last_year, 3),
                "through": found.last.isoformat(),
            },
        ),
    )


COMPARISON_SENSORS: dict[Flow, tuple[ComparisonSensorDescription, ...]] = {
    Flow.CONSUMPTION: _comparison_descriptions("consumption"),
    Flow.FEED_IN: _comparison_descriptions("feed_in"),
}

FLOW_SENSORS: dict[Flow, tuple[FlowSensorDescription, ...]] = {
    Flow.CONSUMPTION: _flow_descriptions("consumption"),
    Flow.FEED_IN: _flow_descriptions("feed_in"),
}

METER_SENSORS: tuple[MeterSensorDescription, ...] = (
    MeterSensorDescription(
        key="published_until",
        translation_key="published_until",
        device_class=SensorDeviceClass.TIMESTAMP,
        entity_category=EntityCategory.DIAGNOSTIC,
        value_fn=lambda meter: meter.published_until,
    ),
    MeterSensorDescription(
        key="estimated_share",
        translation_key="estimated_share",
        native_unit_of_measurement=PERCENTAGE,
        suggested_display_precision=0,
        entity_category=EntityCategory.DIAGNOSTIC,
        value_fn=lambda meter: meter.estimated_share,
        attributes_fn=lambda meter: {
            "date": meter.estimated_share_day.isoformat() if meter.estimated_share_day else None
        },
    ),
)


class FlowSensor(WienerNetzeEntity, SensorEntity):
    """A value of one flow of one meter."""

    entity_description: FlowSensorDescription
    # The newest 48 hours change with every publication: shown, never written to the recorder.
    _unrecorded_attributes = frozenset({RECENT})

    def __init__(
        self,
        coordinator: WienerNetzeCoordinator,
        number: str,
        flow: Flow,
        description: FlowSensorDescription,
    ) -> None:
        super().__init__(coordinator, number, description.key)
        self.flow = flow
        self.entity_description = description

    @property
    def _flow(self) -> FlowSummary | None:
        return self.summary.flows.get(self.flow)

    @property
    def native_value(self) -> Value:
        """The value, or None (unknown) while no data exists."""
        flow = self._flow
        return self.entity_description.value_fn(flow) if flow else None

    @property
    def extra_state_attributes(self) -> dict[str, Any]:
        """When the value applies."""
        flow = self._flow
        return self.entity_description.attributes_fn(flow) if flow else {}


class ComparisonSensor(WienerNetzeEntity, SensorEntity):
    """One flow's month against the same days last year: unavailable while either is missing."""

    entity_description: ComparisonSensorDescription

    def __init__(
        self,
        coordinator: WienerNetzeCoordinator,
        number: str,
        flow: Flow,
        description: ComparisonSensorDescription,
    ) -> None:
        super().__init__(coordinator, number, description.key)
        self.flow = flow
        self.entity_description = description

    @property
    def _comparison(self) -> Comparison | None:
        return self.coordinator.data.year_on_year.get((self.number, self.flow))

    @property
    def available(self) -> bool:
        """Only while both months' days are in the recorder."""
        return super().available and self._comparison is not None

    @property
    def native_value(self) -> float | None:
        """The value (None: last year had no energy to compare with)."""
        found = self._comparison
        return self.entity_description.value_fn(found) if found else None

    @property
    def extra_state_attributes(self) -> dict[str, Any]:
        """Which days are compared."""
        found = self._comparison
        return self.entity_description.attributes_fn(found) if found else {}


class BaseLoadSensor(WienerNetzeEntity, SensorEntity):
    """The base load of the newest complete day read by quarter hours (:mod:`.base_load`)."""

    _attr_translation_key = "base_load"
    _attr_device_class = SensorDeviceClass.POWER
    _attr_native_unit_of_measurement = UnitOfPower.WATT
    _attr_suggested_display_precision = 0

    def __init__(self, coordinator: WienerNetzeCoordinator, number: str) -> None:
        super().__init__(coordinator, number, "base_load")

    @property
    def native_value(self) -> float | None:
        """The base load in W, or None (unknown) before the first complete day."""
        found = self.coordinator.data.base_load.get(self.number)
        return found[1] if found else None

    @property
    def extra_state_attributes(self) -> dict[str, Any]:
        """The day it is the base load of."""
        found = self.coordinator.data.base_load.get(self.number)
        return {"date": found[0].isoformat() if found else None}


class TariffRegisterSensor(WienerNetzeEntity, SensorEntity):
    """The reading of one tariff register of a double-tariff meter (1.8.1, 1.8.2, …)."""

    _attr_translation_key = "tariff_meter_reading"
    _attr_device_class = SensorDeviceClass.ENERGY
    _attr_native_unit_of_measurement = UnitOfEnergy.KILO_WATT_HOUR
    _attr_suggested_display_precision = 3

    def __init__(self, coordinator: WienerNetzeCoordinator, number: str, register: str) -> None:
        super().__init__(coordinator, number, f"register_{register}")
        self.register = register
        self._attr_translation_placeholders = {"register": register}

    @property
    def native_value(self) -> float | None:
        """The register as read at the end of the newest day."""
        reading = self.summary.tariff_registers.get(self.register)
        return reading.value if reading else None

    @property
    def extra_state_attributes(self) -> dict[str, Any]:
        """When it was read."""
        reading = self.summary.tariff_registers.get(self.register)
        return {"as_of": _iso(reading.end) if reading else None}


class HistorySensor(WienerNetzeEntity, SensorEntity):
    """How much of the history import is done, and how far back data exists."""

    _attr_translation_key = "history_import"
    _attr_native_unit_of_measurement = PERCENTAGE
    _attr_suggested_display_precision = 0
    _attr_entity_category = EntityCategory.DIAGNOSTIC

    def __init__(self, coordinator: WienerNetzeCoordinator, number: str) -> None:
        super().__init__(coordinator, number, "history_import")

    @property
    def native_value(self) -> float | None:
        """Percent done (unknown when no history is wanted, or before the first plan)."""
        history = self.coordinator.data.history.get(self.number)
        return history.progress if history else None

    @property
    def extra_state_attributes(self) -> dict[str, Any]:
        """How far back the import reaches and the first day with data.

        With the days still to read, those waiting for Wiener Netze to deliver them, and those
        given up on.
        """
        history = self.coordinator.data.history.get(self.number)
        if history is None:
            return {}
        return {
            "data_from": history.data_from,
            "imported_from": history.imported_from,
            "missing_days": history.missing_days,
            "waiting_days": history.waiting_days,
            "gap_days": history.gap_days,
        }


class MeterSensor(WienerNetzeEntity, SensorEntity):
    """A diagnostic value of one meter."""

    entity_description: MeterSensorDescription

    def __init__(
        self,
        coordinator: WienerNetzeCoordinator,
        number: str,
        description: MeterSensorDescription,
    ) -> None:
        super().__init__(coordinator, number, description.key)
        self.entity_description = description

    @property
    def native_value(self) -> Value:
        """The value, or None (unknown) while no data exists."""
        return self.entity_description.value_fn(self.summary)

    @property
    def extra_state_attributes(self) -> dict[str, Any]:
        """Which day the value describes."""
        return self.entity_description.attributes_fn(self.summary)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: WienerNetzeConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add each meter's sensors, and feed-in sensors once a meter turns out to feed in."""
    coordinator = entry.runtime_data
    enabled = set(entry.options.get(CONF_OPTIONAL_SENSORS, DEFAULT_OPTIONAL_SENSORS))
    base_load = coordinator.options.base_load
    added: set[tuple[str, Flow | str | None]] = set()

    @callback
    def add_new() -> None:
        entities: list[SensorEntity] = []
        for number, summary in coordinator.data.meters.items():
            if (number, None) not in added:
                added.add((number, None))
                entities.extend(MeterSensor(coordinator, number, d) for d in METER_SENSORS)
                entities.append(HistorySensor(coordinator, number))
            for flow in summary.flows:
                if (number, flow) in added:
                    continue
                added.add((number, flow))
                entities.extend(
                    FlowSensor(coordinator, number, flow, description)
                    for description in FLOW_SENSORS[flow]
                    if description.option is None or description.option in enabled
                )
                entities.extend(
                    ComparisonSensor(coordinator, number, flow, description)
                    for description in COMPARISON_SENSORS[flow]
                    if description.option in enabled
                )
            quarter_hour_consumption = summary.quarter_hours and Flow.CONSUMPTION in summary.flows
            if base_load and quarter_hour_consumption and (number, "base_load") not in added:
                added.add((number, "base_load"))
                entities.append(BaseLoadSensor(coordinator, number))
            for register in summary.tariff_registers:
                if (number, register) not in added:
                    added.add((number, register))
                    entities.append(TariffRegisterSensor(coordinator, number, register))
        if entities:
            async_add_entities(entities)

    remove_disabled_sensors(hass, entry, enabled, base_load=base_load)
    add_new()
    entry.async_on_unload(coordinator.async_add_listener(add_new))


def remove_disabled_sensors(
    hass: HomeAssistant, entry: WienerNetzeConfigEntry, enabled: set[str], *, base_load: bool
) -> None:
    """Optional sensors switched off in the options leave the entity registry."""
    descriptions: list[FlowSensorDescription | ComparisonSensorDescription] = [
        *(description for found in FLOW_SENSORS.values() for description in found),
        *(description for found in COMPARISON_SENSORS.values() for description in found),
    ]
    disabled = {
        description.key
        for description in descriptions
        if description.option is not None and description.option not in enabled
    }
    if not base_load:
        disabled.add("base_load")
    registry = er.async_get(hass)
    for entity in er.async_entries_for_config_entry(registry, entry.entry_id):
        if entity.domain == "sensor" and entity.unique_id.split("_", 1)[-1] in disabled:
            registry.async_remove(entity.entity_id)
