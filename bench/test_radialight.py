"""Radialight Cloud's benchmarks: requests per hour, and CPU and memory over a simulated week.

Requests are counted against the simulator in this process for 1, 3 and 10 zones, polled every
60 s (the default), beside the public integration's pattern (``/zones``, the account's
``/usage`` and each zone's ``/usage`` on every poll). The week runs the simulator in a process
of its own, so its CPU and memory are not counted.
"""

from __future__ import annotations

import asyncio
import gc
import json
import statistics
import sys
import time
import tracemalloc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import aiohttp
import pytest
from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.recorder import Recorder
from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.common import MockConfigEntry

from bench.test_bench import (
    HARNESS,
    OUT,
    _growth_mb,
    free_port,
    production_like,
    record,
)
from custom_components.radialight_cloud.const import (
    CONF_API_KEY,
    CONF_API_URL,
    CONF_REFRESH_TOKEN,
    CONF_TOKEN_URL,
    DOMAIN,
)
from radialight_simulator.app import TOKEN_PATH, RadialightSimulator
from radialight_simulator.server import start
from radialight_simulator.settings import Settings
from simulator.clock import SimClock

NOW = datetime(2026, 12, 2, 10, 10, tzinfo=UTC)
POLL = timedelta(seconds=60)
HOURS = 6
ACCOUNTS = {1: "small", 3: "home", 10: "large"}
INTEGRATION = "radialight_cloud"


@pytest.fixture(autouse=True)
def _harness(
    recorder_mock: Recorder, enable_custom_integrations: None, socket_enabled: None
) -> None:
    """The real recorder and the custom integration."""


def entry_for(api_url: str, settings: Settings) -> MockConfigEntry:
    """An entry of the simulated account."""
    return MockConfigEntry(
        domain=DOMAIN,
        title="Radialight",
        unique_id=settings.user_id,
        data={
            CONF_API_KEY: settings.api_key,
            CONF_REFRESH_TOKEN: settings.refresh_token,
            CONF_API_URL: api_url,
            CONF_TOKEN_URL: f"{api_url}{TOKEN_PATH}",
        },
    )


@pytest.mark.parametrize("zones", sorted(ACCOUNTS))
async def test_radialight_requests_per_hour(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, zones: int
) -> None:
    """Requests an hour over six hours of polls every 60 s, by kind, against the public
    integration's 1 + 1 + zones a poll."""
    freezer.move_to(NOW)
    clock = SimClock(NOW - timedelta(days=1), frozen=True)
    sim = RadialightSimulator(Settings(account=ACCOUNTS[zones]), clock)
    clock.set(NOW, frozen=True)
    sim.now()
    running = await start(sim)
    try:
        entry = entry_for(running.api_url, sim.settings)
        entry.add_to_hass(hass)
        assert await hass.config_entries.async_setup(entry.entry_id)
        await hass.async_block_till_done(wait_background_tasks=True)
        before = dict(sim.counts)
        moment = NOW
        for _ in range(HOURS * 3600 // int(POLL.total_seconds())):
            moment += POLL
            freezer.move_to(moment)
            clock.set(moment, frozen=True)
            await entry.runtime_data.async_refresh()
            await hass.async_block_till_done(wait_background_tasks=True)
        assert await hass.config_entries.async_unload(entry.entry_id)
    finally:
        await running.stop()
    per_hour = {
        kind: round((sim.counts[kind] - before.get(kind, 0)) / HOURS, 2)
        for kind in ("zones", "usage", "token")
    }
    public = (2 + zones) * 3600 / POLL.total_seconds()
    figures = {
        "ours": round(per_hour["zones"] + per_hour["usage"], 2),
        "zones": per_hour["zones"],
        "usage": per_hour["usage"],
        "tokens": per_hour["token"],
        "public_integration": public,
    }
    results = _radialight_results()
    results.setdefault("requests_per_hour", {})[str(zones)] = figures
    record("radialight", results)


def _radialight_results() -> dict[str, Any]:
    """What the Radialight benchmarks recorded so far in this run."""
    if not OUT.exists():
        return {}
    found = json.loads(OUT.read_text()).get("radialight", {})
    return dict(found)


@asynccontextmanager
async def simulator_process(port: int) -> AsyncIterator[str]:
    """``python -m radialight_simulator`` (the "home" account), its clock frozen at NOW."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "radialight_simulator",
        *("--port", str(port), "--now", NOW.isoformat(), "--frozen"),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        assert process.stdout is not None
        line = await asyncio.wait_for(process.stdout.readline(), 60)
        assert url.encode() in line, line
        yield url
    finally:
        process.terminate()
        await process.wait()


async def test_radialight_week_cpu_and_memory(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    """A simulated week of polls every 60 s for the "home" account (3 zones): CPU time per
    update (most read /zones only; one an hour starts a usage read and its statistics), and the
    memory traced over the last six days."""
    freezer.move_to(NOW)
    async with (
        simulator_process(free_port()) as url,
        aiohttp.ClientSession() as control,
        production_like(hass),
    ):
        entry = entry_for(url, Settings())
        entry.add_to_hass(hass)
        assert await hass.config_entries.async_setup(entry.entry_id)
        await hass.async_block_till_done(wait_background_tasks=True)
        coordinator = entry.runtime_data
        moment = NOW

        async def update() -> float:
            nonlocal moment
            moment += POLL
            freezer.move_to(moment)
            async with control.post(
                f"{url}/_sim/clock", json={"now": moment.isoformat(), "frozen": True}
            ) as reply:
                assert reply.status == 200
            started = time.process_time()
            await coordinator.async_refresh()
            await hass.async_block_till_done(wait_background_tasks=True)
            return (time.process_time() - started) * 1000

        day = int(timedelta(days=1) / POLL)
        cpu = [await update() for _ in range(day)]
        gc.collect()
        tracemalloc.start()
        first = tracemalloc.take_snapshot()
        for _ in range(6 * day):
            await update()
        gc.collect()
        last = tracemalloc.take_snapshot()
        tracemalloc.stop()
        usage_points = len(coordinator.usage.account.points)
        assert await hass.config_entries.async_unload(entry.entry_id)
    growth = last.compare_to(first, "filename")
    for stat in growth[:8]:
        print(f"memory growth by file: {stat}", file=sys.stderr)
    for stat in last.compare_to(first, "lineno")[:8]:
        print(f"memory growth by line: {stat}", file=sys.stderr)
    ordered = sorted(cpu)
    results = _radialight_results()
    results["update_cpu_ms"] = {
        "median": round(statistics.median(cpu), 2),
        "p95": round(ordered[int(0.95 * len(ordered)) - 1], 2),
        "max": round(ordered[-1], 2),
        "updates": len(cpu),
    }
    results["memory_growth_mb"] = _growth_mb(growth, lambda name: not name.startswith(HARNESS))
    results["memory_growth_integration_mb"] = _growth_mb(growth, lambda name: INTEGRATION in name)
    results["memory_days"] = 6
    results["usage_points_kept"] = usage_points
    record("radialight", results)
