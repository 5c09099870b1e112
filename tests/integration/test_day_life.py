"""A day's life: a day asked for before Wiener Netze had its data waits for it, is asked for
again and arrives; a meter that was not read keeps its days' state; what never comes becomes a
gap only once the meters no longer keep it."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest
from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
from homeassistant.helpers import issue_registry as ir
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.wiener_netze.api import Flow
from custom_components.wiener_netze.const import DOMAIN
from custom_components.wiener_netze.history_import import HistoryImport
from custom_components.wiener_netze.history_plan import async_missing
from custom_components.wiener_netze.issues import gap_issue_id
from simulator.account import DAILY, HOUSEHOLD, PHOTOVOLTAIC
from simulator.app import Simulator
from simulator.profiles import VIENNA
from simulator.server import RunningSimulator
from tests.support import NOW

from .conftest import make_entry
from .helpers import state
from .statistics_support import (
    assert_equal_hours,
    assert_states_are_registers,
    published_hours,
    stored,
)
from .test_coordinator import tick_to

ONE_DAY = timedelta(days=1)
TODAY = NOW.date()
# Nothing is published from this day on: 45 days before NOW (the meters keep 60).
OUTAGE = TODAY - 45 * ONE_DAY
METERS = [HOUSEHOLD, PHOTOVOLTAIC, DAILY]
STATISTICS = [
    (HOUSEHOLD, Flow.CONSUMPTION),
    (PHOTOVOLTAIC, Flow.CONSUMPTION),
    (PHOTOVOLTAIC, Flow.FEED_IN),
    (DAILY, Flow.CONSUMPTION),
]
READINGS = ("readings_QUARTER_HOUR", "readings_DAY", "readings_METER_READ")


@pytest.fixture(autouse=True)
def _validated(sim_state: Simulator) -> None:
    """Validated values only, tokens that outlive the test's jumps."""
    sim_state.settings.estimate_share = 0.0
    sim_state.settings.token_lifetime = 200 * 24 * 3600


async def set_up(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    """Set up (or again after an unload) and wait for the background work."""
    if entry.entry_id not in {known.entry_id for known in hass.config_entries.async_entries()}:
        entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)


def morning(day: date) -> datetime:
    """08:05 in Vienna: the day before is published (at 06:00)."""
    return datetime.combine(day, time(8, 5), tzinfo=VIENNA)


async def assert_statistics_are_the_truth(
    hass: HomeAssistant, sim: Simulator, first: date, last: date
) -> None:
    """Every hour, running sum and meter reading of every statistic from ``first`` on."""
    for number, flow in STATISTICS:
        rows = await stored(hass, number, flow)
        feed_in = flow is Flow.FEED_IN
        truth = published_hours(sim, number, first, last, feed_in)
        assert_equal_hours({start: row for start, row in rows.items() if start in truth}, truth)
        assert not [start for start in rows if start not in truth and start > min(truth)]
        assert_states_are_registers(sim, number, rows, feed_in)


def readings_requests(sim: Simulator) -> int:
    """Readings requests sent so far."""
    return sum(sim.counts[key] for key in READINGS)


