"""The unusual-day event: fires exactly for the unusual days newly delivered, once, never for
what came with the set-up or the history import, also across a restart and on clock-change days.

The simulator puts 6 kWh more into given days (``extra_kwh_days``) and raises the standby by
150 W for one day (``standby_raised_from``), for the flat's meter only; the house with PV and the
day-values meter are the controls: no event may fire for them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from datetime import date, datetime, time, timedelta
from typing import Any

import pytest
from freezegun.api import FrozenDateTimeFactory
from homeassistant.const import STATE_UNAVAILABLE, STATE_UNKNOWN
from homeassistant.core import Event, EventStateChangedData, HomeAssistant, callback
from homeassistant.helpers import entity_registry as er
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.wiener_netze.api.vienna_time import days_between
from custom_components.wiener_netze.const import (
    CONF_INSIGHTS,
    CONF_UNUSUAL_BAND,
    CONF_UNUSUAL_DAYS,
)
from custom_components.wiener_netze.day_ledger import DayEntry
from custom_components.wiener_netze.entry_options import EntryOptions
from custom_components.wiener_netze.saved_state import SavedStateStore, from_day_ranges
from custom_components.wiener_netze.unusual_days import Kind, band, judge_day
from custom_components.wiener_netze.unusual_watch import UnusualWatch
from simulator.account import DAILY, HOUSEHOLD, PHOTOVOLTAIC
from simulator.app import Simulator
from simulator.profiles import VIENNA
from simulator.server import RunningSimulator

from .conftest import make_entry
from .test_coordinator import tick_to

ONE_DAY = timedelta(days=1)
METERS = [HOUSEHOLD, PHOTOVOLTAIC, DAILY]


def morning(day: date) -> datetime:
    """08:05 in Vienna: the day before is published."""
    return datetime.combine(day, time(8, 5), tzinfo=VIENNA)


async def mornings(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    sim: Simulator,
    days: Iterable[date],
) -> None:
    """The morning update of each of ``days``, in turn."""
    for day in days:
        await tick_to(hass, freezer, sim, morning(day))


class Fired:
    """Every event the unusual-day entities fire: (meter, kind, day) and its data."""

    def __init__(self, hass: HomeAssistant) -> None:
        self.hass = hass
        self.events: list[tuple[str, str, str]] = []
        self.data: dict[tuple[str, str, str], dict[str, Any]] = {}
        self._seen: set[tuple[str, str]] = set()
        hass.bus.async_listen("state_changed", self._changed)

    @callback
    def _changed(self, event: Event[EventStateChangedData]) -> None:
        new = event.data["new_state"]
        if new is None or not new.entity_id.startswith("event."):
            return
        if new.state in (STATE_UNAVAILABLE, STATE_UNKNOWN):
            return
        old = event.data["old_state"]
        if old is None or old.state == STATE_UNAVAILABLE:
            return  # restored after a reload, or a change no automation's trigger sees
        if (new.entity_id, new.state) in self._seen:
            return
        self._seen.add((new.entity_id, new.state))
        entry = er.async_get(self.hass).async_get(new.entity_id)
        assert entry is not None
        number = entry.unique_id.split("_")[0]
        key = (number, new.attributes["event_type"], new.attributes["day"])
        self.events.append(key)
        self.data[key] = dict(new.attributes)


async def set_up(hass: HomeAssistant, simulator: RunningSimulator, **options: Any) -> Any:
    """The three meters with a year of history (the references), set up and imported."""
    entry = make_entry(simulator, METERS, history_years=1, **options)
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)
    return entry


@pytest.fixture(autouse=True)
def _unusual(sim_state: Simulator) -> None:
    """Known standby, validated values, tokens that outlive the test's days."""
    sim_state.settings.update(
        {
            "standby": True,
            "estimate_share": 0.0,
            "token_lifetime": 200 * 24 * 3600,
            "unusual_meters": [HOUSEHOLD],
        }
    )


