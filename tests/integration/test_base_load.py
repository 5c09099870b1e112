"""Base load: the estimator on real simulated days, and the statistic and sensor of an entry.

The simulator's ``standby`` setting gives every consuming meter a known standby power; the base
load found must equal it within 5 W (a quarter hour is whole Wh: 1 Wh is 4 W) on every day read
by quarter hours, and nothing on days that cannot have one.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from functools import partial

import pytest
from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.recorder.statistics import (
    get_metadata,
    statistics_during_period,
)
from homeassistant.core import HomeAssistant
from homeassistant.helpers.recorder import get_instance
from homeassistant.util import dt as dt_util

from custom_components.wiener_netze.api import Flow, Reading
from custom_components.wiener_netze.api.vienna_time import day_start, days_between, local_day
from custom_components.wiener_netze.base_load import day_base_load
from custom_components.wiener_netze.const import CONF_BASE_LOAD, CONF_INSIGHTS
from custom_components.wiener_netze.meter_store import MeterStore
from custom_components.wiener_netze.statistic_ids import base_load_statistic_id
from simulator.account import DAILY, HOUSEHOLD, PHOTOVOLTAIC
from simulator.app import Simulator
from simulator.profiles import VIENNA
from simulator.server import RunningSimulator
from simulator.truth import MeterTruth

from .conftest import make_entry
from .helpers import state
from .statistics_support import EPOCH, stored, truth_hours
from .test_coordinator import tick_to

LAST = date(2026, 11, 20)  # the newest published day at NOW
SETTLED = date(2026, 11, 13)  # the newest day out of the 7-day correction window at NOW
TOLERANCE_W = 5.0
SPIKE = date(2026, 9, 9)
UNDELIVERED = date(2026, 8, 4)
MISSING = date(2026, 10, 7)


@pytest.fixture(autouse=True)
def _standby(sim_state: Simulator) -> None:
    """Known standby, validated values only; a spike, an undelivered and an incomplete day."""
    sim_state.settings.update(
        {
            "standby": True,
            "estimate_share": 0.0,
            "spike_days": [SPIKE],
            "undelivered_days": [UNDELIVERED],
            "missing_interval_days": [MISSING],
        }
    )


def store_of(truth: MeterTruth, days: list[date], quality: str = "VAL") -> MeterStore:
    """A store holding the true quarter hours of ``days`` (consumption, and feed-in if any)."""
    store = MeterStore(truth.spec.number)
    for day in days:
        values = truth.day(day)
        for flow in (Flow.CONSUMPTION, Flow.FEED_IN):
            if flow is Flow.FEED_IN and not truth.spec.feeds_in_on(day):
                continue
            store.flows.add(flow)
            store.first_seen.setdefault(flow, day)
            for moment, wh in zip(values.starts, values.values(flow is Flow.FEED_IN), strict=True):
                start = moment.astimezone(UTC)
                store.intervals[flow][start] = Reading(
                    start, start + timedelta(minutes=15), wh / 1000, quality
                )
    return store


@pytest.mark.parametrize(
    ("number", "day", "count"),
    [
        (HOUSEHOLD, date(2026, 3, 29), 92),
        (HOUSEHOLD, date(2026, 6, 16), 96),
        (HOUSEHOLD, date(2026, 10, 25), 100),
        (HOUSEHOLD, date(2026, 1, 10), 96),
        (PHOTOVOLTAIC, date(2026, 6, 21), 96),  # sun from before 5 to after 21 h
        (PHOTOVOLTAIC, date(2026, 10, 25), 100),
    ],
)
def test_the_base_load_is_the_standby(
    sim_state: Simulator, number: str, day: date, count: int
) -> None:
    """Within 5 W of the standby on short, normal and long days, with PV at midsummer."""
    truth = sim_state.views[number].truth
    store = store_of(truth, [day])
    assert len(truth.day(day).starts) == count
    standby = truth.standby_w(day)
    assert standby is not None
    assert day_base_load(store, day) == pytest.approx(standby, abs=TOLERANCE_W)
    if number == PHOTOVOLTAIC and day.month == 6:
        # Midday imports are 0 with the sun: the whole day's low percentile would say 0 W.
        assert min(truth.day(day).imports) == 0


@pytest.mark.parametrize("odd_wh", [0, 5000])
def test_one_odd_value_moves_it_by_less_than_a_watt(sim_state: Simulator, odd_wh: int) -> None:
    """A 0 W or a 20 kW quarter hour at night changes the result by less than 1 W."""
    day = date(2026, 11, 3)
    store = store_of(sim_state.views[HOUSEHOLD].truth, [day])
    before = day_base_load(store, day)
    assert before is not None
    start = day_start(day) + timedelta(hours=2)
    old = store.intervals[Flow.CONSUMPTION][start]
    store.intervals[Flow.CONSUMPTION][start] = Reading(old.start, old.end, odd_wh / 1000, "VAL")
    after = day_base_load(store, day)
    assert after is not None
    assert abs(after - before) < 1


def test_days_that_cannot_have_one(sim_state: Simulator) -> None:
    """Estimated, incomplete, rejected or disagreeing with the day value: no base load."""
    truth = sim_state.views[HOUSEHOLD].truth
    day = date(2026, 11, 3)
    assert day_base_load(store_of(truth, [day], quality="EST"), day) is None
    store = store_of(truth, [day])
    first = day_start(day)
    del store.intervals[Flow.CONSUMPTION][first]
    assert day_base_load(store, day) is None  # incomplete
    store = store_of(truth, [day])
    reading = store.intervals[Flow.CONSUMPTION].pop(first)
    store.rejected[Flow.CONSUMPTION][first] = reading
    assert day_base_load(store, day) is None  # a value rejected as implausible
    store = store_of(truth, [day])
    total = truth.day_total(day, False) / 1000
    store.days[Flow.CONSUMPTION][day] = Reading(first, first + timedelta(days=1), total + 2, "VAL")
    assert day_base_load(store, day) is None  # held: the quarter hours miss 2 kWh
    store.days[Flow.CONSUMPTION][day] = Reading(first, first + timedelta(days=1), total, "VAL")
    assert day_base_load(store, day) is not None
    assert day_base_load(store_of(truth, []), day) is None  # nothing at all


async def base_load_rows(hass: HomeAssistant, number: str) -> dict[date, float]:
    """The stored base-load rows of a meter, by local day: their mean."""
    sid = base_load_statistic_id(number)
    rows = await get_instance(hass).async_add_executor_job(
        statistics_during_period, hass, EPOCH, None, {sid}, "hour", None, {"mean"}
    )
    found: dict[date, float] = {}
    for row in rows.get(sid, []):
        start = dt_util.utc_from_timestamp(row["start"])
        day = local_day(start)
        assert start == day_start(day), "one row per day, at the hour the day starts"
        found[day] = row["mean"]
    return found


async def test_a_year_of_base_load_with_the_history(
    hass: HomeAssistant,
    simulator: RunningSimulator,
    sim_state: Simulator,
    freezer: FrozenDateTimeFactory,
) -> None:
    """One row per settled day read by quarter hours, each within 5 W of the standby; none
    where the day cannot have one; the energy stays equal to the truth; the sensor shows the
    newest day at once, the statistic once the day has left the correction window."""
    await hass.config.async_update(time_zone="Europe/Vienna")  # months as in Vienna
    entry = make_entry(simulator, [HOUSEHOLD, PHOTOVOLTAIC, DAILY], history_years=1)
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)

    first = date(2025, 11, 21)
    for number in (HOUSEHOLD, PHOTOVOLTAIC):
        truth = sim_state.views[number].truth
        rows = await base_load_rows(hass, number)
        expected = set(days_between(first, SETTLED)) - {SPIKE, UNDELIVERED, MISSING}
        assert set(rows) == expected, number
        for day, mean in rows.items():
            assert mean == pytest.approx(truth.standby_w(day), abs=TOLERANCE_W), (number, day)
        # The energy is untouched: every hour after the fault days equals the truth.
        energy = truth_hours(sim_state, number, date(2026, 10, 8), LAST, feed_in=False)
        stored_energy = await stored(hass, number, Flow.CONSUMPTION)
        assert {h: pytest.approx(stored_energy[h]["change"], abs=1e-6) for h in energy} == energy
    assert await base_load_rows(hass, DAILY) == {}  # day values: no base load

    metadata = await get_instance(hass).async_add_executor_job(
        partial(get_metadata, hass, statistic_ids={base_load_statistic_id(HOUSEHOLD)})
    )
    (_, meta) = metadata[base_load_statistic_id(HOUSEHOLD)]
    assert meta["unit_of_measurement"] == "W"
    assert meta["has_sum"] is False
    assert meta["mean_type"].name == "ARITHMETIC"
    assert meta["source"] == "wiener_netze"

    sensor = state(hass, HOUSEHOLD, "base_load")
    assert float(sensor.state) == pytest.approx(85, abs=TOLERANCE_W)
    assert sensor.attributes["date"] == LAST.isoformat()
    assert sensor.attributes["unit_of_measurement"] == "W"

    # A month of the statistics-graph card: the monthly mean is the mean of the days.
    monthly = await get_instance(hass).async_add_executor_job(
        statistics_during_period,
        hass,
        day_start(date(2026, 10, 1)),
        day_start(date(2026, 11, 1)),
        {base_load_statistic_id(HOUSEHOLD)},
        "month",
        None,
        {"mean"},
    )
    days = await base_load_rows(hass, HOUSEHOLD)
    october = [mean for day, mean in days.items() if day.month == 10 and day.year == 2026]
    (row,) = [
        row
        for row in monthly[base_load_statistic_id(HOUSEHOLD)]
        if dt_util.utc_from_timestamp(row["start"]) == day_start(date(2026, 10, 1))
    ]
    assert row["mean"] == pytest.approx(sum(october) / len(october))

    # The next morning 14 November leaves the correction window: its row is written.
    sim_state.settings.token_lifetime = 3 * 24 * 3600
    await tick_to(hass, freezer, sim_state, datetime(2026, 11, 22, 8, 5, tzinfo=VIENNA))
    rows = await base_load_rows(hass, HOUSEHOLD)
    assert max(rows) == SETTLED + timedelta(days=1)
    truth = sim_state.views[HOUSEHOLD].truth
    assert rows[max(rows)] == pytest.approx(truth.standby_w(max(rows)), abs=TOLERANCE_W)
    assert state(hass, HOUSEHOLD, "base_load").attributes["date"] == "2026-11-21"


async def test_switched_off(
    hass: HomeAssistant, simulator: RunningSimulator, sim_state: Simulator
) -> None:
    """No statistic, no sensor; switched on again, the history is read once more for it."""
    entry = make_entry(
        simulator, [HOUSEHOLD], history_years=1, **{CONF_INSIGHTS: {CONF_BASE_LOAD: False}}
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert await base_load_rows(hass, HOUSEHOLD) == {}
    assert hass.states.get("sensor.wohnung_base_load") is None
    assert entry.runtime_data.saved.state.base_load_read is False

    hass.config_entries.async_update_entry(
        entry, options={**entry.options, CONF_INSIGHTS: {CONF_BASE_LOAD: True}}
    )
    await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)
    rows = await base_load_rows(hass, HOUSEHOLD)
    assert min(rows) == date(2025, 11, 21)
    assert max(rows) == SETTLED
    assert len(rows) == len(days_between(date(2025, 11, 21), SETTLED)) - 3
    assert entry.runtime_data.saved.state.base_load_read is True