@pytest.mark.databases
async def test_days_asked_for_before_they_were_published_arrive_after_a_restart(
    hass: HomeAssistant,
    simulator: RunningSimulator,
    sim_state: Simulator,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Set up during a delivery outage of 45 days: those days wait (the sensor says so, no gap
    is named). Home Assistant is off for 20 days while Wiener Netze publishes the backlog; after
    the start every hour of every statistic is Wiener Netze's."""
    sim_state.settings.outage_from = OUTAGE
    entry = make_entry(simulator, METERS, history_years=1)
    await set_up(hass, entry)
    registry = ir.async_get(hass)
    for number in METERS:
        assert registry.async_get_issue(DOMAIN, gap_issue_id(number)) is None
        history = state(hass, number, "history_import")
        assert float(history.state) < 100
        # Waiting: the outage's days older than the correction window (the 7 newest are not
        # settled yet).
        assert history.attributes["waiting_days"] == 45 - 7, number
        assert history.attributes["gap_days"] == 0
    first = date(TODAY.year - 1, TODAY.month, TODAY.day)
    await assert_statistics_are_the_truth(hass, sim_state, first, OUTAGE - ONE_DAY)

    assert await hass.config_entries.async_unload(entry.entry_id)
    sim_state.settings.outage_from = None  # the backlog, all at once
    later = NOW + 20 * ONE_DAY
    freezer.move_to(later)
    sim_state.clock.set(later)
    await set_up(hass, entry)
    await assert_statistics_are_the_truth(hass, sim_state, first, later.date() - ONE_DAY)
    for number in METERS:
        history = state(hass, number, "history_import")
        assert history.attributes["waiting_days"] == 0
        assert float(history.state) == 100
        assert registry.async_get_issue(DOMAIN, gap_issue_id(number)) is None


@pytest.mark.databases
async def test_when_deliveries_resume_the_waiting_days_are_asked_for_at_once(
    hass: HomeAssistant,
    simulator: RunningSimulator,
    sim_state: Simulator,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Home Assistant runs through the outage: a few requests a day; the morning the backlog is
    published, the update's requests find it and the waiting days older than the window are
    asked for at once, in one request per type, and every statistic is complete that morning."""
    ends = TODAY + 3 * ONE_DAY
    sim_state.settings.outage_from = OUTAGE
    sim_state.settings.outage_ends_on = ends
    entry = make_entry(simulator, METERS, history_years=1)
    await set_up(hass, entry)
    day = TODAY + ONE_DAY
    while day < ends:
        before = readings_requests(sim_state)
        for hour in range(24):
            await tick_to(hass, freezer, sim_state, datetime.combine(day, time(hour, 5), VIENNA))
        assert readings_requests(sim_state) - before <= 5, day
        day += ONE_DAY
    start = len(sim_state.log)
    await tick_to(hass, freezer, sim_state, morning(ends))
    await assert_statistics_are_the_truth(
        hass, sim_state, date(TODAY.year - 1, TODAY.month, TODAY.day), ends - ONE_DAY
    )
    backlog = [
        dict(entry["query"])
        for entry in list(sim_state.log)[start:]
        if entry["endpoint"].startswith("readings") and dict(entry["query"])["datumVon"] < "2026-11"
    ]
    # The update's day values reach back to the waiting days and find them; the history import
    # then asks for them in one request per type and imports them.
    assert [query["wertetyp"] for query in backlog] == ["DAY", "QUARTER_HOUR", "DAY", "METER_READ"]
    for number in METERS:
        assert state(hass, number, "history_import").attributes["waiting_days"] == 0


@pytest.mark.parametrize(
    "fault",
    [
        {"no_registers_meters": [HOUSEHOLD]},
        {"forbidden_meters": [HOUSEHOLD]},
        {"absent_meters": [HOUSEHOLD], "absent_value_types": ["DAY"]},
        {"absent_meters": [HOUSEHOLD], "absent_value_types": ["METER_READ"]},
    ],
    ids=["without_registers", "refused_alone", "missing_from_day_values", "missing_from_registers"],
)
@pytest.mark.databases
async def test_a_meter_not_read_in_a_history_round_keeps_its_days(
    hass: HomeAssistant,
    simulator: RunningSimulator,
    sim_state: Simulator,
    freezer: FrozenDateTimeFactory,
    monkeypatch: pytest.MonkeyPatch,
    fault: dict[str, object],
) -> None:
    """The household answers without registers, is refused alone, or is missing from the day
    values or the registers: nothing of its history is taken as read (no day settled, none
    older concluded to be before its data). Once it answers again, its whole history arrives."""
    starts: list[HistoryImport] = []
    monkeypatch.setattr(HistoryImport, "start", lambda self, *args: starts.append(self))
    entry = make_entry(simulator, [HOUSEHOLD, PHOTOVOLTAIC], history_years=1)
    await set_up(hass, entry)
    monkeypatch.undo()
    history = entry.runtime_data.history
    coordinator = entry.runtime_data
    sim_state.settings.update(fault)
    await history.async_run(coordinator.quarter_hour_meters)
    await hass.async_block_till_done(wait_background_tasks=True)
    window_start = date(2026, 11, 1)
    household = await stored(hass, HOUSEHOLD, Flow.CONSUMPTION)
    assert min(household).astimezone(VIENNA).date() >= window_start
    assert not {
        day for day in coordinator.saved.state.settled_days(HOUSEHOLD) if day < window_start
    }
    assert coordinator.saved.state.settled_days(PHOTOVOLTAIC)

    # The next update cannot read it either; the one after can: its days are asked at once,
    # not after the week the days of a meter not read otherwise wait.
    await tick_to(hass, freezer, sim_state, morning(TODAY + ONE_DAY))
    assert min(await stored(hass, HOUSEHOLD, Flow.CONSUMPTION)) == min(household)
    sim_state.settings.update(
        {"no_registers_meters": [], "forbidden_meters": [], "absent_meters": []}
    )
    await tick_to(hass, freezer, sim_state, morning(TODAY + 2 * ONE_DAY))
    # A locked meter is named again once the day's meter list was read: the next update.
    await tick_to(hass, freezer, sim_state, morning(TODAY + 2 * ONE_DAY) + timedelta(hours=1))
    first = date(TODAY.year - 1, TODAY.month, TODAY.day + 2)  # a year back from that day
    rows = await stored(hass, HOUSEHOLD, Flow.CONSUMPTION)
    truth = published_hours(sim_state, HOUSEHOLD, first, TODAY, False)
    assert_equal_hours({start: row for start, row in rows.items() if start in truth}, truth)


async def test_waiting_days_are_asked_for_daily_for_a_week_then_weekly(
    hass: HomeAssistant, simulator: RunningSimulator, sim_state: Simulator
) -> None:
    """A day waiting for its data, older than the window, with data before it in the
    statistics: planned daily for a week after it was first asked for, then weekly (a day after
    it is due: the coordinator's requests ask for it that day), and at once for a meter whose
    deliveries resumed."""
    entry = make_entry(simulator, [HOUSEHOLD], history_years=1)
    await set_up(hass, entry)
    state = entry.runtime_data.saved.state
    waiting = date(2026, 11, 21)  # no row: not published at set-up
    state.waiting[f"{HOUSEHOLD}/consumption/{waiting}"] = 96
    options = entry.runtime_data.options

    async def planned(today: date, first: date, last: date, ask_now: frozenset[str]) -> bool:
        state.asked[f"{HOUSEHOLD}/{waiting}"] = [first.isoformat(), last.isoformat()]
        missing = await async_missing(
            hass, state, [HOUSEHOLD], options, today=today, ask_now=set(ask_now)
        )
        return waiting in missing[HOUSEHOLD]

    none: frozenset[str] = frozenset()
    # The coordinator's own requests ask for it on the day it is due; the history import a
    # day later, if they did not.
    week = date(2026, 12, 3)  # in the window's settled days, first asked five days before
    assert await planned(week, date(2026, 11, 28), week - 2 * ONE_DAY, none) is True  # daily
    assert await planned(week, date(2026, 11, 28), week - ONE_DAY, none) is False
    assert await planned(week, date(2026, 11, 28), week, none) is False  # asked today
    today = date(2026, 12, 10)  # the window starts on 1 December: a day of the history
    asked_first = date(2026, 11, 22)
    assert await planned(today, asked_first, today - 2 * ONE_DAY, none) is False  # weekly now
    assert await planned(today, asked_first, today - 7 * ONE_DAY, none) is False
    assert await planned(today, asked_first, today - 8 * ONE_DAY, none) is True
    assert await planned(today, asked_first, today - ONE_DAY, frozenset({HOUSEHOLD})) is True
