"""The fault matrix: one scenario, run clean and once per fault; nothing may be lost.

Three meters with a month of history are set up, then a week of daily updates follows; each
fault hits at its moment (in the middle of the history import, or on a day of the week) and is
cleared before two more days of updates. Afterwards every hourly statistic must equal the
clean run's (and the simulator's truth), no exception may have gone unhandled, and the client
secret, the API key and the bearer tokens must appear in no log line and no diagnostics.
A line per scenario and the total are printed at the end of the test session.
"""

from __future__ import annotations

import asyncio
import json
import logging
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
from homeassistant.util import dt as dt_util
from pytest_homeassistant_custom_component.common import async_fire_time_changed

from custom_components.wiener_netze.api import Flow
from custom_components.wiener_netze.diagnostics import async_get_config_entry_diagnostics
from custom_components.wiener_netze.statistics_writer import PENDING_WRITES
from simulator.account import DAILY, HOUSEHOLD, PHOTOVOLTAIC, default_account
from simulator.app import Simulator
from simulator.clock import SimClock
from simulator.profiles import VIENNA
from simulator.server import RunningSimulator
from simulator.settings import Settings
from tests.support import API_KEY, CLIENT_ID, NOW, SECRET

from .conftest import make_entry
from .statistics_support import stored, truth_days, truth_hours
from .test_coordinator import tick_to

METERS = (HOUSEHOLD, PHOTOVOLTAIC, DAILY)
INSTALLED = date(2026, 10, 21)  # a month of history before NOW
WEEK = [date(2026, 11, 22) + timedelta(days=index) for index in range(7)]
AFTER = [date(2026, 11, 29), date(2026, 11, 30)]  # the faults are cleared before these
LAST = date(2026, 11, 29)  # the newest complete day at the end
TICKS = ((0, 5), (6, 5), (6, 20), (6, 35), (9, 40), (12, 45))
# Requests before the history import's first: master data, and the first update's three.
BEFORE_IMPORT = 4
UNHANDLED = ("Traceback", "Error doing job", "Unexpected error", "Task exception", "Exception in")
RESULTS: list[tuple[str, str]] = []  # (scenario, "ok" or what failed), for the summary


@dataclass(frozen=True)
class Fault:
    """A fault: settings at the start, settings on given days, a restart, what it shows."""

    name: str
    what: str
    start: dict[str, Any] = field(default_factory=dict)
    on_day: dict[date, dict[str, Any]] = field(default_factory=dict)
    restart: bool = False
    # Proof the fault hit, checked before it is cleared: a log message, or "differs" (the
    # statistics were not yet the truth), or nothing for faults handled without a trace.
    evidence: str = ""


