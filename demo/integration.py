"""Adding the integration through its real config flow and filling the Energy dashboard.

Everything goes through the APIs the frontend uses, so the demo and the end-to-end tests walk
the same path a user's clicks take.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

from simulator.app import API_BASE, TOKEN_PATH
from simulator.settings import Settings

from .client import HomeAssistantClient, HomeAssistantError

DOMAIN = "wiener_netze"
DEFAULTS = Settings()
CREDENTIALS = {
    "client_id": DEFAULTS.client_id,
    "client_secret": DEFAULTS.client_secret,
    "api_key": DEFAULTS.api_key,
}


def connection(simulator_url: str) -> dict[str, str]:
    """The collapsed connection section of the user step, pointing at the simulator."""
    return {"api_url": f"{simulator_url}{API_BASE}", "token_url": f"{simulator_url}{TOKEN_PATH}"}


async def submit_credentials(
    client: HomeAssistantClient, simulator_url: str, **changes: str
) -> dict[str, Any]:
    """Start the flow and submit the credentials step; returns the next form (or errors)."""
    flow = await client.start_flow(DOMAIN)
    if flow.get("type") == "abort":
        raise HomeAssistantError(f"flow aborted: {flow.get('reason')}")
    data: dict[str, Any] = {**CREDENTIALS, **changes, "connection": connection(simulator_url)}
    return await client.flow_step(flow["flow_id"], data)


def suggested_meters(step: dict[str, Any]) -> list[str]:
    """The meters the meter step preselects (the smart meters)."""
    for field in step["data_schema"]:
        if field["name"] == "meters":
            return list(field["description"]["suggested_value"])
    raise HomeAssistantError("the meter step has no meter field")


async def add_integration(client: HomeAssistantClient, simulator_url: str) -> dict[str, Any]:
    """The entry for the simulator's account, added through the config flow unless it exists."""
    entries = await client.config_entries(DOMAIN)
    if entries:
        return entries[0]
    step = await submit_credentials(client, simulator_url)
    if step.get("step_id") != "meters":
        raise HomeAssistantError(f"credentials not accepted: {step.get('errors')}")
    result = await client.flow_step(step["flow_id"], {"meters": suggested_meters(step)})
    if result.get("type") != "create_entry":
        raise HomeAssistantError(f"meter step failed: {result}")
    return dict(result["result"])


async def meters(client: HomeAssistantClient, entry_id: str) -> list[dict[str, Any]]:
    """The devices (meters) of an entry: id, name and serial number."""
    [devices] = await client.ws({"type": "config/device_registry/list"})
    return [device for device in devices if entry_id in device["config_entries"]]


async def statistic_ids(client: HomeAssistantClient) -> set[str]:
    """The integration's imported statistics."""
    [found] = await client.ws({"type": "recorder/list_statistic_ids", "statistic_type": "sum"})
    return {item["statistic_id"] for item in found if item["source"] == DOMAIN}


def grid_sources(ids: set[str]) -> list[dict[str, Any]]:
    """One grid source per meter: consumption with its cost, return with its compensation.

    A feed-in metering point of its own gets a source with return only.
    """
    sources = []
    for consumption in sorted(sid for sid in ids if sid.endswith("_consumption")):
        base = consumption.removesuffix("_consumption")
        source: dict[str, Any] = {
            "type": "grid",
            "stat_energy_from": consumption,
            "stat_cost": f"{consumption}_cost" if f"{consumption}_cost" in ids else None,
            "cost_adjustment_day": 0,
        }
        if f"{base}_feed_in" in ids:
            source["stat_energy_to"] = f"{base}_feed_in"
            compensation = f"{base}_feed_in_compensation"
            source["stat_compensation"] = compensation if compensation in ids else None
        sources.append(source)
    for feed_in in sorted(sid for sid in ids if sid.endswith("_feed_in")):
        base = feed_in.removesuffix("_feed_in")
        if f"{base}_consumption" not in ids:
            compensation = f"{feed_in}_compensation"
            sources.append(
                {
                    "type": "grid",
                    "stat_energy_to": feed_in,
                    "stat_compensation": compensation if compensation in ids else None,
                    "cost_adjustment_day": 0,
                }
            )
    return sources


async def fill_energy_dashboard(client: HomeAssistantClient) -> list[dict[str, Any]]:
    """Grid consumption, return, cost and compensation of every meter in the Energy dashboard.

    The individual devices (Radialight's zones) stay as they are.
    """
    sources = grid_sources(await statistic_ids(client))
    await client.update_energy_prefs(energy_sources=sources)
    return sources


async def history_progress(client: HomeAssistantClient) -> dict[str, float | None]:
    """The *History import* sensor of each meter: entity id → percent (None while unknown)."""
    [entities] = await client.ws({"type": "config/entity_registry/list"})
    wanted = [
        entity["entity_id"]
        for entity in entities
        if entity["platform"] == DOMAIN and entity["unique_id"].endswith("_history_import")
    ]
    progress: dict[str, float | None] = {}
    for entity_id in wanted:
        try:
            state = await client.get(f"/api/states/{entity_id}")
            progress[entity_id] = float(state["state"])
        except HomeAssistantError, ValueError:  # not set up yet (after a start), or unknown
            progress[entity_id] = None
    return progress


def progress_line(progress: dict[str, float | None]) -> str:
    """One line for the terminal: each meter's share done."""
    return ", ".join(
        f"{entity_id.removeprefix('sensor.')} " + ("—" if value is None else f"{value:.0f} %")
        for entity_id, value in sorted(progress.items())
    )


async def wait_for_history(
    client: HomeAssistantClient,
    timeout: float,
    report: Callable[[str], None] | None = None,
) -> dict[str, float | None]:
    """Wait until every meter's history import reports 100 %; ``report`` hears each change."""
    deadline = time.monotonic() + timeout
    progress: dict[str, float | None] = {}
    reported = ""
    while time.monotonic() < deadline:
        progress = await history_progress(client)
        line = progress_line(progress)
        if report is not None and line and line != reported:
            report(line)
            reported = line
        if progress and all(value == 100 for value in progress.values()):
            return progress
        await asyncio.sleep(2)
    raise TimeoutError(f"history import not finished after {timeout:.0f} s: {progress}")


# The README's worked example: a Vienna household tariff (illustrative figures).
TARIFF = {"energy_price": 0.247, "daily_charge": 0.34, "feed_in_price": 0.06}


async def set_tariff(client: HomeAssistantClient, entry_id: str, *, fast: bool = False) -> None:
    """Enter the example tariff in the options, through the options flow.

    With ``fast``, poll every 5 minutes so a fast-forwarded simulator's new days show up soon.
    """
    result = await client.options_flow(
        entry_id,
        {
            "update_interval": 5 if fast else 15,
            "history_years": 3,
            "plausibility_limit": 43470,
            "correction_days": 7,
            "optional_sensors": ["month_to_date", "last_24_hours", "latest_quarter_hour"],
            "tariff": TARIFF,
        },
    )
    if result.get("type") != "create_entry":
        raise HomeAssistantError(f"options not accepted: {result}")
