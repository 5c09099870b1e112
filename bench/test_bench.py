"""Benchmarks, run by ``scripts/bench`` (not by the test command): figures, not assertions.

Each measurement writes its figures into the JSON file named by ``BENCH_OUT``; ``bench.report``
prints them as a table and writes ``docs/benchmarks.md``. They run against the simulator with
Home Assistant's real recorder, in this process, timed with Python's own clocks.
"""

from __future__ import annotations

import asyncio
import gc
import json
import logging
import os
import socket
import statistics
import sys
import time
import tracemalloc
import unittest.mock
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import _pytest
import aiohttp
import freezegun
import pytest
import pytest_homeassistant_custom_component
from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.recorder import Recorder
from homeassistant.components.recorder.statistics import statistics_during_period
from homeassistant.core import HomeAssistant
from homeassistant.helpers.recorder import get_instance
from homeassistant.util import dt as dt_util
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.wiener_netze import connection
from custom_components.wiener_netze.api import Flow, RateLimiter, ValueType
from custom_components.wiener_netze.const import (
    CONF_BASE_LOAD,
    CONF_HISTORY_YEARS,
    CONF_INSIGHTS,
    DOMAIN,
)
from custom_components.wiener_netze.statistic_ids import base_load_statistic_id, statistic_id
from simulator.account import DAILY, HOUSEHOLD, PHOTOVOLTAIC, MeterSpec, default_account
from simulator.app import API_BASE, TOKEN_PATH, Simulator
from simulator.clock import SimClock
from simulator.profiles import VIENNA
from simulator.server import RunningSimulator, start
from simulator.settings import Settings
from tests.integration.conftest import entry_data
from tests.integration.test_coordinator import tick_to
from tests.support import API_KEY, CLIENT_ID, NOW, SECRET, make_client

OUT = Path(os.environ.get("BENCH_OUT", ".bench/results.json"))
QUARTER = timedelta(minutes=15)
DAYS = 14


def wall_clock() -> float:
    """Seconds on the monotonic clock, read directly: Home Assistant's ``freezer`` fixture
    replaces ``time.perf_counter`` and ``time.monotonic`` while a test runs.
    """
    return time.clock_gettime(time.CLOCK_MONOTONIC)


@asynccontextmanager
async def production_like(hass: HomeAssistant) -> AsyncIterator[None]:
    """Log warnings and errors only, and run the loop without debugging, as Home Assistant does
    by default: the test harness logs every SQL statement at INFO and keeps every record, and
    its debug loop keeps a traceback per task, which would be measured instead of the import.
    """
    debug = hass.loop.get_debug()
    logging.disable(logging.INFO)
    hass.loop.set_debug(False)
    try:
        yield
    finally:
        hass.loop.set_debug(debug)
        logging.disable(logging.NOTSET)


def record(section: str, figures: Any) -> None:
    """Merge one measurement's figures into the results file."""
    OUT.parent.mkdir(parents=True, exist_ok=True)
    results = json.loads(OUT.read_text()) if OUT.exists() else {}
    results[section] = figures
    OUT.write_text(json.dumps(results, indent=2, default=str))


def account(count: int) -> list[MeterSpec]:
    """``count`` smart meters: the test account's household, PV and day meter, then more flats."""
    base = {spec.number: spec for spec in default_account()}
    specs = [base[HOUSEHOLD], base[PHOTOVOLTAIC], base[DAILY]][:count]
    for index in range(len(specs), count):
        number = f"AT00100000000000000010000{9000000 + index:07d}"
        specs.append(replace(base[HOUSEHOLD], number=number, name=f"Wohnung {index}"))
    return specs


def simulator_for(meters: list[MeterSpec], clock: SimClock) -> Simulator:
    """The simulator with the test credentials and these meters."""
    settings = Settings(client_id=CLIENT_ID, client_secret=SECRET, api_key=API_KEY)
    return Simulator(seed="bench", clock=clock, settings=settings, meters=meters)