FAULTS = [
    Fault("clean", "no fault"),
    Fault(
        "token_expired",
        "the token expires in the middle of the history import",
        {"arm_after": BEFORE_IMPORT + 1, "expire_tokens_next": 1},
        evidence="-> 401",
    ),
    Fault(
        "unauthorized",
        "a 401 during the import",
        {"arm_after": BEFORE_IMPORT, "unauthorized_next": 1},
    ),
    Fault(
        "rate_limited",
        "a 429 with Retry-After during the import",
        {"arm_after": BEFORE_IMPORT, "rate_limited_next": 1, "retry_after": 120},
        evidence="History import paused",
    ),
    Fault(
        "server_errors",
        "a burst of five 503s during the import",
        {"arm_after": BEFORE_IMPORT, "server_errors_next": 5},
        evidence="History import paused",
    ),
    Fault(
        "hanging",
        "a window request that hangs (the client gives up after its timeout, a pause follows)",
        on_day={WEEK[1]: {"hang_next": 1, "hang_seconds": 600}},
        evidence="no answer in time",
    ),
    Fault(
        "malformed_json",
        "an HTML error page instead of JSON during the import",
        {"arm_after": BEFORE_IMPORT, "malformed_next": 2},
        evidence="History import paused",
    ),
    Fault(
        "truncated",
        "a truncated body during the import",
        {"arm_after": BEFORE_IMPORT, "truncated_next": 2},
        evidence="History import paused",
    ),
    Fault(
        "wrong_unit",
        "values in a wrong unit for two days",
        on_day={WEEK[1]: {"wrong_unit": "VARH"}, WEEK[3]: {"wrong_unit": None}},
        evidence="cannot be read",
    ),
    *(
        Fault(
            f"bad_{kind}",
            f"one {kind} value per meter in a bulk answer",
            on_day={
                WEEK[1]: {"bad_value": kind, "bad_value_day": WEEK[0]},
                WEEK[3]: {"bad_value": None},
            },
            evidence="cannot be read",
        )
        for kind in ("empty", "negative", "text", "reversed")
    ),
    Fault(
        "bad_unit",
        "one register in an unknown unit",
        on_day={WEEK[1]: {"bad_unit_meter": HOUSEHOLD}, WEEK[3]: {"bad_unit_meter": None}},
        evidence="cannot be read",
    ),
    Fault(
        "other_register",
        "an energy-community register beside consumption and feed-in",
        {"other_register": True},
    ),
    Fault(
        "slow_rounds",
        "history rounds over 25 days time out at the gateway (504) until the second day",
        {"slow_range_days": 25},
        on_day={WEEK[1]: {"slow_range_days": 0}},
        evidence="in two",
    ),
    Fault(
        "day_400",
        "a day of the history the gateway answers 400 for, for two days",
        {"bad_request_days": [date(2026, 10, 25)]},
        on_day={WEEK[1]: {"bad_request_days": []}},
        evidence="tried again tomorrow",
    ),
    Fault(
        "duplicated",
        "duplicated intervals",
        {"duplicated_interval_days": [date(2026, 11, 10), WEEK[2]]},
        evidence="duplicated intervals",
    ),
    Fault(
        "missing",
        "missing intervals until the end",
        {"missing_interval_days": [WEEK[3]]},
        evidence="differs",
    ),
    Fault(
        "scaled",
        "a day scaled by ten until the end",
        {"scaled_days": [WEEK[1]]},
        evidence="differs",
    ),
    Fault(
        "spike",
        "a 23,944 kWh spike until the end",
        {"spike_days": [WEEK[4]]},
        evidence="differs",
    ),
    Fault(
        "restart",
        "Home Assistant restarted in the middle of the import",
        {"offline_after": BEFORE_IMPORT + 2},
        restart=True,
        evidence="History import paused",
    ),
    Fault(
        "network_gone",
        "the network gone for a day",
        on_day={WEEK[2]: {"offline": True}, WEEK[3]: {"offline": False}},
        evidence="Error fetching wiener_netze data",
    ),
    Fault(
        "gateway_down",
        "every gateway request answered 503 for a day",
        on_day={WEEK[2]: {"gateway_down": True}, WEEK[3]: {"gateway_down": False}},
        evidence="cannot be read",
    ),
    Fault(
        "delivery_outage",
        "nothing published from ten days before the week to its end, then the backlog at once",
        {"outage_from": date(2026, 11, 11)},
        evidence="differs",
    ),
    Fault(
        "no_registers",
        "one meter answered without registers for two days",
        on_day={
            WEEK[1]: {"no_registers_meters": [HOUSEHOLD]},
            WEEK[3]: {"no_registers_meters": []},
        },
        evidence="without any register",
    ),
    Fault(
        "absent_meter",
        "one meter missing from the day values' answers for two days",
        on_day={
            WEEK[1]: {"absent_meters": [HOUSEHOLD], "absent_value_types": ["DAY"]},
            WEEK[3]: {"absent_meters": []},
        },
    ),
    Fault(
        "refused_alone",
        "one meter refused alone (403) across a restart, then readable again",
        {"forbidden_meters": [HOUSEHOLD]},
        restart=True,
        evidence="can no longer be read",
    ),
    Fault(
        "empty_meter_list",
        "the account's meter list empty, each meter still answering",
        {"empty_meter_list": True},
    ),
    Fault(
        "unrequested_meter",
        "bulk answers carrying a meter nobody asked for",
        {"unrequested_meter": "AT0010000000000000001000000000009"},
        evidence="not asked for",
    ),
]


@pytest.fixture
def sim_state() -> Simulator:
    """The test account's three meters, installed a month before ``NOW``; validated values."""
    settings = Settings(client_id=CLIENT_ID, client_secret=SECRET, api_key=API_KEY)
    settings.estimate_share = 0.0
    meters = [replace(spec, installed=max(spec.installed, INSTALLED)) for spec in default_account()]
    return Simulator(
        seed="tests", clock=SimClock(NOW, frozen=True), settings=settings, meters=meters
    )


