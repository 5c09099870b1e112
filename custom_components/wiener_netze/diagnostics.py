"""Diagnostics: the entry, the meters and the coordinator's state, secrets and identities removed.

Meter numbers, addresses and device numbers identify a household; they are redacted, and
meters are listed in order instead of by number.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict
from datetime import date
from typing import Any

from homeassistant.components.diagnostics import async_redact_data
from homeassistant.core import HomeAssistant
from homeassistant.util import dt as dt_util

from .api import Meter
from .api.vienna_time import ONE_DAY, days_between, local_day
from .const import CONF_API_KEY, CONF_CLIENT_ID, CONF_CLIENT_SECRET, CONF_METERS
from .coordinator import WienerNetzeConfigEntry, WienerNetzeCoordinator
from .saved_state import SavedState, meter_day, parse_key
from .schedule import window_start
from .summary import MeterSummary

TO_REDACT = {
    CONF_CLIENT_ID,
    CONF_CLIENT_SECRET,
    CONF_API_KEY,
    CONF_METERS,
    "title",
    "unique_id",
    "number",
    "meter",
    "name",
    "address",
    "equipment_number",
    "device_number",
}


def _meter(meter: Meter | None) -> dict[str, Any]:
    if meter is None:
        return {"listed": False}
    data = asdict(meter)
    data["is_smart_meter"] = meter.is_smart_meter
    return data


def _plain(value: Any) -> Any:
    """JSON-ready: dates as ISO text, floats rounded to the Wh, mappings with text keys."""
    if isinstance(value, dict):
        return {str(key): _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    if isinstance(value, date):  # datetime too
        return value.isoformat()
    if isinstance(value, float):
        return round(value, 6)
    return value


def _summary(summary: MeterSummary) -> dict[str, Any]:
    """A meter's summary without the newest 48 hours of each flow (the sensor shows them)."""
    data = _plain(asdict(summary))
    for flow in data["flows"].values():
        flow.pop("recent", None)
    return dict(data)


def _day_entry(key: str, values: Mapping[str, Any]) -> dict[str, Any]:
    number, flow, day = parse_key(key)
    return {"meter": number, "flow": flow.value, "day": day.isoformat(), **values}


async def async_get_config_entry_diagnostics(
    hass: HomeAssistant, entry: WienerNetzeConfigEntry
) -> dict[str, Any]:
    """Everything needed to understand a problem, nothing that identifies the household."""
    coordinator = entry.runtime_data
    redacted = async_redact_data(
        {
            "entry": entry.as_dict(),
            "meter_details": _meters(coordinator),
            "statistics": _statistics(coordinator),
            "costs": _costs(coordinator),
            "account": _account(coordinator),
            "coordinator": _coordinator(coordinator),
            "insights": _insights(coordinator),
        },
        TO_REDACT,
    )
    # The shape of the last answer of each kind, as the probe prints it: shapes hold no
    # values, numbers, names or secrets, and redacting by key would hide the keys they show.
    return {**redacted, "response_shapes": coordinator.client.shapes.report()}


def _meters(coordinator: WienerNetzeCoordinator) -> list[dict[str, Any]]:
    """Per selected meter: master data, how it is read, its flows and the window's days."""
    quarter_hours = coordinator.quarter_hour_meters
    data = coordinator.data
    today = local_day(dt_util.utcnow())
    first = window_start(today, coordinator.options.correction_days)
    days = days_between(first, today - ONE_DAY)
    meters = []
    for number in coordinator.selected:
        store = coordinator.stores[number]
        meters.append(
            {
                "master_data": _plain(_meter(coordinator.meters.get(number))),
                "read_by": "quarter_hour" if number in quarter_hours else "day",
                "flows": sorted(str(flow) for flow in store.flows),
                "other_registers": sorted(store.other_registers),
                "values_left_out": len(store.dropped),
                "day_status": {
                    day.isoformat(): store.day_status(day, number in quarter_hours) for day in days
                },
                "summary": _summary(data.meters[number]) if data else None,
            }
        )
    return meters


