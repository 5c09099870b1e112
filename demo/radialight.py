"""Adding Radialight Cloud through its real config flow, and its usage to the Energy dashboard.

The same APIs the frontend uses, as in :mod:`.integration` for Wiener Netze.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

from radialight_simulator.app import TOKEN_PATH
from radialight_simulator.settings import Settings

from .client import HomeAssistantClient, HomeAssistantError

DOMAIN = "radialight_cloud"
DEFAULTS = Settings()
CREDENTIALS = {"api_key": DEFAULTS.api_key, "refresh_token": DEFAULTS.refresh_token}


def connection(simulator_url: str) -> dict[str, str]:
    """The collapsed connection section of the set-up form, pointing at the simulator."""
    return {"api_url": simulator_url, "token_url": f"{simulator_url}{TOKEN_PATH}"}


async def add_radialight(client: HomeAssistantClient, simulator_url: str) -> dict[str, Any]:
    """The entry for the simulated account, added through the config flow unless it exists."""
    entries = await client.config_entries(DOMAIN)
    if entries:
        return entries[0]
    flow = await client.start_flow(DOMAIN)
    result = await client.flow_step(
        flow["flow_id"], {**CREDENTIALS, "connection": connection(simulator_url)}
    )
    if result.get("type") != "create_entry":
        raise HomeAssistantError(f"Radialight set-up failed: {result}")
    return dict(result["result"])


async def usage_statistic_ids(client: HomeAssistantClient) -> list[str]:
    """The Radialight statistics: the account's first, then the zones'."""
    [found] = await client.ws({"type": "recorder/list_statistic_ids", "statistic_type": "sum"})
    ids = sorted(item["statistic_id"] for item in found if item["source"] == DOMAIN)
    return sorted(ids, key=lambda sid: "_zone_" in sid)


async def wait_for_usage(client: HomeAssistantClient, timeout: float) -> list[str]:
    """Wait until the account's and every zone's usage statistics exist (the first read)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ids = await usage_statistic_ids(client)
        [zones] = await client.ws({"type": "config/device_registry/list"})
        count = sum(1 for device in zones if device.get("model") == "Zone")
        if any("_zone_" not in sid for sid in ids) and sum("_zone_" in s for s in ids) >= count:
            return ids
        await asyncio.sleep(2)
    raise TimeoutError(f"no Radialight usage statistics after {timeout:.0f} s")


async def add_zones_to_energy_dashboard(
    client: HomeAssistantClient, ids: list[str]
) -> list[dict[str, Any]]:
    """Each zone's usage as an individual device of the Energy dashboard.

    The grid sources stay as they are. The account's total is not added too: it would count the
    zones twice.
    """
    prefs = await client.energy_prefs()
    devices = [
        device
        for device in prefs.get("device_consumption", [])
        if not str(device.get("stat_consumption", "")).startswith(f"{DOMAIN}:")
    ]
    devices += [{"stat_consumption": sid} for sid in ids if "_zone_" in sid]
    await client.update_energy_prefs(device_consumption=devices)
    return devices
