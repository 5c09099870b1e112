"""This month against the same days last year: equal to the truth, from the recorder, and
unavailable (never 0) while last year's days are not all there."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from freezegun.api import FrozenDateTimeFactory
from homeassistant.const import STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant

from custom_components.wiener_netze.api.vienna_time import days_between
from custom_components.wiener_netze.year_on_year import Comparison
from simulator.account import HOUSEHOLD, PHOTOVOLTAIC
from simulator.app import Simulator
from simulator.profiles import VIENNA
from simulator.server import RunningSimulator

from .conftest import make_entry
from .helpers import state, truth_kwh
from .test_coordinator import tick_to


@pytest.fixture(autouse=True)
def _validated(sim_state: Simulator) -> None:
    sim_state.settings.estimate_share = 0.0


def truth_of(sim: Simulator, number: str, first: date, last: date, feed_in: bool) -> float:
    """The true kWh of ``first``..``last``."""
    return sum(truth_kwh(sim, number, day, feed_in) for day in days_between(first, last))


async def set_up(hass: HomeAssistant, simulator: RunningSimulator, years: int) -> None:
    entry = make_entry(simulator, [HOUSEHOLD, PHOTOVOLTAIC], history_years=years)
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)


async def test_this_november_against_last(
    hass: HomeAssistant,
    simulator: RunningSimulator,
    sim_state: Simulator,
    freezer: FrozenDateTimeFactory,
) -> None:
    """1 to 20 November 2026 against 1 to 20 November 2025, consumption and feed-in; the next
    morning, at once, up to the 21st."""
    await set_up(hass, simulator, years=2)
    for number, prefix, feed_in in (
        (HOUSEHOLD, "consumption", False),
        (PHOTOVOLTAIC, "consumption", False),
        (PHOTOVOLTAIC, "feed_in", True),
    ):
        this_year = truth_of(sim_state, number, date(2026, 11, 1), date(2026, 11, 20), feed_in)
        last_year = truth_of(sim_state, number, date(2025, 11, 1), date(2025, 11, 20), feed_in)
        before = state(hass, number, f"{prefix}_month_last_year")
        assert float(before.state) == pytest.approx(last_year, abs=1e-3)
        assert before.attributes["from"] == "2025-11-01"
        assert before.attributes["through"] == "2025-11-20"
        change = state(hass, number, f"{prefix}_month_change")
        assert float(change.state) == pytest.approx((this_year / last_year - 1) * 100, abs=0.01)
        assert change.attributes["this_year"] == pytest.approx(this_year, abs=1e-3)
        assert change.attributes["through"] == "2026-11-20"
        month = state(hass, number, f"{prefix}_month_to_date")
        assert float(month.state) == pytest.approx(this_year, abs=1e-3)

    sim_state.settings.token_lifetime = 3 * 24 * 3600
    await tick_to(hass, freezer, sim_state, datetime(2026, 11, 22, 8, 5, tzinfo=VIENNA))
    change = state(hass, HOUSEHOLD, "consumption_month_change")
    assert change.attributes["through"] == "2026-11-21"
    this_year = truth_of(sim_state, HOUSEHOLD, date(2026, 11, 1), date(2026, 11, 21), False)
    last_year = truth_of(sim_state, HOUSEHOLD, date(2025, 11, 1), date(2025, 11, 21), False)
    assert float(change.state) == pytest.approx((this_year / last_year - 1) * 100, abs=0.01)


async def test_unavailable_without_last_year(
    hass: HomeAssistant, simulator: RunningSimulator
) -> None:
    """A year of history starts on 21 November 2025: the 1st to the 20th are not there."""
    await set_up(hass, simulator, years=1)
    for key in ("consumption_month_last_year", "consumption_month_change"):
        assert state(hass, HOUSEHOLD, key).state == STATE_UNAVAILABLE
    assert state(hass, HOUSEHOLD, "consumption_month_to_date").state != STATE_UNAVAILABLE


async def test_unavailable_with_a_gap_last_year(
    hass: HomeAssistant, simulator: RunningSimulator, sim_state: Simulator
) -> None:
    """A day Wiener Netze never delivered last year: no comparison rather than a wrong one."""
    sim_state.settings.undelivered_days = [date(2025, 11, 10)]
    await set_up(hass, simulator, years=2)
    assert state(hass, HOUSEHOLD, "consumption_month_change").state == STATE_UNAVAILABLE
    assert state(hass, HOUSEHOLD, "consumption_month_last_year").state == STATE_UNAVAILABLE


def test_29_february() -> None:
    """The 29th compares with the 28th of a year without one; a change needs last year's kWh."""
    found = Comparison(date(2028, 2, 1), date(2028, 2, 29), 120.0, 100.0)
    assert found.last_year_days == (date(2027, 2, 1), date(2027, 2, 28))
    assert found.change == pytest.approx(20.0)
    assert Comparison(date(2028, 2, 1), date(2028, 2, 3), 1.0, 0.0).change is None
