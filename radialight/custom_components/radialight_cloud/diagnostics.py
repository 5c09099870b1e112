"""Diagnostics: the options, the zones' and the usage's shape, never a secret or a name.

Tokens, the API key, the user id, zone and product ids, names and serials are left out; zones
and products are numbered instead. The answers appear as shapes (keys and value types), which
is what a report about the undocumented API needs.
"""

from __future__ import annotations

from typing import Any

from homeassistant.components.diagnostics import async_redact_data
from homeassistant.core import HomeAssistant

from .api import API_URL, TOKEN_URL, Zone, report
from .const import (
    CONF_API_KEY,
    CONF_API_URL,
    CONF_REFRESH_TOKEN,
    CONF_TOKEN_URL,
    CONF_USAGE_SENSORS,
    DEFAULT_USAGE_SENSORS,
)
from .coordinator import RadialightConfigEntry
from .usage_series import UsageSeries

# The URLs too: a proxy's address may carry a secret of its own.
TO_REDACT = {CONF_API_KEY, CONF_REFRESH_TOKEN, CONF_API_URL, CONF_TOKEN_URL}
SAMPLE_POINTS = 5


def usage_snapshot(series: UsageSeries) -> dict[str, Any]:
    """The seed's usage snapshot: first and last bucket, their count, the last five (kWh)."""
    starts = sorted(series.points)
    return {
        "first_timestamp": starts[0].isoformat() if starts else None,
        "last_timestamp": starts[-1].isoformat() if starts else None,
        "point_count": len(starts),
        "stale": series.stale,
        "sample_last_5_points": [
            {"timestamp": start.isoformat(), "usage": series.points[start]}
            for start in starts[-SAMPLE_POINTS:]
        ],
    }


def _zone(zone: Zone) -> dict[str, Any]:
    """A zone without its id, name or products' ids, names and serials."""
    return {
        "products": [
            {
                "model": product.model,
                "offline": product.offline,
                "warming": product.warming,
                "has_temperature": product.detected_temperature is not None,
            }
            for product in zone.products
        ],
        "t_comfort": zone.t_comfort,
        "t_eco": zone.t_eco,
        "mode": zone.mode,
        "info_mode": zone.info_mode,
        "window": zone.window,
        "pir": zone.pir,
        "lock": zone.lock,
        "override": zone.override is not None,
    }


async def async_get_config_entry_diagnostics(
    hass: HomeAssistant, entry: RadialightConfigEntry
) -> dict[str, Any]:
    """What a report needs: options, zones numbered, usage snapshots, the answers' shapes."""
    coordinator = entry.runtime_data
    usage = coordinator.usage
    zones = list((coordinator.data or {}).values())
    return {
        "entry": {
            "data": async_redact_data(dict(entry.data), TO_REDACT),
            "default_urls": entry.data.get(CONF_API_URL, API_URL) == API_URL
            and entry.data.get(CONF_TOKEN_URL, TOKEN_URL) == TOKEN_URL,
            "options": dict(entry.options),
            "enable_usage_sensors": entry.options.get(CONF_USAGE_SENSORS, DEFAULT_USAGE_SENSORS),
        },
        "last_update_success": coordinator.last_update_success,
        "dropped": {"zones_or_products": coordinator.dropped, "usage_values": usage.dropped},
        "zones": {f"zone {index + 1}": _zone(zone) for index, zone in enumerate(zones)},
        "usage": {
            "unit": usage.unit,
            "next_read": usage.schedule.next_at.isoformat() if usage.schedule.next_at else None,
            "account": usage_snapshot(usage.account),
            "zones": {
                f"zone {index + 1}": usage_snapshot(series)
                for index, zone in enumerate(zones)
                if (series := usage.zone(zone.id)) is not None
            },
        },
        "shapes": report(coordinator.client.answers),
    }
