"""Actions: re-import a range into the statistics, re-price a range, return readings.

Both name the config entry (one per API application) and optionally some of its meters.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import probatio
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant, ServiceCall, ServiceResponse, SupportsResponse
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import config_validation as cv
from homeassistant.util import dt as dt_util

from .api import ValueType, WienerNetzeError
from .api.vienna_time import local_day
from .const import DOMAIN
from .coordinator import WienerNetzeConfigEntry, WienerNetzeCoordinator
from .error_mapping import action_error

SERVICE_IMPORT_HISTORY = "import_history"
SERVICE_GET_READINGS = "get_readings"
SERVICE_RECALCULATE_COSTS = "recalculate_costs"
ATTR_CONFIG_ENTRY_ID = "config_entry_id"
ATTR_METERS = "meters"
ATTR_START = "start"
ATTR_END = "end"
ATTR_GRANULARITY = "granularity"

GRANULARITIES = [value_type.value.lower() for value_type in ValueType]
BASE_FIELDS: dict[Any, Any] = {
    probatio.Required(ATTR_CONFIG_ENTRY_ID): cv.string,
    probatio.Optional(ATTR_METERS): probatio.All(cv.ensure_list, [cv.string]),
    probatio.Required(ATTR_START): cv.date,
    probatio.Required(ATTR_END): cv.date,
}
IMPORT_SCHEMA = probatio.Schema(BASE_FIELDS)
READINGS_SCHEMA = probatio.Schema(
    {
        **BASE_FIELDS,
        # Lower case as the selector offers them (upper case, the API's own, accepted too).
        probatio.Optional(ATTR_GRANULARITY, default=GRANULARITIES[0]): probatio.All(
            cv.string, probatio.Lower, probatio.In(GRANULARITIES)
        ),
    }
)


def _target(
    hass: HomeAssistant, call: ServiceCall
) -> tuple[WienerNetzeCoordinator, list[str], date, date]:
    """The coordinator, meters and days an action call names, checked."""
    entry: WienerNetzeConfigEntry | None = hass.config_entries.async_get_entry(
        call.data[ATTR_CONFIG_ENTRY_ID]
    )
    if entry is None or entry.domain != DOMAIN or entry.state is not ConfigEntryState.LOADED:
        raise ServiceValidationError(translation_domain=DOMAIN, translation_key="entry_not_loaded")
    coordinator = entry.runtime_data
    meters = list(call.data.get(ATTR_METERS) or coordinator.selected)
    unknown = [number for number in meters if number not in coordinator.selected]
    if unknown:
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="unknown_meter",
            translation_placeholders={"meters": ", ".join(unknown)},
        )
    start, end = call.data[ATTR_START], call.data[ATTR_END]
    if start > end or end >= local_day(dt_util.utcnow()):
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="invalid_range",
            translation_placeholders={"start": str(start), "end": str(end)},
        )
    return coordinator, meters, start, end


async def _import_history(call: ServiceCall) -> None:
    coordinator, meters, start, end = _target(call.hass, call)
    try:
        await coordinator.async_import_range(start, end, meters)
    except WienerNetzeError as err:
        raise action_error(err) from err


async def _recalculate_costs(call: ServiceCall) -> None:
    coordinator, meters, start, end = _target(call.hass, call)
    tariff = coordinator.tariff
    if tariff is None:
        raise ServiceValidationError(translation_domain=DOMAIN, translation_key="no_tariff")
    await coordinator.async_recalculate_costs(start, end, tariff, meters)


async def _get_readings(call: ServiceCall) -> ServiceResponse:
    coordinator, meters, start, end = _target(call.hass, call)
    value_type = ValueType(call.data[ATTR_GRANULARITY].upper())
    try:
        answer = await coordinator.client.async_get_readings(start, end, value_type, meters)
    except WienerNetzeError as err:
        raise action_error(err) from err
    return {
        "meters": {
            number: {
                series.obis.cde: [
                    {
                        "start": reading.start.isoformat(),
                        "end": reading.end.isoformat(),
                        "value": reading.value,
                        "quality": reading.quality,
                    }
                    for reading in series.readings
                ]
                for series in readings.series
            }
            for number, readings in answer.items()
        }
    }


def async_setup_services(hass: HomeAssistant) -> None:
    """Register the actions (once, for every entry)."""
    hass.services.async_register(DOMAIN, SERVICE_IMPORT_HISTORY, _import_history, IMPORT_SCHEMA)
    hass.services.async_register(
        DOMAIN, SERVICE_RECALCULATE_COSTS, _recalculate_costs, IMPORT_SCHEMA
    )
    hass.services.async_register(
        DOMAIN,
        SERVICE_GET_READINGS,
        _get_readings,
        READINGS_SCHEMA,
        supports_response=SupportsResponse.ONLY,
    )