def expected_rows(sim: Simulator) -> dict[str, dict[datetime, float]]:
    """The truth of every statistic of the scenario, per hour (per day for the day meter)."""
    truth: dict[str, dict[datetime, float]] = {}
    for number in (HOUSEHOLD, PHOTOVOLTAIC):
        truth[f"{number}/consumption"] = truth_hours(sim, number, INSTALLED, LAST, False)
    truth[f"{PHOTOVOLTAIC}/feed_in"] = truth_hours(sim, PHOTOVOLTAIC, INSTALLED, LAST, True)
    truth[f"{DAILY}/consumption"] = truth_days(sim, DAILY, INSTALLED, LAST)
    return truth


async def stored_rows(hass: HomeAssistant) -> dict[str, dict[datetime, dict[str, Any]]]:
    """Every imported row of the scenario's statistics."""
    result = {}
    for number, flow in (
        (HOUSEHOLD, Flow.CONSUMPTION),
        (PHOTOVOLTAIC, Flow.CONSUMPTION),
        (PHOTOVOLTAIC, Flow.FEED_IN),
        (DAILY, Flow.CONSUMPTION),
    ):
        result[f"{number}/{flow.value}"] = await stored(hass, number, flow)
    return result


CLEAN: dict[str, dict[datetime, dict[str, Any]]] = {}


def compare(rows: dict[str, dict[datetime, dict[str, Any]]], sim: Simulator) -> list[str]:
    """What differs from the truth and from the clean run (empty: nothing)."""
    problems = []
    for key, truth in expected_rows(sim).items():
        got = rows[key]
        if sorted(got) != sorted(truth):
            missing, extra = sorted(set(truth) - set(got)), sorted(set(got) - set(truth))
            problems.append(f"{key}: {len(missing)} hours missing {missing[:2]}, extra {extra[:2]}")
            continue
        total = 0.0
        for start in sorted(truth):
            total += truth[start]
            if (
                abs(got[start]["change"] - truth[start]) > 1e-6
                or abs(got[start]["sum"] - total) > 1e-4
            ):
                problems.append(f"{key} {start}: {got[start]['change']} != {truth[start]}")
                break
        if CLEAN and key in CLEAN:
            clean = {start: (row["change"], row["sum"]) for start, row in CLEAN[key].items()}
            mine = {start: (row["change"], row["sum"]) for start, row in got.items()}
            if clean.keys() != mine.keys() or any(
                abs(clean[s][0] - mine[s][0]) > 1e-6 or abs(clean[s][1] - mine[s][1]) > 1e-4
                for s in clean
            ):
                problems.append(f"{key}: differs from the clean run")
    return problems


@pytest.mark.parametrize("fault", FAULTS, ids=[fault.name for fault in FAULTS])
async def test_fault(
    hass: HomeAssistant,
    simulator: RunningSimulator,
    sim_state: Simulator,
    freezer: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
    fault: Fault,
) -> None:
    """The scenario under one fault; afterwards the statistics are the clean run's."""
    caplog.set_level(logging.DEBUG, logger="custom_components.wiener_netze")
    issued: list[str] = []
    monkeypatch.setattr(secrets, "token_urlsafe", _recording(secrets.token_urlsafe, issued))
    outcome = "failed"
    try:
        sim_state.settings.update(fault.start)
        entry = make_entry(simulator, list(METERS), history_years=1)
        entry.add_to_hass(hass)
        await hass.config_entries.async_setup(entry.entry_id)
        await hass.async_block_till_done(wait_background_tasks=True)
        restarted_at = 0
        if fault.restart:
            assert await hass.config_entries.async_unload(entry.entry_id)
            restarted_at = len(caplog.records)
            sim_state.settings.offline = False
            sim_state.settings.offline_after = -1
            assert await hass.config_entries.async_setup(entry.entry_id)
            await hass.async_block_till_done(wait_background_tasks=True)
        for day in WEEK:
            sim_state.settings.update(fault.on_day.get(day, {}))
            await run_day(hass, freezer, sim_state, day, slow=bool(fault.on_day.get(day)))
        if fault.evidence == "differs":
            assert compare(await stored_rows(hass), sim_state), "the fault changed nothing"
        elif fault.evidence:
            assert fault.evidence in caplog.text, f"no sign of the fault: {fault.evidence}"
        for name in fault.start:
            if name.endswith("_next"):
                assert getattr(sim_state.settings, name) == 0, f"{name} never hit"
        clear_faults(sim_state.settings)
        for day in AFTER:
            await run_day(hass, freezer, sim_state, day)

        rows = await stored_rows(hass)
        problems = compare(rows, sim_state)
        assert problems == [], problems
        if fault.name == "clean":
            CLEAN.update(rows)

        # Handled errors are logged without a traceback above debug level (the coordinator
        # adds one at debug); an unhandled one comes with a traceback or these words.
        unhandled = [
            record.getMessage()
            for record in caplog.records
            if record.levelno > logging.DEBUG
            and (record.exc_info or any(mark in record.getMessage() for mark in UNHANDLED))
        ]
        assert unhandled == []
        # Every loss is named once (in each run of Home Assistant): no warning repeats itself.
        for run in (caplog.records[:restarted_at], caplog.records[restarted_at:]):
            warnings = [
                record.getMessage()
                for record in run
                if record.levelno >= logging.WARNING and record.name.startswith("custom_components")
            ]
            repeated = {message for message in warnings if warnings.count(message) > 1}
            assert not repeated, repeated
        diagnostics = json.dumps(await async_get_config_entry_diagnostics(hass, entry))
        assert issued, "the scenario obtained no token"
        for secret in (SECRET, API_KEY, *issued):
            assert secret not in caplog.text, "a secret in the log"
            assert secret not in diagnostics, "a secret in the diagnostics"
        outcome = "ok"
    finally:
        RESULTS.append((fault.name, f"{fault.what}: {outcome}"))


