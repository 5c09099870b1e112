"""Long-term statistics against the simulator's truth, with the real recorder."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from functools import partial

import pytest
from homeassistant.components.recorder.statistics import get_metadata
from homeassistant.core import HomeAssistant
from homeassistant.helpers.recorder import get_instance
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.wiener_netze.api import Direction
from custom_components.wiener_netze.importer import statistic_id
from simulator.account import DAILY, HOUSEHOLD, PHOTOVOLTAIC
from simulator.app import Simulator
from simulator.profiles import VIENNA, day_bounds
from simulator.server import RunningSimulator

from .conftest import make_entry
from .helpers import state
from .statistics_support import stored, truth_days, truth_hours

HISTORY_FROM = date(2025, 11, 21)  # one year before NOW
LAST = date(2026, 11, 20)  # the newest published day at NOW
CONSUMPTION, FEED_IN = Direction.CONSUMPTION, Direction.FEED_IN


@pytest.fixture(autouse=True)
def _validated(sim_state: Simulator) -> None:
    """Validated values only, unless a test publishes estimates itself."""
    sim_state.settings.estimate_share = 0.0


async def set_up(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    """Set up and wait for the background history import."""
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)


def assert_equal_hours(rows: dict[datetime, dict], truth: dict[datetime, float]) -> None:
    """Every hour's change equals the truth and the running sum is the truth's running sum."""
    assert sorted(rows) == sorted(truth)
    total = 0.0
    for start in sorted(truth):
        total += truth[start]
        assert rows[start]["change"] == pytest.approx(truth[start], abs=1e-6), start
        assert rows[start]["sum"] == pytest.approx(total, abs=1e-4), start


async def test_year_backfill_equals_truth(
    hass: HomeAssistant, simulator: RunningSimulator, sim_state: Simulator
) -> None:
    """A year of three meters: every hour, consumption and feed-in apart, DAY meter by day."""
    entry = make_entry(simulator, [HOUSEHOLD, PHOTOVOLTAIC, DAILY], history_years=1)
    await set_up(hass, entry)
    for number, flow in ((HOUSEHOLD, CONSUMPTION), (PHOTOVOLTAIC, CONSUMPTION)):
        truth = truth_hours(sim_state, number, HISTORY_FROM, LAST, feed_in=False)
        assert_equal_hours(await stored(hass, number, flow), truth)
    feed_in = truth_hours(sim_state, PHOTOVOLTAIC, HISTORY_FROM, LAST, feed_in=True)
    assert_equal_hours(await stored(hass, PHOTOVOLTAIC, FEED_IN), feed_in)
    assert await stored(hass, HOUSEHOLD, FEED_IN) == {}
    assert_equal_hours(
        await stored(hass, DAILY, CONSUMPTION), truth_days(sim_state, DAILY, HISTORY_FROM, LAST)
    )

    # The state is the register at the end of each hour.
    rows = await stored(hass, HOUSEHOLD, CONSUMPTION)
    register = sim_state.views[HOUSEHOLD].truth.register
    last_hour = max(rows)
    assert rows[last_hour]["state"] == pytest.approx(register(LAST, False) / 1000)
    noon = datetime(2026, 6, 15, 12, tzinfo=VIENNA)
    opening = register(date(2026, 6, 14), False) / 1000
    hours = truth_hours(sim_state, HOUSEHOLD, date(2026, 6, 15), date(2026, 6, 15), False)
    so_far = sum(value for start, value in hours.items() if start < noon)
    assert rows[noon - timedelta(hours=1)]["state"] == pytest.approx(opening + so_far)

    # Clock changes: 23 and 25 hours, the repeated autumn hour twice, starts whole UTC hours.
    for day, count in ((date(2026, 3, 29), 23), (date(2026, 10, 25), 25)):
        start, end = day_bounds(day)
        hours = [moment for moment in rows if start <= moment < end]
        assert len(hours) == count
        assert all(moment.minute == 0 and moment.second == 0 for moment in hours)

    progress = state(hass, HOUSEHOLD, "history_import")
    assert float(progress.state) == 100
    assert progress.attributes["data_from"] == HISTORY_FROM.isoformat()


async def test_metadata_and_ids_stable_across_reload(
    hass: HomeAssistant, simulator: RunningSimulator
) -> None:
    """Ids from domain and meter number, energy in kWh with a sum and no mean; unchanged."""
    entry = make_entry(simulator, [PHOTOVOLTAIC])
    await set_up(hass, entry)
    ids = {statistic_id(PHOTOVOLTAIC, flow) for flow in (CONSUMPTION, FEED_IN)}
    assert ids == {
        "wiener_netze:at0010000000000000001000009811290_consumption",
        "wiener_netze:at0010000000000000001000009811290_feed_in",
    }
    before = await get_instance(hass).async_add_executor_job(
        partial(get_metadata, hass, statistic_ids=ids)
    )
    meta = before["wiener_netze:at0010000000000000001000009811290_consumption"][1]
    assert meta["has_sum"] is True
    assert meta["mean_type"] == 0
    assert meta["unit_of_measurement"] == "kWh"
    assert meta["unit_class"] == "energy"
    assert meta["source"] == "wiener_netze"
    assert meta["name"] == "Haus mit PV consumption"
    rows = await stored(hass, PHOTOVOLTAIC, CONSUMPTION)
    assert await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)
    after = await get_instance(hass).async_add_executor_job(
        partial(get_metadata, hass, statistic_ids=ids)
    )
    assert after == before
    assert await stored(hass, PHOTOVOLTAIC, CONSUMPTION) == rows