async def test_fires_exactly_for_the_unusual_days(
    hass: HomeAssistant,
    simulator: RunningSimulator,
    sim_state: Simulator,
    freezer: FrozenDateTimeFactory,
) -> None:
    """6 kWh more on 25 November, 150 W more standby on 28 November: one consumption event for
    the 25th, one consumption and one base-load event for the 28th, nothing for the day after
    (back to normal) and nothing for the days before the set-up, in the window (18 November)
    or in the history import (10 November). A restart after the 25th does not fire it again."""
    sim_state.settings.update(
        {
            "extra_kwh_days": "2026-11-10,2026-11-18,2026-11-25",
            "standby_raised_from": "2026-11-28",
            "standby_raise_days": 1,
        }
    )
    fired = Fired(hass)
    entry = await set_up(hass, simulator)
    assert fired.events == []
    assert hass.states.get("event.wohnung_unusual_day") is not None

    await mornings(hass, freezer, sim_state, days_between(date(2026, 11, 22), date(2026, 11, 27)))
    assert fired.events == [(HOUSEHOLD, "unusual_consumption", "2026-11-25")]
    data = fired.data[fired.events[0]]
    truth = sim_state.views[HOUSEHOLD].truth
    assert data["value"] == pytest.approx(truth.day_total(date(2026, 11, 25), False) / 1000)
    assert data["unit"] == "kWh"
    assert data["direction"] == "high"
    assert data["reference_days"] == 8
    assert data["expected_low"] < data["expected"] < data["expected_high"] < data["value"]
    assert data["ratio"] == pytest.approx(data["value"] / data["expected"], abs=0.01)
    assert data["value"] - data["expected"] == pytest.approx(6, abs=2.5)

    # A restart: the 25th was judged and saved, it does not fire again.
    assert await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)
    await mornings(hass, freezer, sim_state, days_between(date(2026, 11, 28), date(2026, 12, 2)))
    assert sorted(fired.events) == [
        (HOUSEHOLD, "unusual_base_load", "2026-11-28"),
        (HOUSEHOLD, "unusual_consumption", "2026-11-25"),
        (HOUSEHOLD, "unusual_consumption", "2026-11-28"),
    ]
    base = fired.data[(HOUSEHOLD, "unusual_base_load", "2026-11-28")]
    assert base["unit"] == "W"
    assert base["value"] == pytest.approx(85 + 150, abs=5)
    assert base["expected"] == pytest.approx(85, abs=5)
    judged = from_day_ranges(entry.runtime_data.saved.state.judged[HOUSEHOLD])
    assert {date(2026, 11, 25), date(2026, 11, 28)} <= judged