def _statistics(coordinator: WienerNetzeCoordinator) -> dict[str, Any]:
    """What the saved state knows of each day: settled, waiting, held, gaps, replacements."""
    imported = coordinator.saved.state
    return {
        "settled": [
            {"meter": number, "days": ranges} for number, ranges in imported.settled.items()
        ],
        "data_from": [
            {"meter": key.split("/")[0], "flow": key.split("/")[1], "day": day}
            for key, day in imported.data_from.items()
        ],
        "history": [
            {"meter": number, **asdict(history)}
            for number, history in coordinator.history.summary().items()
        ],
        "waiting": [
            _day_entry(key, {"missing": n, **_asked(imported, key)})
            for key, n in sorted(imported.waiting.items())
        ],
        "held": [
            _day_entry(key, {**totals, **_asked(imported, key)})
            for key, totals in sorted(imported.held.items())
        ],
        "gaps": [_day_entry(key, {"missing": n}) for key, n in imported.gaps.items()],
        "released": [_day_entry(key, {}) for key in imported.released],
        "replacements": imported.replacements,
    }


def _asked(state: SavedState, key: str) -> dict[str, str | None]:
    """When a day waiting or held was first and last asked for."""
    number, _, day = parse_key(key)
    first, last = state.asked.get(meter_day(number, day), [None, None])
    return {"first_asked": first, "last_asked": last}


def _costs(coordinator: WienerNetzeCoordinator) -> dict[str, Any]:
    """The tariff, each meter's timeline, hours without a price and days whose money is due."""
    imported = coordinator.saved.state
    return {
        "tariff": None if coordinator.tariff is None else asdict(coordinator.tariff),
        "timelines": [
            {"meter": number, "periods": periods} for number, periods in imported.tariffs.items()
        ],
        "unpriced": [
            {"meter": key.split("/")[0], "flow": key.split("/")[1], "hours": ranges}
            for key, ranges in imported.unpriced.items()
        ],
        "pending": [
            {"meter": key.split("/")[0], "flow": key.split("/")[1], "days": ranges}
            for key, ranges in imported.money_pending.items()
        ],
    }


def _account(coordinator: WienerNetzeCoordinator) -> dict[str, Any]:
    """Meters gone or locked, how many new ones, and when the list was read."""
    return {
        "unavailable": [
            {"meter": number, "reason": str(reason)}
            for number, reason in coordinator.account.unavailable.items()
        ],
        "new_meters": len(coordinator.account.new),
        "listed_on": _plain(coordinator.account.listed_on),
    }


def _insights(coordinator: WienerNetzeCoordinator) -> dict[str, Any]:
    """Base load, unusual days, this year against last: the options and each meter's state."""
    state = coordinator.saved.state
    options = coordinator.options
    data = coordinator.data
    return {
        "base_load": options.base_load,
        "unusual_days": options.unusual_days,
        "unusual_band": options.unusual_band,
        "base_load_read": state.base_load_read,
        "by_meter": [
            {
                "meter": number,
                "ledger_days": len(state.ledger.get(number, {})),
                "newest_base_load": _plain(data.base_load.get(number)) if data else None,
                "unusual_from": state.unusual_from.get(number),
                "judged": state.judged.get(number, []),
                "steps": state.steps.get(number, {}),
                "comparisons": {
                    str(flow): _plain(asdict(found))
                    for (meter, flow), found in (data.year_on_year.items() if data else ())
                    if meter == number
                },
            }
            for number in coordinator.selected
        ],
    }


def _coordinator(coordinator: WienerNetzeCoordinator) -> dict[str, Any]:
    """Polling: options, the last runs, the requests sent."""
    log = coordinator.fetch_log
    options = coordinator.options
    return {
        "last_update_success": coordinator.last_update_success,
        "update_interval": str(coordinator.update_interval),
        "plausibility_limit_w": options.max_power_w,
        "correction_days": options.correction_days,
        "window_start": window_start(
            local_day(dt_util.utcnow()), options.correction_days
        ).isoformat(),
        "rejected_values": sum(len(store.reported) for store in coordinator.stores.values()),
        "last_run": {str(kind): at.isoformat() for kind, at in log.last_run.items()},
        "register_target": log.register_target.isoformat() if log.register_target else None,
        "gateway_requests": dict(coordinator.client.stats.by_kind),
        "token_requests": coordinator.client.token_requests,
    }