def _recording(make: Callable[..., str], issued: list[str]) -> Callable[..., str]:
    """``secrets.token_urlsafe`` that remembers what it made (the simulator's tokens)."""

    def token_urlsafe(*args: Any) -> str:
        token = make(*args)
        issued.append(token)
        return token

    return token_urlsafe


async def run_day(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    sim: Simulator,
    day: date,
    *,
    slow: bool = False,
) -> None:
    """The updates of one day: after midnight, around publication, the rechecks.

    On a fault's day each tick is followed by another two minutes later: a hanging request is
    given up by the client after its timeout, and that time has to pass.
    """
    for hour, minute in TICKS:
        moment = datetime(day.year, day.month, day.day, hour, minute, tzinfo=VIENNA)
        if not slow:
            await tick_to(hass, freezer, sim, moment)
            continue
        freezer.move_to(moment)
        sim.clock.set(moment)
        hanging = sim.settings.hang_next > 0
        async_fire_time_changed(hass, dt_util.utcnow())
        for _ in range(300):  # let the update's request reach the simulator
            await asyncio.sleep(0)
        for _ in range(500):  # a request that hangs: until it does (a busy machine is slow)
            if not hanging or sim.settings.hang_next == 0:
                break
            await asyncio.sleep(0)
        # Firing every timer would also fire the bounded waits for the recorder's confirmation
        # (a stall that did not happen): the writes queued so far are confirmed first.
        await writes_confirmed(hass)
        async_fire_time_changed(hass, dt_util.utcnow() + timedelta(minutes=2), fire_all=True)
        await hass.async_block_till_done(wait_background_tasks=True)


async def writes_confirmed(hass: HomeAssistant) -> None:
    """Wait (in real time, a busy machine is slow) until the recorder confirmed each write."""
    for _ in range(3000):
        pending = hass.data.get(PENDING_WRITES, {}).values()
        if all(barrier.done() for barrier in pending):
            return
        await hass.async_add_executor_job(time.sleep, 0.01)
    raise AssertionError("the recorder confirmed no write within 30 s")


def clear_faults(settings: Settings) -> None:
    """Everything back to a good day (credentials and the scenario's data settings kept)."""
    good = Settings()
    for name in (
        "arm_after", "expire_tokens_next", "unauthorized_next", "rate_limited_next",
        "server_errors_next", "hang_next", "malformed_next", "truncated_next", "offline",
        "offline_after", "wrong_unit", "missing_interval_days", "duplicated_interval_days",
        "scaled_days", "spike_days", "bad_value", "bad_value_day", "bad_unit_meter",
        "other_register", "slow_range_days", "bad_request_days", "gateway_down", "outage_from",
        "no_registers_meters", "absent_meters", "absent_value_types", "forbidden_meters",
        "empty_meter_list", "unrequested_meter",
    ):  # fmt: skip
        setattr(settings, name, getattr(good, name))