async def test_a_restart_before_the_day_is_judged_fires_it_once(
    hass: HomeAssistant,
    simulator: RunningSimulator,
    sim_state: Simulator,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Home Assistant stopped before the unusual day was published and started after: the day
    fires once, at the first update that brings it."""
    sim_state.settings.update({"extra_kwh_days": "2026-11-23"})
    fired = Fired(hass)
    entry = await set_up(hass, simulator)
    await tick_to(hass, freezer, sim_state, morning(date(2026, 11, 23)))  # the 22nd
    assert await hass.config_entries.async_unload(entry.entry_id)
    freezer.move_to(morning(date(2026, 11, 26)))
    sim_state.clock.set(morning(date(2026, 11, 26)))
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)
    await tick_to(hass, freezer, sim_state, morning(date(2026, 11, 27)))
    assert fired.events == [(HOUSEHOLD, "unusual_consumption", "2026-11-23")]


async def test_fired_after_a_failed_update(
    hass: HomeAssistant,
    simulator: RunningSimulator,
    sim_state: Simulator,
    freezer: FrozenDateTimeFactory,
) -> None:
    """The gateway fails at 6:00; the update that brings the unusual day at 8:05 succeeds: the
    event fires from the entity's available state, where an automation sees it."""
    sim_state.settings.update({"extra_kwh_days": "2026-11-23"})
    fired = Fired(hass)
    entry = await set_up(hass, simulator)
    await tick_to(hass, freezer, sim_state, morning(date(2026, 11, 23)))
    sim_state.settings.gateway_down = True
    await tick_to(hass, freezer, sim_state, datetime(2026, 11, 24, 6, 0, tzinfo=VIENNA))
    assert not entry.runtime_data.last_update_success
    sim_state.settings.gateway_down = False
    await tick_to(hass, freezer, sim_state, datetime(2026, 11, 24, 8, 5, tzinfo=VIENNA))
    assert entry.runtime_data.last_update_success
    assert fired.events == [(HOUSEHOLD, "unusual_consumption", "2026-11-23")]


@pytest.mark.parametrize(
    ("start", "clock_change", "quarter_hours"),
    [(date(2026, 3, 25), date(2026, 3, 29), 92), (date(2026, 10, 21), date(2026, 10, 25), 100)],
)
async def test_clock_change_days(
    hass: HomeAssistant,
    simulator: RunningSimulator,
    sim_state: Simulator,
    freezer: FrozenDateTimeFactory,
    start: date,
    clock_change: date,
    quarter_hours: int,
) -> None:
    """A day of 23 or 25 hours is not unusual by its length; with 6 kWh more it is, once."""
    assert len(sim_state.views[HOUSEHOLD].truth.day(clock_change).starts) == quarter_hours
    sim_state.settings.update({"extra_kwh_days": [clock_change.isoformat()]})
    freezer.move_to(morning(start))
    sim_state.clock.set(morning(start))
    fired = Fired(hass)
    await set_up(hass, simulator)
    days = days_between(start + ONE_DAY, clock_change + 3 * ONE_DAY)
    await mornings(hass, freezer, sim_state, days)
    assert fired.events == [(HOUSEHOLD, "unusual_consumption", clock_change.isoformat())]


@pytest.mark.parametrize(("width", "fires"), [(3.0, True), (6.0, False)])
async def test_the_band_width_option(
    hass: HomeAssistant,
    simulator: RunningSimulator,
    sim_state: Simulator,
    freezer: FrozenDateTimeFactory,
    width: float,
    fires: bool,
) -> None:
    """4 kWh more (about half the day again) is unusual with the default band of 3, usual with
    a band of 6 robust deviations."""
    sim_state.settings.update({"extra_kwh_days": "2026-11-23", "extra_kwh": 4.0})
    fired = Fired(hass)
    entry = await set_up(hass, simulator, **{CONF_INSIGHTS: {CONF_UNUSUAL_BAND: width}})
    assert entry.runtime_data.options.unusual_band == width
    await mornings(hass, freezer, sim_state, days_between(date(2026, 11, 23), date(2026, 11, 25)))
    expected = [(HOUSEHOLD, "unusual_consumption", "2026-11-23")]
    assert fired.events == (expected if fires else [])


async def test_switched_off(
    hass: HomeAssistant,
    simulator: RunningSimulator,
    sim_state: Simulator,
    freezer: FrozenDateTimeFactory,
) -> None:
    """No event entities, nothing judged, nothing kept for it."""
    sim_state.settings.update({"extra_kwh_days": "2026-11-23"})
    fired = Fired(hass)
    entry = await set_up(hass, simulator, **{CONF_INSIGHTS: {CONF_UNUSUAL_DAYS: False}})
    await mornings(hass, freezer, sim_state, days_between(date(2026, 11, 23), date(2026, 11, 25)))
    assert fired.events == []
    assert hass.states.async_all("event") == []
    state = entry.runtime_data.saved.state
    assert (state.unusual_from, state.judged, state.steps) == ({}, {}, {})


async def test_a_lasting_step_is_named_once(
    hass: HomeAssistant,
    simulator: RunningSimulator,
    sim_state: Simulator,
    freezer: FrozenDateTimeFactory,
) -> None:
    """300 W more standby from 23 November for good, with a day never delivered in between:
    one base-load and one consumption event, on the first day; the step stays open."""
    sim_state.settings.update(
        {
            "standby_raised_from": "2026-11-23",
            "standby_raise_w": 300,
            "standby_raise_days": 0,
            "undelivered_days": "2026-11-25",
        }
    )
    fired = Fired(hass)
    entry = await set_up(hass, simulator)
    await mornings(hass, freezer, sim_state, days_between(date(2026, 11, 22), date(2026, 12, 1)))
    assert sorted(fired.events) == [
        (HOUSEHOLD, "unusual_base_load", "2026-11-23"),
        (HOUSEHOLD, "unusual_consumption", "2026-11-23"),
    ]
    assert fired.data[(HOUSEHOLD, "unusual_base_load", "2026-11-23")]["value"] == pytest.approx(
        385, abs=5
    )
    steps = entry.runtime_data.saved.state.steps[HOUSEHOLD]
    assert steps == {
        "unusual_base_load": ["high", "2026-11-23", "2026-11-30"],
        "unusual_consumption": ["high", "2026-11-23", "2026-11-30"],
    }


def ledger_of(values: dict[date, float], base: float | None = 80.0) -> dict[date, DayEntry]:
    """A ledger of day totals (kWh), every day with the same base load."""
    return {day: DayEntry(kwh, base) for day, kwh in values.items()}


def test_the_band_is_robust_and_needs_four_weeks() -> None:
    """One odd reference week does not widen the band; three weeks are not enough."""
    assert band([10.0, 10.2, 9.8], 3, 0.01) is None
    found = band([10.0, 10.2, 9.8, 10.1, 9.9, 30.0], 3, 0.01)
    assert found is not None
    assert found.median == pytest.approx(10.05)
    without = band([10.0, 10.2, 9.8, 10.1, 9.9], 3, 0.01)
    assert without is not None
    assert found.high == pytest.approx(without.high, rel=0.01)
    day = date(2026, 11, 25)
    weeks = {day - timedelta(weeks=w): 10.0 + 0.2 * (w % 3) for w in range(1, 9)}
    ledger = ledger_of({**weeks, day: 14.0})
    assert [f.kind for f in judge_day(HOUSEHOLD, ledger, day, 3.0, tuple(Kind))] == [
        Kind.CONSUMPTION
    ]
    assert judge_day(HOUSEHOLD, ledger, day, 6.0, tuple(Kind)) == []  # a wider band
    low = ledger_of({**weeks, day: 5.0})
    (finding,) = judge_day(HOUSEHOLD, low, day, 3.0, tuple(Kind))
    assert finding.direction == "low"
    assert finding.event_data()["ratio"] == pytest.approx(0.49, abs=0.01)


async def test_days_arriving_late_do_not_reopen_a_step(hass: HomeAssistant) -> None:
    """A base load raised on days 1 and 3 (day 2 not there yet): one event, for day 1. Day 2
    comes late and usual, between them: the step stays open. Day 0 comes late and low: it is
    named, the step stays open. Day 4, still raised: nothing. Day 5 usual closes the step, and
    day 6 raised again is named."""
    saved = SavedStateStore(hass, "steps")
    options = replace(EntryOptions.of(MockConfigEntry(domain="x")), unusual_band=3.0)
    watch = UnusualWatch(saved, {}, options)
    first = date(2026, 11, 2)  # a Monday: day 0
    ledger = {
        first - timedelta(weeks=w) + timedelta(days=d): [10.0, 80.0, True]
        for w in range(1, 9)
        for d in range(7)
    }
    state = saved.state
    state.unusual_from = {HOUSEHOLD: first.isoformat()}

    async def deliver(today: int, **days: float) -> list[tuple[str, int]]:
        for name, base in days.items():
            ledger[first + int(name[1:]) * ONE_DAY] = [10.0, base, False]
        state.ledger = {HOUSEHOLD: {d.isoformat(): v for d, v in sorted(ledger.items())}}
        found = await watch.async_check([HOUSEHOLD], first + today * ONE_DAY)
        return [(f.direction, (f.day - first).days) for f in found if f.kind is Kind.BASE_LOAD]

    assert await deliver(4, d1=300.0, d3=300.0) == [("high", 1)]
    assert await deliver(4, d2=80.0) == []
    assert await deliver(4, d0=20.0) == [("low", 0)]
    assert state.steps[HOUSEHOLD]["unusual_base_load"][0] == "high"
    assert await deliver(5, d4=300.0) == []
    assert await deliver(6, d5=80.0) == []
    assert state.steps == {}
    assert await deliver(7, d6=300.0) == [("high", 6)]
    queued = [(f.day - first).days for f in watch.take(HOUSEHOLD)]
    assert queued == [1, 0, 6]
