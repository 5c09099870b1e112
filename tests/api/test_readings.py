"""Readings over HTTP: bulk and single endpoints, chunking, every accepted response form."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from itertools import pairwise

import pytest

from custom_components.wiener_netze.api import (
    Flow,
    MeterReadings,
    ValueType,
    WienerNetzeClient,
)
from custom_components.wiener_netze.api.vienna_time import local_midnight
from simulator.account import DAILY, FERRARIS, HOUSEHOLD, PHOTOVOLTAIC
from simulator.app import Simulator
from simulator.readings import estimate_factor
from simulator.server import RunningSimulator
from tests.support import make_client

WEEK = (date(2026, 11, 2), date(2026, 11, 8))


def truth_kwh(sim: Simulator, meter: str, first: date, last: date, feed_in: bool) -> list[float]:
    truth = sim.views[meter].truth
    values: list[float] = []
    day = first
    while day <= last:
        values += [wh / 1000 for wh in truth.day(day).values(feed_in)]
        day += timedelta(days=1)
    return values


def kwh(readings: MeterReadings, cde: str) -> list[float]:
    series = readings.get(cde)
    assert series is not None, f"no {cde} series"
    return [reading.value for reading in series.readings]


async def test_one_bulk_request_reads_several_meters(
    client: WienerNetzeClient, sim_state: Simulator
) -> None:
    result = await client.async_get_readings(
        *WEEK, ValueType.QUARTER_HOUR, [HOUSEHOLD, PHOTOVOLTAIC]
    )
    assert set(result) == {HOUSEHOLD, PHOTOVOLTAIC}
    assert sim_state.counts["readings_bulk"] == 1
    query = sim_state.log[-1]["query"]
    assert [v for k, v in query if k == "zaehlpunkt"] == [HOUSEHOLD, PHOTOVOLTAIC]
    assert dict(query)["datumVon"] == "2026-11-02"
    # One day more than wanted; the extra day is filtered out by timestamp.
    assert dict(query)["datumBis"] == "2026-11-09"
    assert kwh(result[HOUSEHOLD], "1.9.0") == pytest.approx(
        truth_kwh(sim_state, HOUSEHOLD, *WEEK, feed_in=False)
    )
    assert kwh(result[PHOTOVOLTAIC], "2.9.0") == pytest.approx(
        truth_kwh(sim_state, PHOTOVOLTAIC, *WEEK, feed_in=True)
    )


async def test_all_meters_when_none_named(client: WienerNetzeClient) -> None:
    result = await client.async_get_readings(*WEEK, ValueType.DAY)
    assert set(result) == {HOUSEHOLD, PHOTOVOLTAIC, DAILY}


async def test_series_models(client: WienerNetzeClient) -> None:
    result = await client.async_get_readings(*WEEK, ValueType.QUARTER_HOUR, [PHOTOVOLTAIC])
    readings = result[PHOTOVOLTAIC]
    consumption, feed_in = readings.get("1.9.0"), readings.get("2.9.0")
    assert consumption is not None
    assert feed_in is not None
    assert consumption.obis.raw == "1-1:1.9.0"
    assert consumption.obis.flow is Flow.CONSUMPTION
    assert feed_in.obis.flow is Flow.FEED_IN
    assert not consumption.obis.is_register
    assert consumption.unit == "WH"
    first = consumption.readings[0]
    assert first.start == local_midnight(WEEK[0])
    assert first.start.tzinfo is UTC
    assert first.end - first.start == timedelta(minutes=15)
    assert first.quality == "VAL"
    assert first.is_validated
    assert not first.is_estimated
    assert len(consumption.readings) == 7 * 96
    assert readings.get("9.9.9") is None


async def test_long_ranges_are_chunked_and_merged(
    session, simulator: RunningSimulator, sim_state: Simulator
) -> None:
    client = make_client(session, simulator, chunk_days=10)
    first, last = date(2026, 10, 1), date(2026, 10, 25)  # ends on the 25-hour day
    result = await client.async_get_readings(first, last, ValueType.QUARTER_HOUR, [HOUSEHOLD])
    ranges = [
        (dict(entry["query"])["datumVon"], dict(entry["query"])["datumBis"])
        for entry in sim_state.log
        if entry["endpoint"] == "readings_bulk"
    ]
    assert ranges == [
        ("2026-10-01", "2026-10-11"),
        ("2026-10-11", "2026-10-21"),
        ("2026-10-21", "2026-10-26"),
    ]
    series = result[HOUSEHOLD].get("1.9.0")
    assert series is not None
    starts = [reading.start for reading in series.readings]
    # Continuous: no gap and no duplicate at chunk boundaries.
    assert all(b - a == timedelta(minutes=15) for a, b in pairwise(starts))
    assert len(starts) == 25 * 96 + 4
    assert [r.value for r in series.readings] == pytest.approx(
        truth_kwh(sim_state, HOUSEHOLD, first, last, feed_in=False)
    )


async def test_single_day_never_sends_equal_dates(
    client: WienerNetzeClient, sim_state: Simulator
) -> None:
    day = date(2026, 11, 10)
    result = await client.async_get_meter_readings(HOUSEHOLD, day, day, ValueType.DAY)
    query = dict(sim_state.log[-1]["query"])
    assert (query["datumVon"], query["datumBis"]) == ("2026-11-10", "2026-11-11")
    assert len(kwh(result, "1.9.0")) == 1
    assert sim_state.counts["readings_single"] == 1


@pytest.mark.parametrize(
    ("day", "intervals"),
    [(date(2026, 3, 29), 92), (date(2026, 10, 25), 100), (date(2026, 6, 1), 96)],
)
async def test_clock_change_days(
    client: WienerNetzeClient, sim_state: Simulator, day: date, intervals: int
) -> None:
    result = await client.async_get_meter_readings(HOUSEHOLD, day, day, ValueType.QUARTER_HOUR)
    series = result.get("1.9.0")
    assert series is not None
    assert len(series.readings) == intervals
    assert series.readings[0].start == local_midnight(day)
    assert series.readings[-1].end == local_midnight(day + timedelta(days=1))
    daily = await client.async_get_meter_readings(HOUSEHOLD, day, day, ValueType.DAY)
    assert kwh(daily, "1.9.0")[0] == pytest.approx(sum(r.value for r in series.readings))


async def test_meter_reads(client: WienerNetzeClient, sim_state: Simulator) -> None:
    result = await client.async_get_readings(*WEEK, ValueType.METER_READ, [PHOTOVOLTAIC])
    imports = result[PHOTOVOLTAIC].get("1.8.0")
    exports = result[PHOTOVOLTAIC].get("2.8.0")
    assert imports is not None
    assert exports is not None
    assert imports.obis.is_register
    truth = sim_state.views[PHOTOVOLTAIC].truth
    assert [r.value for r in imports.readings] == pytest.approx(
        [truth.register(WEEK[0] + timedelta(days=i), False) / 1000 for i in range(7)]
    )
    assert [r.value for r in exports.readings] == pytest.approx(
        [truth.register(WEEK[0] + timedelta(days=i), True) / 1000 for i in range(7)]
    )


async def test_daily_only_meter_has_no_quarter_hours(client: WienerNetzeClient) -> None:
    result = await client.async_get_readings(*WEEK, ValueType.QUARTER_HOUR, [DAILY])
    series = result[DAILY].get("1.9.0")
    assert series is not None
    assert series.unit is None
    assert series.readings == ()


async def test_ferraris_meter_has_no_registers(client: WienerNetzeClient) -> None:
    result = await client.async_get_meter_readings(FERRARIS, *WEEK, ValueType.DAY)
    assert result.series == ()


async def test_unpublished_days_are_absent(client: WienerNetzeClient) -> None:
    # "now" is 2026-11-21 12:00: the 20th is published, the 21st not yet.
    result = await client.async_get_readings(
        date(2026, 11, 19), date(2026, 11, 22), ValueType.DAY, [HOUSEHOLD]
    )
    starts = [r.start for r in result[HOUSEHOLD].get("1.9.0").readings]  # type: ignore[union-attr]
    assert starts == [local_midnight(date(2026, 11, 19)), local_midnight(date(2026, 11, 20))]


@pytest.mark.parametrize("time_style", ["z_millis", "z", "plus0000", "offset"])
@pytest.mark.parametrize(
    ("unit_style", "value_style"),
    [("WH", "int"), ("WH", "float"), ("KWH", "int"), ("kWh", "float")],
)
@pytest.mark.parametrize("list_style", ["bare", "items"])
async def test_every_response_form_gives_the_same_readings(
    client: WienerNetzeClient,
    sim_state: Simulator,
    time_style: str,
    unit_style: str,
    value_style: str,
    list_style: str,
) -> None:
    sim_state.settings.update(
        {
            "time_style": time_style,
            "unit_style": unit_style,
            "value_style": value_style,
            "list_style": list_style,
        }
    )
    day = (date(2026, 10, 25), date(2026, 10, 25))
    result = await client.async_get_readings(*day, ValueType.QUARTER_HOUR, [HOUSEHOLD])
    series = result[HOUSEHOLD].get("1.9.0")
    assert series is not None
    assert [r.value for r in series.readings] == pytest.approx(
        truth_kwh(sim_state, HOUSEHOLD, *day, feed_in=False), abs=1e-9
    )
    assert series.readings[0].start == datetime(2026, 10, 24, 22, 0, tzinfo=UTC)


async def test_order_of_registers_and_values_does_not_matter(
    client: WienerNetzeClient, sim_state: Simulator
) -> None:
    sim_state.settings.reverse_order = True
    result = await client.async_get_readings(*WEEK, ValueType.QUARTER_HOUR, [PHOTOVOLTAIC])
    assert kwh(result[PHOTOVOLTAIC], "1.9.0") == pytest.approx(
        truth_kwh(sim_state, PHOTOVOLTAIC, *WEEK, feed_in=False)
    )
    assert kwh(result[PHOTOVOLTAIC], "2.9.0") == pytest.approx(
        truth_kwh(sim_state, PHOTOVOLTAIC, *WEEK, feed_in=True)
    )


async def test_exclusive_datum_bis_is_tolerated(
    client: WienerNetzeClient, sim_state: Simulator
) -> None:
    sim_state.settings.datum_bis_exclusive = True
    result = await client.async_get_readings(*WEEK, ValueType.DAY, [HOUSEHOLD])
    assert len(kwh(result[HOUSEHOLD], "1.9.0")) == 7


async def test_duplicated_intervals_are_merged(
    client: WienerNetzeClient, sim_state: Simulator
) -> None:
    sim_state.settings.update({"duplicated_interval_days": ["2026-11-03"]})
    result = await client.async_get_readings(*WEEK, ValueType.QUARTER_HOUR, [HOUSEHOLD])
    assert kwh(result[HOUSEHOLD], "1.9.0") == pytest.approx(
        truth_kwh(sim_state, HOUSEHOLD, *WEEK, feed_in=False)
    )


async def test_estimated_values_keep_their_quality(
    client: WienerNetzeClient, sim_state: Simulator
) -> None:
    sim_state.settings.estimate_share = 1.0  # every day is first published as EST
    day = date(2026, 11, 20)
    factor = estimate_factor("tests", HOUSEHOLD, day, sim_state.settings)
    assert factor is not None
    result = await client.async_get_meter_readings(HOUSEHOLD, day, day, ValueType.QUARTER_HOUR)
    series = result.get("1.9.0")
    assert series is not None
    assert {r.quality for r in series.readings} == {"EST"}
    assert all(r.is_estimated for r in series.readings)
    assert sum(r.value for r in series.readings) != pytest.approx(
        sum(truth_kwh(sim_state, HOUSEHOLD, day, day, feed_in=False))
    )