async def set_up(
    hass: HomeAssistant,
    running: RunningSimulator,
    meters: list[str],
    years: int,
    *,
    base_load: bool = True,
) -> MockConfigEntry:
    """An entry for ``meters``; returns once set up (a history import runs on its own)."""
    entry = MockConfigEntry(
        domain=DOMAIN,
        unique_id=f"bench-{len(meters)}-{years}",
        data=entry_data(running, meters),
        options={CONF_HISTORY_YEARS: years, CONF_INSIGHTS: {CONF_BASE_LOAD: base_load}},
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    return entry


@pytest.fixture(autouse=True)
def _harness(
    recorder_mock: Recorder, enable_custom_integrations: None, socket_enabled: None
) -> None:
    """The real recorder and the custom integration."""


def gateway_and_tokens(sim: Simulator) -> tuple[int, int]:
    """Gateway requests and token requests the simulator has answered so far."""
    return sim.counts["total"] - sim.counts["token"], sim.counts["token"]


async def test_requests_per_day(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Steady state over 14 simulated days, polled every 15 minutes, against the seed plan's
    literal reading: every meter every 15 minutes, each time with a fresh token. Gateway
    requests and token requests are counted apart.
    """
    monkeypatch.setattr(connection, "RATE_LIMITS", (100_000, 100_000))
    figures: dict[str, dict[str, float]] = {}
    for count in (1, 3, 10):
        freezer.move_to(NOW)
        sim = simulator_for(account(count), SimClock(NOW, frozen=True))
        running = await start(sim)
        entry = await set_up(hass, running, [spec.number for spec in sim.meters.values()], 0)
        await hass.async_block_till_done(wait_background_tasks=True)
        moment = NOW
        end_of_first_day = NOW + timedelta(days=1)
        while moment < end_of_first_day:  # the first day: start-up, not steady state
            moment += QUARTER
            await tick_to(hass, freezer, sim, moment)
        requests, tokens = gateway_and_tokens(sim)
        while moment < end_of_first_day + timedelta(days=DAYS):
            moment += QUARTER
            await tick_to(hass, freezer, sim, moment)
        after = gateway_and_tokens(sim)
        assert await hass.config_entries.async_unload(entry.entry_id)
        await running.stop()
        baseline = await literal_seed_plan(account(count), moment)
        figures[str(count)] = {
            "ours": round((after[0] - requests) / DAYS, 2),
            "tokens": round((after[1] - tokens) / DAYS, 2),
            "baseline": round(baseline, 2),
        }
    record("requests_per_day", figures)


# The days each situation is measured over, after a first day of start-up.
TROUBLE_DAYS = 14


@dataclass(frozen=True, slots=True)
class Situation:
    """Simulator settings from the first day measured, and settings of single days."""

    settings: dict[str, Any]
    days: int
    on_day: dict[int, dict[str, Any]] = field(default_factory=dict)
    # The outage of every meter ends on the day after the last one measured.
    outage_ends: bool = False


async def test_requests_per_day_under_trouble(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Three meters polled every 15 minutes, one situation at a time: steady state, a held day,
    a meter whose data stopped, a delivery outage of 45 days that then ends, the gateway down for
    a day. Gateway and token requests per day: the mean, the day with the most, and the day
    things change (the outage ends, the gateway is down).
    """
    monkeypatch.setattr(connection, "RATE_LIMITS", (100_000, 100_000))
    # The production retries, counted, without their pauses (the clock is frozen between ticks).
    instant = replace(connection.RETRY_POLICY, base_delay=0.0, max_delay=0.0)
    monkeypatch.setattr(connection, "RETRY_POLICY", instant)
    first = NOW.date() + timedelta(days=1)
    situations = {
        "steady_state": Situation({}, TROUBLE_DAYS),
        "one_held_day": Situation({"spike_days": [first.isoformat()]}, TROUBLE_DAYS),
        "one_meter_stopped": Situation(
            {"outage_from": first.isoformat(), "outage_meters": [HOUSEHOLD]}, TROUBLE_DAYS
        ),
        "delivery_outage_45_days": Situation(
            {"outage_from": first.isoformat()}, 45, outage_ends=True
        ),
        "gateway_down_for_a_day": Situation(
            {}, 3, on_day={1: {"gateway_down": True}, 2: {"gateway_down": False}}
        ),
    }
    record(
        "requests_per_day_under_trouble",
        {
            name: await _trouble(hass, freezer, situation, first)
            for name, situation in situations.items()
            if name == os.environ.get("WN_BENCH_ONLY", name)
        },
    )


async def _trouble(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, situation: Situation, first: date
) -> dict[str, Any]:
    """Requests and tokens per day of one situation, three meters, every 15 minutes."""
    freezer.move_to(NOW)
    sim = simulator_for(account(3), SimClock(NOW, frozen=True))
    running = await start(sim)
    entry = await set_up(hass, running, [spec.number for spec in sim.meters.values()], 0)
    await hass.async_block_till_done(wait_background_tasks=True)
    sim.settings.update(situation.settings)
    last = first + timedelta(days=situation.days - 1)
    if situation.outage_ends:
        # Measured through the day after: the backlog may come after that day's usual request.
        sim.settings.update({"outage_ends_on": (last + timedelta(days=1)).isoformat()})
        last += timedelta(days=2)
    moment, day = NOW, NOW.date()
    per_day: list[tuple[int, int]] = []
    while day <= last:
        sim.settings.update(situation.on_day.get((day - first).days, {}))
        before = gateway_and_tokens(sim)
        midnight = datetime.combine(day + timedelta(days=1), datetime.min.time(), VIENNA)
        while moment < midnight:
            moment = min(moment + QUARTER, midnight)
            await tick_to(hass, freezer, sim, moment)
        after = gateway_and_tokens(sim)
        if day >= first:
            per_day.append((after[0] - before[0], after[1] - before[1]))
            _trace(day, sim, after[0] - before[0], midnight - timedelta(days=1))
        day += timedelta(days=1)
    assert await hass.config_entries.async_unload(entry.entry_id)
    await running.stop()
    measured = per_day[:-2] if situation.outage_ends else per_day
    figures: dict[str, Any] = {
        "requests": round(statistics.mean(requests for requests, _ in measured), 2),
        "tokens": round(statistics.mean(tokens for _, tokens in measured), 2),
        "most_requests": max(requests for requests, _ in measured),
        "days": len(measured),
    }
    if situation.outage_ends:
        figures["requests_the_day_it_ends"], figures["tokens_the_day_it_ends"] = per_day[-2]
        figures["requests_the_day_after"], figures["tokens_the_day_after"] = per_day[-1]
    if 1 in situation.on_day:
        figures["requests_the_day_it_happens"], figures["tokens_the_day_it_happens"] = per_day[1]
    return figures


def _trace(day: date, sim: Simulator, requests: int, since: datetime) -> None:
    """With WN_BENCH_TRACE set to a file: append the day's gateway requests (what each asked)."""
    path = os.environ.get("WN_BENCH_TRACE")
    if not path:
        return
    asked = [
        f"  {datetime.fromisoformat(entry['at']).astimezone(VIENNA):%H:%M} {entry['endpoint']} "
        + " ".join(f"{key}={value}" for key, value in entry["query"] if key != "zaehlpunkt")
        for entry in sim.log
        if entry["endpoint"] != "token" and datetime.fromisoformat(entry["at"]) >= since
    ]
    with Path(path).open("a") as out:
        out.write(f"{day} {requests}\n" + "".join(line + "\n" for line in asked))


async def literal_seed_plan(meters: list[MeterSpec], start_at: datetime) -> float:
    """Requests per day of the seed plan taken literally, counted by a simulator of its own."""
    sim = simulator_for(meters, SimClock(start_at, frozen=True))
    running = await start(sim)
    try:
        async with aiohttp.ClientSession() as session:
            moment = start_at
            for _ in range(DAYS * 96):
                moment += QUARTER
                sim.clock.set(moment, frozen=True)
                yesterday = moment.astimezone(VIENNA).date() - timedelta(days=1)
                for spec in meters:
                    client = make_client(
                        session, running, rate_limiter=RateLimiter(1_000_000, 1_000_000)
                    )
                    await client.async_get_readings(
                        yesterday, yesterday, ValueType.QUARTER_HOUR, [spec.number]
                    )
        return sim.counts["total"] / DAYS
    finally:
        await running.stop()


class SimulatorProcess:
    """The simulator in a process of its own, so the figures of this one are the integration's
    and Home Assistant's alone (in the tests it shares the process and the event loop).
    """

    def __init__(
        self, port: int, frozen_at: datetime | None = None, settings: dict[str, str] | None = None
    ) -> None:
        self.port = port
        self.frozen_at = frozen_at
        self.settings = settings or {}
        self.url = f"http://127.0.0.1:{port}"
        self.api_url = f"{self.url}{API_BASE}"
        self.token_url = f"{self.url}{TOKEN_PATH}"
        self._process: asyncio.subprocess.Process | None = None
        self._session: aiohttp.ClientSession

    async def __aenter__(self) -> SimulatorProcess:
        self._session = aiohttp.ClientSession()
        self._process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "simulator",
            "--port",
            str(self.port),
            "--seed",
            "bench",
            *("--set", f"client_id={CLIENT_ID}", "--set", f"client_secret={SECRET}"),
            *("--set", f"api_key={API_KEY}"),
            *(["--now", self.frozen_at.isoformat(), "--frozen"] if self.frozen_at else []),
            *(arg for key, value in self.settings.items() for arg in ("--set", f"{key}={value}")),
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.DEVNULL,
        )
        assert self._process.stdout is not None
        line = await asyncio.wait_for(self._process.stdout.readline(), 60)
        assert self.url.encode() in line, line
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self._session.close()
        assert self._process is not None
        self._process.terminate()
        await self._process.wait()

    async def warm_up(self, meters: list[str], day: date) -> None:
        """Ask for every meter's register once: the simulator adds up each meter's days since
        its installation on the first such request (a second or more), which a real gateway,
        answering from its database, does not.
        """
        client = make_client(self._session, self)
        await client.async_get_readings(day, day, ValueType.METER_READ, meters)

    async def set_clock(self, moment: datetime) -> None:
        """Move the simulator's (frozen) clock to ``moment``."""
        async with self._session.post(
            f"{self.url}/_sim/clock", json={"now": moment.isoformat()}
        ) as reply:
            reply.raise_for_status()

    async def change(self, **settings: Any) -> None:
        """Switch faults or settings at run time."""
        async with self._session.post(f"{self.url}/_sim/settings", json=settings) as reply:
            reply.raise_for_status()

    async def counts(self) -> dict[str, int]:
        """The simulator's request counts."""
        async with self._session.get(f"{self.url}/_sim/state") as reply:
            state: dict[str, Any] = await reply.json()
        return state["counts"]


def free_port() -> int:
    """A port nothing listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


# Files whose allocations are the test harness's bookkeeping (mocks recording their calls, the
# frozen clock), not Home Assistant's or the integration's.
HARNESS = tuple(
    str(
        Path(module.__file__).parent if module.__file__.endswith("__init__.py") else module.__file__
    )
    for module in (unittest.mock, freezegun, pytest_homeassistant_custom_component, _pytest)
    if module.__file__
)
INTEGRATION = str(Path(connection.__file__).parent)


def _growth_mb(stats: list[tracemalloc.StatisticDiff], keep: Callable[[str], bool]) -> float:
    """Bytes gained between two snapshots by the files ``keep`` accepts, in MB."""
    grown = sum(stat.size_diff for stat in stats if keep(stat.traceback[0].filename))
    return round(grown / 1024 / 1024, 3)


def _rss_mb(field: str) -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field):
            return int(line.split()[1]) / 1024
    raise RuntimeError(field)


def _count_rows(hass: HomeAssistant, ids: list[str]) -> int:
    found = statistics_during_period(
        hass, datetime(2000, 1, 1, tzinfo=VIENNA), None, set(ids), "hour", None, {"sum", "mean"}
    )
    return sum(len(rows) for rows in found.values())


async def test_backfill_three_years(hass: HomeAssistant) -> None:
    """Three years of three meters (one with feed-in), in real time with the production rate
    limit and retries: requests, wall time, peak memory growth, rows written, base-load rows.
    """
    meters = [HOUSEHOLD, PHOTOVOLTAIC, DAILY]
    corrected_day = dt_util.now().date() - timedelta(days=730)
    settings = {"spike_days": corrected_day.isoformat()}
    async with (
        SimulatorProcess(free_port(), settings=settings) as running,
        production_like(hass),
    ):
        await running.warm_up(meters, dt_util.now().date() - timedelta(days=1))
        warm_up = await running.counts()
        Path("/proc/self/clear_refs").write_text("5")  # restart the peak (VmHWM) from here
        rss_before = _rss_mb("VmRSS")
        recorder = time.pthread_getcpuclockid(get_instance(hass).ident or 0)
        recorder_cpu, loop_cpu = time.clock_gettime(recorder), time.thread_time()
        started = wall_clock()
        entry = await set_up(hass, running, meters, 3)
        setup_s = wall_clock() - started
        visible = asyncio.ensure_future(_yesterday_visible(hass, meters))
        await hass.async_block_till_done(wait_background_tasks=True)
        first_day_visible_s = (await visible) - started
        wall = wall_clock() - started
        recorder_cpu = time.clock_gettime(recorder) - recorder_cpu
        loop_cpu = time.thread_time() - loop_cpu
        peak_growth = _rss_mb("VmHWM") - rss_before
        counts = await running.counts()
        correction = await _correct_one_day(hass, entry, running, corrected_day)
    history = entry.runtime_data.history.summary()
    assert all(meter.missing_days == 0 for meter in history.values())
    ids = [
        f"{DOMAIN}:{HOUSEHOLD.lower()}_consumption",
        f"{DOMAIN}:{PHOTOVOLTAIC.lower()}_consumption",
        f"{DOMAIN}:{PHOTOVOLTAIC.lower()}_feed_in",
        f"{DOMAIN}:{DAILY.lower()}_consumption",
    ]
    rows = await get_instance(hass).async_add_executor_job(_count_rows, hass, ids)
    base_load_ids = [base_load_statistic_id(number) for number in (HOUSEHOLD, PHOTOVOLTAIC)]
    base_load_rows = await get_instance(hass).async_add_executor_job(
        _count_rows, hass, base_load_ids
    )
    record(
        "backfill",
        {
            "requests": counts["total"] - warm_up["total"],
            "token_requests": counts.get("token", 0) - warm_up.get("token", 0),
            "wall_s": round(wall, 2),
            "rate_limit_wait_s": round(entry.runtime_data.client.stats.rate_limited_s, 1),
            "recorder_cpu_s": round(recorder_cpu, 1),
            "event_loop_cpu_s": round(loop_cpu, 1),
            "peak_rss_mb": round(peak_growth, 1),
            "rows": rows,
            "base_load_rows": base_load_rows,
            "rows_per_s": round(rows / wall),
            "first_day": min(str(meter.data_from) for meter in history.values()),
        },
    )
    record("setup_s", round(setup_s, 3))
    record("first_day_visible_s", round(first_day_visible_s, 2))
    record("correction", correction)


async def test_backfill_three_years_without_base_load(hass: HomeAssistant) -> None:
    """The same import with base load switched off: what the base load costs in import time."""
    meters = [HOUSEHOLD, PHOTOVOLTAIC, DAILY]
    async with SimulatorProcess(free_port()) as running, production_like(hass):
        await running.warm_up(meters, dt_util.now().date() - timedelta(days=1))
        recorder = time.pthread_getcpuclockid(get_instance(hass).ident or 0)
        recorder_cpu, loop_cpu = time.clock_gettime(recorder), time.thread_time()
        started = wall_clock()
        await set_up(hass, running, meters, 3, base_load=False)
        await hass.async_block_till_done(wait_background_tasks=True)
        wall = wall_clock() - started
        record(
            "backfill_without_base_load",
            {
                "wall_s": round(wall, 2),
                "recorder_cpu_s": round(time.clock_gettime(recorder) - recorder_cpu, 1),
                "event_loop_cpu_s": round(time.thread_time() - loop_cpu, 1),
            },
        )


async def _yesterday_visible(hass: HomeAssistant, meters: list[str]) -> float:
    """The wall clock when yesterday's rows of every meter are readable in the recorder."""
    yesterday = dt_util.now().date() - timedelta(days=1)
    start = datetime.combine(yesterday, datetime.min.time(), tzinfo=VIENNA)
    ids = {f"{DOMAIN}:{number.lower()}_consumption" for number in meters}
    while True:
        found = await get_instance(hass).async_add_executor_job(
            statistics_during_period, hass, start, None, ids, "hour", None, {"sum"}
        )
        if set(found) == ids:
            return wall_clock()
        await asyncio.sleep(0.1)


async def _correct_one_day(
    hass: HomeAssistant, entry: MockConfigEntry, running: SimulatorProcess, day: date
) -> dict[str, Any]:
    """Wiener Netze corrects a day two years back (a spike published there is replaced by the
    true value) and the day is read again the way `import_history` does: the rows written, the
    hours corrected, the seconds until the recorder has them, and how far the later sums moved.
    """
    statistic = statistic_id(HOUSEHOLD, Flow.CONSUMPTION)
    sum_before = await _last_sum(hass, statistic)
    await running.change(spike_days=[])
    started = wall_clock()
    report = await entry.runtime_data.async_import_range(day, day, [HOUSEHOLD])
    await get_instance(hass).async_block_till_done()
    seconds = wall_clock() - started
    sum_after = await _last_sum(hass, statistic)
    rows = await get_instance(hass).async_add_executor_job(_count_rows, hass, [statistic])
    assert report.corrected or report.written, "the spike left the statistics unchanged"
    return {
        "rows": report.written,
        "hours_corrected": report.corrected,
        "seconds": round(seconds, 3),
        "later_sums_moved_kwh": round(sum_after - sum_before, 3),
        "rows_in_statistic": rows,
    }


async def _last_sum(hass: HomeAssistant, statistic: str) -> float:
    """The sum of a statistic's newest row (yesterday's last hour)."""
    today = datetime.combine(dt_util.now().date(), datetime.min.time(), tzinfo=VIENNA)
    found = await get_instance(hass).async_add_executor_job(
        statistics_during_period,
        hass,
        today - timedelta(hours=1),
        None,
        {statistic},
        "hour",
        None,
        {"sum"},
    )
    return float(found[statistic][-1]["sum"] or 0)


async def test_update_cpu_and_memory(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """CPU time of steady-state updates (most ask nothing; a few fetch a day and sync), and
    the memory traced over 1000 updates after a warm-up.
    """
    monkeypatch.setattr(connection, "RATE_LIMITS", (100_000, 100_000))
    freezer.move_to(NOW)
    async with SimulatorProcess(free_port(), frozen_at=NOW) as running, production_like(hass):
        await running.warm_up([HOUSEHOLD, PHOTOVOLTAIC, DAILY], NOW.date() - timedelta(days=1))
        entry = await set_up(hass, running, [HOUSEHOLD, PHOTOVOLTAIC, DAILY], 0)
        await hass.async_block_till_done(wait_background_tasks=True)
        coordinator = entry.runtime_data
        moment = NOW

        async def update() -> float:
            nonlocal moment
            moment += QUARTER
            freezer.move_to(moment)
            await running.set_clock(moment)
            started = time.process_time()
            await coordinator.async_refresh()
            await hass.async_block_till_done(wait_background_tasks=True)
            return (time.process_time() - started) * 1000

        cpu = [await update() for _ in range(200)]
        gc.collect()
        tracemalloc.start()
        for _ in range(100):  # warm-up: caches, first days of the window
            await update()
        gc.collect()
        first = tracemalloc.take_snapshot()
        for _ in range(1000):
            await update()
        gc.collect()
        last = tracemalloc.take_snapshot()
        tracemalloc.stop()
    growth = last.compare_to(first, "filename")
    for stat in growth[:8]:
        print(f"memory growth by file: {stat}", file=sys.stderr)
    ordered = sorted(cpu)
    record(
        "update_cpu_ms",
        {
            "median": round(statistics.median(cpu), 2),
            "p95": round(ordered[int(0.95 * len(ordered)) - 1], 2),
            "max": round(ordered[-1], 2),
            "updates": len(cpu),
        },
    )
    record("memory_growth_mb", _growth_mb(growth, lambda name: not name.startswith(HARNESS)))
    record("memory_growth_integration_mb", _growth_mb(growth, lambda name: INTEGRATION in name))
    record("memory_growth_harness_mb", _growth_mb(growth, lambda name: name.startswith(HARNESS)))
    record("memory_days", (moment - NOW).days)
