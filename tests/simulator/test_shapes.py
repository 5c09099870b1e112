"""The default account's metering-point shapes, and accounts that change, over HTTP."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import aiohttp
import pytest

from custom_components.wiener_netze.api import ForbiddenError, NotFoundError, ValueType
from simulator.account import (
    DAILY,
    FEED_IN_ONLY,
    HOUSEHOLD,
    HOUSEHOLD_QUARTER_HOURS_FROM,
    PHOTOVOLTAIC,
    PV_FROM,
)
from simulator.app import Simulator
from simulator.profiles import VIENNA
from simulator.server import RunningSimulator
from tests.support import make_client, make_simulator

ONE_DAY = timedelta(days=1)


@pytest.fixture
def sim_state() -> Simulator:
    """The default account: every shape."""
    return make_simulator()


def obis(answer: Any, number: str) -> dict[str, int]:
    """OBIS code → number of values of one meter in a client answer."""
    return {series.obis.raw: len(series.readings) for series in answer[number].series}


async def test_quarter_hours_switched_on_partway(
    session: aiohttp.ClientSession, simulator: RunningSimulator, sim_state: Simulator
) -> None:
    """Before the opt-in: day values and registers, no quarter hours; from it: all three."""
    client = make_client(session, simulator)
    before, after = HOUSEHOLD_QUARTER_HOURS_FROM - ONE_DAY, HOUSEHOLD_QUARTER_HOURS_FROM
    quarter = await client.async_get_readings(before, after, ValueType.QUARTER_HOUR, [HOUSEHOLD])
    starts = {reading.start for reading in quarter[HOUSEHOLD].series[0].readings}
    assert len(starts) == 96
    assert min(starts).astimezone(VIENNA).date() == after
    days = await client.async_get_readings(before, after, ValueType.DAY, [HOUSEHOLD])
    assert obis(days, HOUSEHOLD) == {"1-1:1.9.0": 2}
    registers = await client.async_get_readings(before, after, ValueType.METER_READ, [HOUSEHOLD])
    assert obis(registers, HOUSEHOLD) == {"1-1:1.8.0": 2}
    old = await client.async_get_readings(before, before, ValueType.QUARTER_HOUR, [HOUSEHOLD])
    assert obis(old, HOUSEHOLD) == {"1-1:1.9.0": 0}  # the series, without values
    [meter] = await client.async_get_meters(meters=[HOUSEHOLD])
    assert meter.granularity == "QUARTER_HOUR"
    sim_state.clock.set(datetime(2024, 2, 10, 12, tzinfo=VIENNA))
    [meter] = await client.async_get_meters(meters=[HOUSEHOLD])
    assert meter.granularity == "DAY"  # the portal's setting before the opt-in


async def test_feed_in_only_metering_point(
    session: aiohttp.ClientSession, simulator: RunningSimulator, sim_state: Simulator
) -> None:
    """A PV plant's own metering point has feed-in series only."""
    client = make_client(session, simulator)
    day = date(2026, 6, 21)
    for value_type, codes in (
        (ValueType.QUARTER_HOUR, {"1-1:2.9.0": 96}),
        (ValueType.DAY, {"1-1:2.9.0": 1}),
        (ValueType.METER_READ, {"1-1:2.8.0": 1}),
    ):
        answer = await client.async_get_readings(day, day, value_type, [FEED_IN_ONLY])
        assert obis(answer, FEED_IN_ONLY) == codes
    truth = sim_state.views[FEED_IN_ONLY].truth
    assert truth.day_total(day, True) > 20_000
    assert truth.day_total(day, False) == 0
    [meter] = await client.async_get_meters(meters=[FEED_IN_ONLY])
    assert meter.installation is not None
    assert meter.installation.type == "EINSPEISUNG"


async def test_pv_added_on_a_date(
    session: aiohttp.ClientSession, simulator: RunningSimulator, sim_state: Simulator
) -> None:
    """No feed-in values for days before the PV; the export register starts with it."""
    client = make_client(session, simulator)
    before = await client.async_get_readings(
        PV_FROM - 2 * ONE_DAY, PV_FROM - ONE_DAY, ValueType.DAY, [PHOTOVOLTAIC]
    )
    # The client asks for one day more (datumBis), which has the export series already.
    assert obis(before, PHOTOVOLTAIC) == {"1-1:1.9.0": 2, "1-1:2.9.0": 0}
    long_before = await client.async_get_readings(
        date(2024, 1, 1), date(2024, 1, 2), ValueType.DAY, [PHOTOVOLTAIC]
    )
    assert obis(long_before, PHOTOVOLTAIC) == {"1-1:1.9.0": 2}
    across = await client.async_get_readings(
        PV_FROM - ONE_DAY, PV_FROM, ValueType.METER_READ, [PHOTOVOLTAIC]
    )
    assert obis(across, PHOTOVOLTAIC) == {"1-1:1.8.0": 2, "1-1:2.8.0": 1}
    truth = sim_state.views[PHOTOVOLTAIC].truth
    assert truth.day_total(PV_FROM - ONE_DAY, True) == 0
    assert truth.register(PV_FROM - ONE_DAY, True) == truth.spec.initial_export_wh


