"""Meter master data over HTTP: list (both result types, both list forms) and detail."""

from __future__ import annotations

from datetime import date

import pytest

from custom_components.wiener_netze.api import (
    NotFoundError,
    ResultType,
    ValueType,
    WienerNetzeClient,
)
from simulator.account import DAILY, FERRARIS, HOUSEHOLD, PHOTOVOLTAIC
from simulator.app import Simulator

DAY = ValueType.DAY


async def test_all_meters_include_the_ferraris_meter(client: WienerNetzeClient) -> None:
    meters = {meter.number: meter for meter in await client.async_get_meters(ResultType.ALL)}
    assert set(meters) == {HOUSEHOLD, PHOTOVOLTAIC, DAILY, FERRARIS}
    assert not meters[FERRARIS].is_smart_meter
    assert meters[FERRARIS].granularity is None
    assert meters[DAILY].granularity == "DAY"
    assert meters[HOUSEHOLD].granularity == "QUARTER_HOUR"


async def test_smart_meters_only(client: WienerNetzeClient, sim_state: Simulator) -> None:
    meters = await client.async_get_meters(ResultType.SMART_METER)
    assert {meter.number for meter in meters} == {HOUSEHOLD, PHOTOVOLTAIC, DAILY}
    assert sim_state.log[-1]["query"] == [["resultType", "SMART_METER"]]


async def test_filter_by_repeated_meter_numbers(
    client: WienerNetzeClient, sim_state: Simulator
) -> None:
    meters = await client.async_get_meters(ResultType.ALL, [HOUSEHOLD, FERRARIS])
    assert [meter.number for meter in meters] == [HOUSEHOLD, FERRARIS]
    assert sim_state.log[-1]["query"][:2] == [["zaehlpunkt", HOUSEHOLD], ["zaehlpunkt", FERRARIS]]


@pytest.mark.parametrize("list_style", ["bare", "items"])
async def test_list_forms(client: WienerNetzeClient, sim_state: Simulator, list_style: str) -> None:
    sim_state.settings.list_style = list_style
    assert len(await client.async_get_meters()) == 4


async def test_meter_detail_has_every_field(client: WienerNetzeClient) -> None:
    meter = await client.async_get_meter(HOUSEHOLD)
    assert meter.number == HOUSEHOLD
    assert meter.name == "Wohnung"
    assert meter.installation is not None
    assert (meter.installation.number, meter.installation.division, meter.installation.type) == (
        "4400123456",
        "STROM",
        "BEZUG",
    )
    assert meter.device is not None
    assert meter.device.equipment_number == "80012345"
    assert meter.device.device_number == "1KFM0200345678"
    assert meter.interface is not None
    assert meter.interface.customer_interface == "active"
    assert meter.interface.display_locked is True
    assert meter.interface.granularity == "QUARTER_HOUR"
    assert meter.address is not None
    assert meter.address.street == "Favoritenstraße"
    assert meter.address.postal_code == "1100"
    assert meter.address.country == "AT"
    assert meter.address.one_line == "Favoritenstraße 112/2/3/14, 1100 Wien"


async def test_unknown_meter_is_not_found(client: WienerNetzeClient, sim_state: Simulator) -> None:
    with pytest.raises(NotFoundError, match="404"):
        await client.async_get_meter("AT0010000000000000001000000000000")
    # 404 is final: no retry.
    assert sim_state.counts["meter"] == 1


async def test_every_call_carries_both_headers(
    client: WienerNetzeClient, sim_state: Simulator
) -> None:
    # The simulator answers 401 without the key and without a valid bearer token, so a
    # successful call of each endpoint shows both headers were sent.
    await client.async_get_meters()
    await client.async_get_meter(DAILY)
    await client.async_get_meter_readings(DAILY, date(2026, 11, 1), date(2026, 11, 2), DAY)
    await client.async_get_readings(date(2026, 11, 1), date(2026, 11, 2), DAY)
    for endpoint in ("meters", "meter", "readings_single", "readings_bulk"):
        assert sim_state.counts[endpoint] == 1
    assert sim_state.counts["token"] == 1
