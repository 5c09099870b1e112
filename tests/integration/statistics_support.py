"""Reading imported statistics back, and the simulator's truth per hour to compare with."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from homeassistant.components.recorder.statistics import statistics_during_period
from homeassistant.core import HomeAssistant
from homeassistant.helpers.recorder import get_instance
from homeassistant.util import dt as dt_util

from custom_components.wiener_netze.api import Flow
from custom_components.wiener_netze.statistic_ids import cost_statistic_id, statistic_id
from simulator.app import Simulator
from simulator.profiles import VIENNA, day_bounds

EPOCH = datetime(2000, 1, 1, tzinfo=UTC)


async def stored(hass: HomeAssistant, number: str, flow: Flow) -> dict[datetime, Any]:
    """Every stored energy row of one meter and flow, by start: {"change", "sum", "state"}."""
    return await stored_rows(hass, statistic_id(number, flow))


async def stored_money(hass: HomeAssistant, number: str, flow: Flow) -> dict[datetime, Any]:
    """Every stored cost (consumption) or compensation (feed-in) row, by start."""
    return await stored_rows(hass, cost_statistic_id(number, flow))


async def stored_rows(hass: HomeAssistant, sid: str) -> dict[datetime, Any]:
    """Every stored row of one statistic, by start: {"change", "sum", "state"}."""
    rows = await get_instance(hass).async_add_executor_job(
        statistics_during_period,
        hass,
        EPOCH,
        None,
        {sid},
        "hour",
        None,
        {"change", "sum", "state"},
    )
    return {dt_util.utc_from_timestamp(row["start"]): row for row in rows.get(sid, [])}


def truth_hours(
    sim: Simulator, number: str, first: date, last: date, feed_in: bool
) -> dict[datetime, float]:
    """What the meter measured per UTC hour on the local days ``first``..``last``, in kWh."""
    truth = sim.views[number].truth
    hours: dict[datetime, float] = defaultdict(float)
    day = first
    while day <= last:
        values = truth.day(day)
        for start, wh in zip(values.starts, values.values(feed_in), strict=True):
            hour = start.astimezone(UTC).replace(minute=0)
            hours[hour] += wh / 1000
        day += timedelta(days=1)
    return dict(hours)


def truth_days(sim: Simulator, number: str, first: date, last: date) -> dict[datetime, float]:
    """Day totals booked at the UTC hour their local day starts, in kWh."""
    truth = sim.views[number].truth
    result = {}
    day = first
    while day <= last:
        result[day_bounds(day)[0].astimezone(UTC)] = truth.day_total(day, False) / 1000
        day += timedelta(days=1)
    return result


def assert_equal_hours(rows: dict[datetime, dict], truth: dict[datetime, float]) -> None:
    """Every hour's change equals the truth and the running sum is the truth's running sum."""
    assert sorted(rows) == sorted(truth)
    total = 0.0
    for start in sorted(truth):
        total += truth[start]
        assert rows[start]["change"] == pytest.approx(truth[start], abs=1e-6), start
        assert rows[start]["sum"] == pytest.approx(total, abs=1e-4), start


def published_hours(
    sim: Simulator, number: str, first: date, last: date, feed_in: bool
) -> dict[datetime, float]:
    """What the statistic of a meter and flow should hold for the local days ``first``..``last``:
    each hour of a day published by quarter hours, the day total at its local midnight for a
    day published by day values only, nothing before the meter or its PV existed."""
    spec = sim.meters[number]
    truth = sim.views[number].truth
    hours: dict[datetime, float] = defaultdict(float)
    day = max(first, spec.installed)
    while day <= last:
        if feed_in and not spec.feeds_in_on(day):
            day += timedelta(days=1)
            continue
        values = truth.day(day)
        if spec.quarter_hours_on(day):
            for start, wh in zip(values.starts, values.values(feed_in), strict=True):
                hours[start.astimezone(UTC).replace(minute=0)] += wh / 1000
        else:
            hours[day_bounds(day)[0].astimezone(UTC)] = truth.day_total(day, feed_in) / 1000
        day += timedelta(days=1)
    return dict(hours)


def assert_states_are_registers(
    sim: Simulator, number: str, rows: dict[datetime, Any], feed_in: bool
) -> int:
    """Every hour's state is the meter's register at its end.

    At the end of every day the register Wiener Netze read; within a day that register less
    the energy after the hour. Returns how many days were checked.
    """
    view = sim.views[number]
    by_day: dict[date, list[datetime]] = defaultdict(list)
    for start in rows:
        by_day[(start + timedelta(minutes=59)).astimezone(VIENNA).date()].append(start)
    for day, starts in by_day.items():
        register = view.register(day, feed_in) / 1000
        after = 0.0
        for start in sorted(starts, reverse=True):
            assert rows[start]["state"] == pytest.approx(register - after, abs=1e-6), (
                number,
                start,
            )
            after += rows[start]["change"]
    return len(by_day)