async def test_meters_appear_and_disappear(
    session: aiohttp.ClientSession, simulator: RunningSimulator, sim_state: Simulator
) -> None:
    """A meter added on a day is listed from it; one removed is gone, and naming it is a 404."""
    client = make_client(session, simulator)
    sim_state.settings.update(
        {
            "added_meter": PHOTOVOLTAIC,
            "added_on": "2026-11-25",
            "removed_meter": DAILY,
            "removed_on": "2026-11-21",
        }
    )
    listed = {meter.number for meter in await client.async_get_meters()}
    assert PHOTOVOLTAIC not in listed
    assert DAILY not in listed
    assert HOUSEHOLD in listed
    with pytest.raises(NotFoundError):
        await client.async_get_readings(
            date(2026, 11, 19), date(2026, 11, 20), ValueType.DAY, [HOUSEHOLD, DAILY]
        )
    sim_state.clock.set(datetime(2026, 11, 25, 8, tzinfo=VIENNA))
    listed = {meter.number for meter in await client.async_get_meters()}
    assert PHOTOVOLTAIC in listed
    # The history of a meter added to the account is there from its installation.
    answer = await client.async_get_readings(
        date(2024, 1, 1), date(2024, 1, 1), ValueType.DAY, [PHOTOVOLTAIC]
    )
    assert obis(answer, PHOTOVOLTAIC) == {"1-1:1.9.0": 1}


async def test_a_meter_the_application_may_not_read(
    session: aiohttp.ClientSession, simulator: RunningSimulator, sim_state: Simulator
) -> None:
    """A request naming a forbidden meter answers 403; the others can be read alone."""
    client = make_client(session, simulator)
    sim_state.settings.forbidden_meters = [DAILY]
    day = date(2026, 11, 20)
    with pytest.raises(ForbiddenError):
        await client.async_get_readings(day, day, ValueType.DAY, [HOUSEHOLD, DAILY])
    answer = await client.async_get_readings(day, day, ValueType.DAY, [HOUSEHOLD])
    assert set(answer) == {HOUSEHOLD}


async def test_account_switched_at_run_time(
    session: aiohttp.ClientSession, simulator: RunningSimulator, sim_state: Simulator
) -> None:
    """The ``account`` setting selects another account while the simulator runs."""
    client = make_client(session, simulator)
    assert FEED_IN_ONLY in {meter.number for meter in await client.async_get_meters()}
    async with session.post(
        f"{simulator.url}/_sim/settings", json={"account": "plain"}
    ) as response:
        assert response.status == 200
    assert FEED_IN_ONLY not in {meter.number for meter in await client.async_get_meters()}
    async with session.post(
        f"{simulator.url}/_sim/settings", json={"account": "feed_in_only"}
    ) as response:
        assert response.status == 200
    assert [meter.number for meter in await client.async_get_meters()] == [FEED_IN_ONLY]
    async with session.post(
        f"{simulator.url}/_sim/settings", json={"account": "nowhere"}
    ) as response:
        assert response.status == 400
        assert "unknown account" in (await response.json())["error"]


async def test_truth_names_each_days_source(
    session: aiohttp.ClientSession, simulator: RunningSimulator
) -> None:
    """The truth endpoint says how each day is published, and which flows exist on it."""
    params = {
        "zaehlpunkt": HOUSEHOLD,
        "datumVon": str(HOUSEHOLD_QUARTER_HOURS_FROM - ONE_DAY),
        "datumBis": str(HOUSEHOLD_QUARTER_HOURS_FROM),
    }
    async with session.get(f"{simulator.url}/_sim/truth", params=params) as response:
        days = (await response.json())["days"]
    assert [day["source"] for day in days] == ["day", "quarter_hour"]
    params = {"zaehlpunkt": FEED_IN_ONLY, "datumVon": "2026-06-21", "datumBis": "2026-06-21"}
    async with session.get(f"{simulator.url}/_sim/truth", params=params) as response:
        [day] = (await response.json())["days"]
    assert day["consumption_wh"] is None
    assert sum(day["feed_in_wh"]) > 20_000
