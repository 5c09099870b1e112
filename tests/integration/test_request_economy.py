"""Request economy under trouble: a meter whose data stopped, a register that never comes, a held
day and a gateway down for a day each cost a few requests a day, not one every few hours, and
nothing is asked for once the meters no longer keep it."""

from __future__ import annotations

import itertools
from datetime import date, datetime, time, timedelta

import pytest
from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.wiener_netze.api import Flow
from simulator.account import DAILY, HOUSEHOLD, PHOTOVOLTAIC
from simulator.app import Simulator
from simulator.profiles import VIENNA
from simulator.server import RunningSimulator
from tests.support import NOW

from .conftest import make_entry
from .statistics_support import assert_equal_hours, stored, truth_hours
from .test_coordinator import tick_to

ONE_DAY = timedelta(days=1)
QUARTER = timedelta(minutes=15)
TODAY = NOW.date()
METERS = [HOUSEHOLD, PHOTOVOLTAIC, DAILY]
# Where the statistics of an entry with a year of history start.
YEAR_AGO = date(TODAY.year - 1, TODAY.month, TODAY.day)


@pytest.fixture(autouse=True)
def _validated(sim_state: Simulator) -> None:
    """Validated values only; tokens as short-lived as the real ones."""
    sim_state.settings.estimate_share = 0.0


async def set_up(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    """Set up and wait for the background work."""
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)


def gateway_requests(sim: Simulator) -> int:
    """Requests the gateway answered (tokens not counted)."""
    return sim.counts["total"] - sim.counts["token"]


async def poll_day(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, sim: Simulator, day: date
) -> int:
    """Every 15 minutes of one local day, as Home Assistant polls; its gateway requests."""
    before = gateway_requests(sim)
    moment = datetime.combine(day, time(0, 5), VIENNA)
    while moment.date() == day:
        await tick_to(hass, freezer, sim, moment)
        moment += QUARTER
    return gateway_requests(sim) - before


async def test_a_meter_whose_data_stopped_is_asked_for_once_a_day(
    hass: HomeAssistant,
    simulator: RunningSimulator,
    sim_state: Simulator,
    freezer: FrozenDateTimeFactory,
) -> None:
    """The household's data stops while the others go on: a few requests a day in all, the
    household's days riding along with the others' instead of being asked every few hours."""
    await set_up(hass, make_entry(simulator, METERS))
    sim_state.settings.update({"outage_from": TODAY, "outage_meters": [HOUSEHOLD]})
    # The first two days learn when Wiener Netze publishes (a few more requests, stop or not).
    for offset in range(1, 3):
        await poll_day(hass, freezer, sim_state, TODAY + offset * ONE_DAY)
    for offset in range(3, 7):
        assert await poll_day(hass, freezer, sim_state, TODAY + offset * ONE_DAY) <= 5, offset


async def test_a_register_that_never_comes_is_asked_for_at_most_once_a_day(
    hass: HomeAssistant,
    simulator: RunningSimulator,
    sim_state: Simulator,
    freezer: FrozenDateTimeFactory,
) -> None:
    """The household is missing from every register answer: the register request goes out once
    a day (for the new day), not every few hours."""
    sim_state.settings.update({"absent_meters": [HOUSEHOLD], "absent_value_types": ["METER_READ"]})
    await set_up(hass, make_entry(simulator, METERS))
    for offset in range(1, 4):
        before = sim_state.counts["readings_METER_READ"]
        await poll_day(hass, freezer, sim_state, TODAY + offset * ONE_DAY)
        assert sim_state.counts["readings_METER_READ"] - before <= 1, offset


async def test_a_held_day_is_asked_for_daily_then_weekly_while_the_meters_keep_it(
    hass: HomeAssistant,
    simulator: RunningSimulator,
    sim_state: Simulator,
    freezer: FrozenDateTimeFactory,
) -> None:
    """A day held as implausible is read again daily for a week after it was first read, then
    weekly, and not at all once the meters no longer keep it (60 days), in one request per
    type for every meter."""
    held = date(2026, 11, 10)
    sim_state.settings.spike_days = [held]
    await set_up(hass, make_entry(simulator, METERS))
    asks: list[date] = []
    day = TODAY + ONE_DAY
    while day <= held + 70 * ONE_DAY:
        start = len(sim_state.log)
        await tick_to(hass, freezer, sim_state, datetime.combine(day, time(8, 5), VIENNA))
        for entry in list(sim_state.log)[start:]:
            query = dict(entry["query"])
            if (
                query.get("wertetyp") == "QUARTER_HOUR"
                and query["datumVon"] <= str(held) < query["datumBis"]
            ):
                asks.append(day)
        day += ONE_DAY
    first_week = [ask for ask in asks if ask <= TODAY + 7 * ONE_DAY]
    later = [ask for ask in asks if ask > TODAY + 7 * ONE_DAY]
    assert len(first_week) >= 6  # daily (with the correction window's daily re-read at first)
    assert all(b - a >= 7 * ONE_DAY for a, b in itertools.pairwise(later))
    assert later, "asked for again weekly"
    assert max(asks) <= held + 60 * ONE_DAY


