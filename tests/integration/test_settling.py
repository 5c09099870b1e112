"""Days leave the correction window settled, whatever the window and the day of the month; and
Home Assistant off for weeks comes back to the same statistics as a run that never stopped."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
from homeassistant.helpers import issue_registry as ir

from custom_components.wiener_netze.api import Flow
from custom_components.wiener_netze.const import DOMAIN
from custom_components.wiener_netze.issues import gap_issue_id
from simulator.account import HOUSEHOLD, PHOTOVOLTAIC
from simulator.app import Simulator
from simulator.profiles import VIENNA
from simulator.server import RunningSimulator

from .conftest import make_entry
from .statistics_support import (
    assert_equal_hours,
    assert_states_are_registers,
    published_hours,
    stored,
)
from .test_coordinator import tick_to

ONE_DAY = timedelta(days=1)


@pytest.fixture(autouse=True)
def _validated(sim_state: Simulator) -> None:
    """Validated values only, tokens that outlive the test's jumps."""
    sim_state.settings.estimate_share = 0.0
    sim_state.settings.token_lifetime = 200 * 24 * 3600


def morning(day: date) -> datetime:
    """08:05 in Vienna: the day before is published."""
    return datetime.combine(day, time(8, 5), tzinfo=VIENNA)


@pytest.mark.parametrize("correction_days", [7, 14, 30])
async def test_the_last_day_of_a_month_settles(
    hass: HomeAssistant,
    simulator: RunningSimulator,
    sim_state: Simulator,
    freezer: FrozenDateTimeFactory,
    correction_days: int,
) -> None:
    """30 November misses an hour. While the day is in the correction window the hour waits;
    the day after it leaves the window, the hour gets the rest of the day value (here exactly
    the missing hour), whatever the window's size. The meters still keep the quarter hours, so
    the day waits for them (asked for again), and no gap is named."""
    day = date(2026, 11, 30)
    sim_state.settings.missing_interval_days = [day]
    entry = make_entry(simulator, [HOUSEHOLD], correction_days=correction_days)
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)
    missing_hour = datetime(2026, 11, 30, 10, tzinfo=VIENNA).astimezone(UTC)
    registry = ir.async_get(hass)
    today = date(2026, 11, 22)
    while today <= day + correction_days * ONE_DAY:  # still in the correction window
        await tick_to(hass, freezer, sim_state, morning(today))
        today += ONE_DAY
    rows = await stored(hass, HOUSEHOLD, Flow.CONSUMPTION)
    assert datetime(2026, 11, 30, 9, tzinfo=VIENNA).astimezone(UTC) in rows
    assert missing_hour not in rows
    assert registry.async_get_issue(DOMAIN, gap_issue_id(HOUSEHOLD)) is None

    await tick_to(hass, freezer, sim_state, morning(today))  # the day it leaves the window
    rows = await stored(hass, HOUSEHOLD, Flow.CONSUMPTION)
    since = min(rows).astimezone(VIENNA).date()
    truth = published_hours(sim_state, HOUSEHOLD, since, today - 2 * ONE_DAY, False)
    assert_equal_hours({start: rows[start] for start in rows if start in truth}, truth)
    assert registry.async_get_issue(DOMAIN, gap_issue_id(HOUSEHOLD)) is None
    saved = entry.runtime_data.saved.state
    assert saved.waiting == {f"{HOUSEHOLD}/consumption/2026-11-30": 4}
    assert day not in saved.settled_days(HOUSEHOLD)

    await tick_to(hass, freezer, sim_state, morning(today + ONE_DAY))  # and stays as it is
    assert {
        start: row
        for start, row in (await stored(hass, HOUSEHOLD, Flow.CONSUMPTION)).items()
        if start in truth
    } == {start: rows[start] for start in truth}


async def test_home_assistant_off_for_sixty_days(
    hass: HomeAssistant,
    simulator: RunningSimulator,
    sim_state: Simulator,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Back after 60 days, the stretch between the last update and the window is imported
    once, settled: every hour equals the truth from the first day on, states included."""
    entry = make_entry(simulator, [HOUSEHOLD, PHOTOVOLTAIC], history_years=1)
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert await hass.config_entries.async_unload(entry.entry_id)

    back = date(2026, 11, 21) + 60 * ONE_DAY
    freezer.move_to(morning(back))
    sim_state.clock.set(morning(back))
    sim_state.log.clear()
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)
    first, last = date(2025, 11, 21), back - ONE_DAY
    for number, flow in (
        (HOUSEHOLD, Flow.CONSUMPTION),
        (PHOTOVOLTAIC, Flow.CONSUMPTION),
        (PHOTOVOLTAIC, Flow.FEED_IN),
    ):
        feed_in = flow is Flow.FEED_IN
        rows = await stored(hass, number, flow)
        assert_equal_hours(rows, published_hours(sim_state, number, first, last, feed_in))
        assert_states_are_registers(sim_state, number, rows, feed_in)
    # Only the days missing were read: the window, and the stretch before it from the first
    # day that had not settled when Home Assistant stopped.
    starts = sorted(
        dict(item["query"])["datumVon"]
        for item in sim_state.log
        if item["endpoint"] == "readings_bulk" and dict(item["query"])["wertetyp"] == "DAY"
    )
    assert starts[0] == "2026-11-14"  # nothing settled before the downtime is read again
    assert entry.runtime_data.history.summary()[HOUSEHOLD].missing_days == 0