async def test_a_gateway_down_for_a_day_costs_a_handful_of_requests(
    hass: HomeAssistant,
    simulator: RunningSimulator,
    sim_state: Simulator,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Every gateway request answers 503 for a whole day: at most five requests that day (no
    retries inside an update, pauses that grow), and the next day everything is in."""
    await set_up(hass, make_entry(simulator, METERS))
    await poll_day(hass, freezer, sim_state, TODAY + ONE_DAY)
    sim_state.settings.gateway_down = True
    assert await poll_day(hass, freezer, sim_state, TODAY + 2 * ONE_DAY) <= 5
    sim_state.settings.gateway_down = False
    await poll_day(hass, freezer, sim_state, TODAY + 3 * ONE_DAY)
    truth = truth_hours(sim_state, HOUSEHOLD, date(2026, 11, 1), TODAY + 2 * ONE_DAY, False)
    rows = await stored(hass, HOUSEHOLD, Flow.CONSUMPTION)
    assert_equal_hours({start: rows[start] for start in rows if start in truth}, truth)


async def test_a_gateway_too_slow_to_answer_for_a_day_costs_a_handful_of_requests(
    hass: HomeAssistant,
    simulator: RunningSimulator,
    sim_state: Simulator,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Every gateway request answers 504 for a whole day: the window's request is split once
    (it could have been too long), then Wiener Netze is paused like any failure, with neither
    retries nor splits; at most five requests that day."""
    await set_up(hass, make_entry(simulator, METERS))
    await poll_day(hass, freezer, sim_state, TODAY + ONE_DAY)
    sim_state.settings.update({"server_error_status": 504, "server_errors_next": 10_000})
    assert await poll_day(hass, freezer, sim_state, TODAY + 2 * ONE_DAY) <= 5
    sim_state.settings.update({"server_errors_next": 0})
    await poll_day(hass, freezer, sim_state, TODAY + 3 * ONE_DAY)
    truth = truth_hours(sim_state, HOUSEHOLD, date(2026, 11, 1), TODAY + 2 * ONE_DAY, False)
    rows = await stored(hass, HOUSEHOLD, Flow.CONSUMPTION)
    assert_equal_hours({start: rows[start] for start in rows if start in truth}, truth)


@pytest.mark.parametrize(
    "fault",
    [{"no_registers_meters": [HOUSEHOLD]}, {"no_registers_before": date(2026, 10, 1)}],
    ids=["every_request", "older_ranges_only"],
)
async def test_a_meter_never_read_is_asked_for_weekly(
    hass: HomeAssistant,
    simulator: RunningSimulator,
    sim_state: Simulator,
    freezer: FrozenDateTimeFactory,
    fault: dict[str, object],
) -> None:
    """The household answers every request without registers, or the meters answer ranges
    before October so while the daily requests read them: those days are asked for at set-up,
    then a week later, not every day (their state kept meanwhile)."""
    sim_state.settings.update(fault)
    await set_up(hass, make_entry(simulator, [HOUSEHOLD, PHOTOVOLTAIC], history_years=1))
    history_days: list[date] = []
    for offset in range(1, 9):
        day = TODAY + offset * ONE_DAY
        start = len(sim_state.log)
        await tick_to(hass, freezer, sim_state, datetime.combine(day, time(8, 5), VIENNA))
        for entry in list(sim_state.log)[start:]:
            query = dict(entry["query"])
            if query.get("wertetyp") == "DAY" and query["datumBis"] <= "2026-10-01":
                history_days.append(day)
    assert history_days
    assert min(history_days) >= TODAY + 7 * ONE_DAY


async def test_a_held_day_before_the_correction_window_rides_along_and_imports_once_fixed(
    hass: HomeAssistant,
    simulator: RunningSimulator,
    sim_state: Simulator,
    freezer: FrozenDateTimeFactory,
) -> None:
    """A day held as implausible, older than the correction window: its daily re-reads ride
    along in the update's own requests (one quarter-hour request a day, no round of its own);
    the morning Wiener Netze delivers a plausible version, it is imported."""
    held = TODAY - 25 * ONE_DAY  # before the window: its store does not keep the day
    sim_state.settings.spike_days = [held]
    await set_up(hass, make_entry(simulator, METERS, history_years=1))
    start, end = (datetime.combine(day, time(0), VIENNA) for day in (held, held + ONE_DAY))
    for offset in range(1, 4):
        before = sim_state.counts["readings_QUARTER_HOUR"]
        await poll_day(hass, freezer, sim_state, TODAY + offset * ONE_DAY)
        assert sim_state.counts["readings_QUARTER_HOUR"] - before == 1, offset
        rows = await stored(hass, HOUSEHOLD, Flow.CONSUMPTION)
        assert not [moment for moment in rows if start <= moment < end], offset
    sim_state.settings.spike_days = []  # Wiener Netze delivers a plausible version
    await poll_day(hass, freezer, sim_state, TODAY + 4 * ONE_DAY)
    truth = truth_hours(sim_state, HOUSEHOLD, YEAR_AGO, TODAY + 3 * ONE_DAY, False)
    rows = await stored(hass, HOUSEHOLD, Flow.CONSUMPTION)
    assert all(moment in rows for moment in truth if start <= moment < end)
    assert_equal_hours({moment: rows[moment] for moment in rows if moment in truth}, truth)


async def test_a_delivery_outage_costs_a_request_or_two_a_day(
    hass: HomeAssistant,
    simulator: RunningSimulator,
    sim_state: Simulator,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Wiener Netze delivers nothing for two weeks: after its first day, day values and quarter
    hours are asked for once a day each (the meter list weekly beside them), the days waiting
    beyond the correction window riding along, not every few hours or in rounds of their own;
    the day the backlog comes, every statistic is complete."""
    await set_up(hass, make_entry(simulator, METERS))
    for offset in (1, 2):  # when Wiener Netze publishes is learned
        await poll_day(hass, freezer, sim_state, TODAY + offset * ONE_DAY)
    sim_state.settings.outage_from = TODAY + 2 * ONE_DAY
    assert await poll_day(hass, freezer, sim_state, TODAY + 3 * ONE_DAY) <= 3
    for offset in range(4, 17):
        assert await poll_day(hass, freezer, sim_state, TODAY + offset * ONE_DAY) <= 3, offset
    sim_state.settings.outage_from = None  # the backlog, all at once
    await poll_day(hass, freezer, sim_state, TODAY + 17 * ONE_DAY)
    truth = truth_hours(sim_state, HOUSEHOLD, date(2026, 11, 1), TODAY + 16 * ONE_DAY, False)
    rows = await stored(hass, HOUSEHOLD, Flow.CONSUMPTION)
    assert_equal_hours({moment: rows[moment] for moment in rows if moment in truth}, truth)


async def test_quarter_hours_delivered_late_for_an_old_day_are_imported(
    hass: HomeAssistant,
    simulator: RunningSimulator,
    sim_state: Simulator,
    freezer: FrozenDateTimeFactory,
) -> None:
    """A day before the correction window missing some quarter hours waits for them; the day
    Wiener Netze delivers them, the update's own quarter-hour request (reaching back) finds
    them and the history import imports the day as measured, with no waiting day left."""
    partial = TODAY - 25 * ONE_DAY  # before the window: its store does not keep the day
    sim_state.settings.missing_interval_days = [partial]
    entry = make_entry(simulator, METERS, history_years=1)
    await set_up(hass, entry)
    state = entry.runtime_data.saved.state
    key = f"{HOUSEHOLD}/consumption/{partial}"
    assert key in state.waiting
    sim_state.settings.missing_interval_days = []  # delivered late
    await poll_day(hass, freezer, sim_state, TODAY + ONE_DAY)
    assert key not in state.waiting
    truth = truth_hours(sim_state, HOUSEHOLD, YEAR_AGO, TODAY, False)
    rows = await stored(hass, HOUSEHOLD, Flow.CONSUMPTION)
    assert_equal_hours({moment: rows[moment] for moment in rows if moment in truth}, truth)


async def test_a_gateway_down_for_two_days_is_tried_after_pauses_up_to_twelve_hours(
    hass: HomeAssistant,
    simulator: RunningSimulator,
    sim_state: Simulator,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Every gateway request answers 503 for two days: after the first failure the next tries
    come after 2, 4, 8 and then every 12 hours (the tests' client does not retry; the
    production one retries once while all is well, never during the pauses)."""
    await set_up(hass, make_entry(simulator, METERS))
    await poll_day(hass, freezer, sim_state, TODAY + ONE_DAY)
    sim_state.settings.gateway_down = True
    start = len(sim_state.log)
    for offset in (2, 3):
        assert await poll_day(hass, freezer, sim_state, TODAY + offset * ONE_DAY) <= 5, offset
    tries = [
        datetime.fromisoformat(entry["at"])
        for entry in list(sim_state.log)[start:]
        if entry["endpoint"] != "token"
    ]
    pauses = [later - earlier for earlier, later in itertools.pairwise(tries)]
    expected = [timedelta(hours=hours) for hours in (2, 4, 8, 12, 12)]
    assert len(pauses) >= len(expected)
    for pause, least in zip(pauses, expected, strict=False):
        assert least <= pause < least + QUARTER, pauses
