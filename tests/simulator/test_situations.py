"""Switchable situations over HTTP: a delivery outage, answers without registers or meters,
an unrequested meter, the gateway down, and a meter switching to quarter hours during a day."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date, datetime, timedelta
from typing import Any

import aiohttp
import pytest

from simulator.account import DAILY, FERRARIS, HOUSEHOLD, PHOTOVOLTAIC
from simulator.app import GATEWAY_ERROR
from simulator.profiles import VIENNA
from simulator.server import RunningSimulator, start
from simulator.settings import Settings
from tests.support import API_KEY, CLIENT_ID, SECRET, make_simulator

SMART = (HOUSEHOLD, PHOTOVOLTAIC, DAILY)
UNKNOWN = "AT0010000000000000001000000000099"


async def headers(session: aiohttp.ClientSession, sim: RunningSimulator) -> dict[str, str]:
    """A fresh token and the API key, as the gateway wants them."""
    form = {"grant_type": "client_credentials", "client_id": CLIENT_ID, "client_secret": SECRET}
    async with session.post(sim.token_url, data=form) as response:
        assert response.status == 200
        token = (await response.json())["access_token"]
    return {"Authorization": f"Bearer {token}", "x-Gateway-APIKey": API_KEY}


async def get(
    session: aiohttp.ClientSession, sim: RunningSimulator, path: str, params: Any = None
) -> tuple[int, Any]:
    """A gateway request with a fresh token: status and JSON body."""
    auth = await headers(session, sim)
    async with session.get(f"{sim.api_url}{path}", params=params, headers=auth) as response:
        return response.status, await response.json()


async def configure(session: aiohttp.ClientSession, sim: RunningSimulator, **changes: Any) -> None:
    """``POST /_sim/settings``."""
    async with session.post(f"{sim.url}/_sim/settings", json=changes) as response:
        assert response.status == 200, await response.json()


async def set_clock(session: aiohttp.ClientSession, sim: RunningSimulator, now: datetime) -> None:
    """``POST /_sim/clock`` (the clock stays frozen)."""
    async with session.post(f"{sim.url}/_sim/clock", json={"now": now.isoformat()}) as response:
        assert response.status == 200


def query(first: date, last: date, value_type: str, *meters: str) -> list[tuple[str, str]]:
    """Readings parameters: the days ``first``..``last`` (datumBis inclusive, after datumVon)."""
    params = [("zaehlpunkt", number) for number in meters]
    return [*params, ("datumVon", str(first)), ("datumBis", str(last)), ("wertetyp", value_type)]


async def readings(
    session: aiohttp.ClientSession,
    sim: RunningSimulator,
    first: date,
    last: date,
    value_type: str,
    *meters: str,
) -> dict[str, list[dict[str, Any]]]:
    """A bulk readings answer: ``zaehlwerke`` by meter (each meter once)."""
    status, body = await get(
        session, sim, "/zaehlpunkte/messwerte", query(first, last, value_type, *meters)
    )
    assert status == 200, body
    answered = {entry["zaehlpunkt"]: entry["zaehlwerke"] for entry in body}
    assert len(answered) == len(body)
    return answered


def local_day(text: str) -> date:
    return datetime.fromisoformat(text).astimezone(VIENNA).date()


def days_of(zaehlwerke: list[dict[str, Any]]) -> dict[str, list[date]]:
    """OBIS code → the local days it has values for."""
    return {
        series["obisCode"]: sorted({local_day(value["zeitVon"]) for value in series["messwerte"]})
        for series in zaehlwerke
    }


def span(first: date, last: date) -> list[date]:
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=VIENNA)


# -- delivery outage -----------------------------------------------------------------------------

NOV = {day: date(2026, 11, day) for day in range(10, 30)}


async def test_outage_of_every_meter_ends_on_a_day_with_the_whole_backlog(
    session: aiohttp.ClientSession, simulator: RunningSimulator
) -> None:
    """From ``outage_from`` nothing is published, in any value type, until ``outage_ends_on``
    at the publication hour; then every day at once. The series stay, without values."""
    await configure(session, simulator, outage_from="2026-11-18", outage_ends_on="2026-11-24")
    first, last = NOV[16], NOV[23]
    for now, published in (
        (at(NOV[21], 12), span(NOV[16], NOV[17])),  # 18..20 would be published by now
        (at(NOV[24], 5, 59), span(NOV[16], NOV[17])),
        (at(NOV[24], 6), span(NOV[16], NOV[23])),  # the backlog and the day before at once
    ):
        await set_clock(session, simulator, now)
        days = await readings(session, simulator, first, last, "DAY")
        assert set(days) == set(SMART)
        assert days_of(days[HOUSEHOLD]) == {"1-1:1.9.0": published}
        assert days_of(days[PHOTOVOLTAIC]) == {"1-1:1.9.0": published, "1-1:2.9.0": published}
        assert days_of(days[DAILY]) == {"1-1:1.9.0": published}
        assert {series["einheit"] for series in days[DAILY]} == {"WH"}
        registers = await readings(session, simulator, first, last, "METER_READ", DAILY)
        assert days_of(registers[DAILY]) == {"1-1:1.8.0": published}
        quarters = await readings(session, simulator, first, last, "QUARTER_HOUR", HOUSEHOLD)
        [series] = quarters[HOUSEHOLD]
        assert len(series["messwerte"]) == 96 * len(published)
        assert series["einheit"] == "WH"
    status, listed = await get(session, simulator, "/zaehlpunkte")
    assert (status, len(listed)) == (200, 3)  # every meter stays on the account


async def test_outage_of_one_meter_lasts_until_switched_off(
    session: aiohttp.ClientSession, simulator: RunningSimulator
) -> None:
    """One meter's data stops while the others go on; ``outage_from`` back to None releases
    the backlog at once."""
    await configure(session, simulator, outage_from="2026-11-18", outage_meters=[DAILY])
    first, last = NOV[16], NOV[25]
    await set_clock(session, simulator, at(NOV[26], 12))
    days = await readings(session, simulator, first, last, "DAY", HOUSEHOLD, DAILY)
    assert days_of(days[HOUSEHOLD]) == {"1-1:1.9.0": span(NOV[16], NOV[25])}
    assert days_of(days[DAILY]) == {"1-1:1.9.0": span(NOV[16], NOV[17])}
    assert [series["obisCode"] for series in days[DAILY]] == ["1-1:1.9.0"]
    status, single = await get(
        session, simulator, f"/zaehlpunkte/{DAILY}/messwerte", query(first, last, "METER_READ")
    )
    assert status == 200
    assert days_of(single["zaehlwerke"]) == {"1-1:1.8.0": span(NOV[16], NOV[17])}

    await configure(session, simulator, outage_from=None)
    days = await readings(session, simulator, first, last, "DAY", DAILY)
    assert days_of(days[DAILY]) == {"1-1:1.9.0": span(NOV[16], NOV[25])}


# -- answers without registers, without meters, with a meter too many ----------------------------


@pytest.mark.parametrize("value_type", ["QUARTER_HOUR", "DAY", "METER_READ"])
async def test_meter_answering_without_registers(
    session: aiohttp.ClientSession, simulator: RunningSimulator, value_type: str
) -> None:
    """Bulk and single readings answer ``"zaehlwerke": []`` for the meter; others as usual."""
    await configure(session, simulator, no_registers_meters=[HOUSEHOLD])
    params = query(NOV[19], NOV[20], value_type)
    answer = await readings(session, simulator, NOV[19], NOV[20], value_type, HOUSEHOLD, DAILY)
    assert answer[HOUSEHOLD] == []
    assert len(answer[DAILY]) == 1
    status, single = await get(session, simulator, f"/zaehlpunkte/{HOUSEHOLD}/messwerte", params)
    assert (status, single) == (200, {"zaehlpunkt": HOUSEHOLD, "zaehlwerke": []})


async def test_undelivered_day_never_comes(
    session: aiohttp.ClientSession, simulator: RunningSimulator
) -> None:
    """A day never delivered: no value of any type for it, the days around it as usual."""
    await configure(session, simulator, undelivered_days=[NOV[19].isoformat()])
    for value_type in ("QUARTER_HOUR", "DAY", "METER_READ"):
        answer = await readings(session, simulator, NOV[18], NOV[20], value_type, HOUSEHOLD)
        days = {
            local_day(entry["zeitVon"])
            for register in answer[HOUSEHOLD]
            for entry in register["messwerte"]
        }
        assert days == {NOV[18], NOV[20]}, value_type


async def test_meter_absent_from_answers_of_one_value_type(
    session: aiohttp.ClientSession, simulator: RunningSimulator
) -> None:
    """Left out of the day-value answers only, although named; other types and meters as usual."""
    await configure(session, simulator, absent_meters=[HOUSEHOLD], absent_value_types=["DAY"])
    day = await readings(session, simulator, NOV[19], NOV[20], "DAY", HOUSEHOLD, DAILY)
    assert set(day) == {DAILY}
    quarter = await readings(session, simulator, NOV[19], NOV[20], "QUARTER_HOUR", HOUSEHOLD, DAILY)
    assert set(quarter) == {HOUSEHOLD, DAILY}
    await configure(session, simulator, absent_value_types=[])
    for value_type in ("QUARTER_HOUR", "DAY", "METER_READ"):
        answer = await readings(session, simulator, NOV[19], NOV[20], value_type, HOUSEHOLD, DAILY)
        assert set(answer) == {DAILY}


async def test_empty_meter_list_while_each_meter_answers(
    session: aiohttp.ClientSession, simulator: RunningSimulator
) -> None:
    """The account's list is empty, in the list style; a meter asked for by number answers."""
    await configure(session, simulator, empty_meter_list=True)
    for result_type in ("", "ALL"):
        status, body = await get(session, simulator, "/zaehlpunkte", {"resultType": result_type})
        assert (status, body) == (200, [])
    await configure(session, simulator, list_style="items")
    assert await get(session, simulator, "/zaehlpunkte") == (200, {"items": []})
    status, body = await get(session, simulator, "/zaehlpunkte", {"zaehlpunkt": HOUSEHOLD})
    assert (status, [meter["zaehlpunktnummer"] for meter in body["items"]]) == (200, [HOUSEHOLD])
    status, body = await get(session, simulator, f"/zaehlpunkte/{DAILY}")
    assert (status, body["zaehlpunktnummer"]) == (200, DAILY)
    status, body = await get(
        session, simulator, "/zaehlpunkte/messwerte", query(NOV[19], NOV[20], "DAY")
    )
    assert status == 200
    assert {entry["zaehlpunkt"] for entry in body["items"]} == set(SMART)


async def test_unrequested_meter_of_the_account_in_a_bulk_answer(
    session: aiohttp.ClientSession, simulator: RunningSimulator
) -> None:
    """The bulk answer also carries the meter with its real readings; single answers do not."""
    await configure(session, simulator, unrequested_meter=DAILY)
    params = query(NOV[19], NOV[20], "DAY")
    answer = await readings(session, simulator, NOV[19], NOV[20], "DAY", HOUSEHOLD)
    assert list(answer) == [HOUSEHOLD, DAILY]
    status, alone = await get(session, simulator, f"/zaehlpunkte/{DAILY}/messwerte", params)
    assert (status, answer[DAILY]) == (200, alone["zaehlwerke"])
    assert len(days_of(alone["zaehlwerke"])["1-1:1.9.0"]) == 2
    status, single = await get(session, simulator, f"/zaehlpunkte/{HOUSEHOLD}/messwerte", params)
    assert (status, single["zaehlpunkt"]) == (200, HOUSEHOLD)
    named = await readings(session, simulator, NOV[19], NOV[20], "DAY", HOUSEHOLD, DAILY)
    assert list(named) == [HOUSEHOLD, DAILY]  # once: ``readings`` checks


async def test_unrequested_unknown_meter_in_a_bulk_answer(
    session: aiohttp.ClientSession, simulator: RunningSimulator
) -> None:
    """A number outside the account comes with the first requested meter's series."""
    await configure(session, simulator, unrequested_meter=UNKNOWN)
    answer = await readings(session, simulator, NOV[19], NOV[20], "QUARTER_HOUR", PHOTOVOLTAIC)
    assert list(answer) == [PHOTOVOLTAIC, UNKNOWN]
    assert answer[UNKNOWN] == answer[PHOTOVOLTAIC]
    status, _ = await get(session, simulator, f"/zaehlpunkte/{UNKNOWN}")
    assert status == 404  # still not a meter of the account


# -- the gateway down ----------------------------------------------------------------------------


async def test_gateway_down_answers_503_and_counts(
    session: aiohttp.ClientSession, simulator: RunningSimulator
) -> None:
    """Every gateway request answers 503 in the gateway's form; the token endpoint works."""
    await configure(session, simulator, gateway_down=True)
    params = query(NOV[19], NOV[20], "DAY")
    for path, query_params in (
        ("/zaehlpunkte", None),
        (f"/zaehlpunkte/{HOUSEHOLD}", None),
        ("/zaehlpunkte/messwerte", params),
        (f"/zaehlpunkte/{HOUSEHOLD}/messwerte", params),
    ):
        status, body = await get(session, simulator, path, query_params)
        assert status == 503
        assert body == {"Exception": f"{GATEWAY_ERROR}Service Unavailable"}
    async with session.get(f"{simulator.url}/_sim/requests") as response:
        counts = (await response.json())["counts"]
    assert counts["token"] == 4
    for endpoint in ("meters", "meter", "readings_bulk", "readings_single"):
        assert counts[endpoint] == 1
    await configure(session, simulator, gateway_down=False)
    status, _ = await get(session, simulator, "/zaehlpunkte")
    assert status == 200


# -- a meter switching to quarter hours during a day ---------------------------------------------

SWITCH = "2026-11-19T10:00:00+01:00"


@pytest.fixture
async def opted_in(socket_enabled: None) -> AsyncIterator[RunningSimulator]:
    """A simulator started with the day-values meter switching to quarter hours at 10:00."""
    running = await start(make_simulator(opt_in_meter=DAILY, opt_in_at=SWITCH))
    yield running
    await running.stop()


async def granularity(session: aiohttp.ClientSession, sim: RunningSimulator) -> str:
    status, body = await get(session, sim, f"/zaehlpunkte/{DAILY}")
    assert status == 200
    return str(body["idex"]["granularity"])


async def test_switch_to_quarter_hours_during_a_day(
    session: aiohttp.ClientSession, opted_in: RunningSimulator
) -> None:
    """The switch day's day value first, its quarter hours from the moment on a day later."""
    simulator = opted_in
    switch_day = NOV[19]
    await set_clock(session, simulator, at(NOV[18], 23, 59))
    assert await granularity(session, simulator) == "DAY"
    await set_clock(session, simulator, at(switch_day, 0))
    assert await granularity(session, simulator) == "QUARTER_HOUR"

    first, last = NOV[17], NOV[20]
    await set_clock(session, simulator, at(NOV[21], 5, 59))
    days = await readings(session, simulator, first, last, "DAY", DAILY)
    assert days_of(days[DAILY]) == {"1-1:1.9.0": span(first, NOV[19])}
    registers = await readings(session, simulator, first, last, "METER_READ", DAILY)
    assert days_of(registers[DAILY]) == {"1-1:1.8.0": span(first, NOV[19])}
    quarters = await readings(session, simulator, first, last, "QUARTER_HOUR", DAILY)
    assert quarters[DAILY] == [{"obisCode": "1-1:1.9.0", "einheit": "WH", "messwerte": []}]

    await set_clock(session, simulator, at(NOV[21], 6))
    quarters = await readings(session, simulator, first, last, "QUARTER_HOUR", DAILY)
    [series] = quarters[DAILY]
    starts = [datetime.fromisoformat(value["zeitVon"]) for value in series["messwerte"]]
    assert len(starts) == 14 * 4 + 96  # from 10:00 on the switch day, then the whole day after
    assert starts[0] == datetime.fromisoformat(SWITCH)
    assert local_day(series["messwerte"][-1]["zeitVon"]) == NOV[20]

    # The day value is the whole day's, as the truth says; the quarter hours only its rest.
    params = {"zaehlpunkt": DAILY, "datumVon": str(NOV[18]), "datumBis": str(NOV[20])}
    async with session.get(f"{simulator.url}/_sim/truth", params=params) as response:
        truth = (await response.json())["days"]
    assert [day["source"] for day in truth] == ["day", "partial_quarter_hour", "quarter_hour"]
    assert [day["quarter_hours_from"] for day in truth] == [None, "2026-11-19T09:00:00+00:00", None]
    days = await readings(session, simulator, switch_day, NOV[20], "DAY", DAILY)
    [[day_value, _]] = [series["messwerte"] for series in days[DAILY]]
    assert day_value["messwert"] == sum(truth[1]["consumption_wh"])
    partial = sum(value["messwert"] for value in series["messwerte"][: 14 * 4])
    assert partial == sum(truth[1]["consumption_wh"][40:])  # 40 quarter hours before 10:00


async def test_switch_day_quarter_hours_wait_longer_than_later_days(
    session: aiohttp.ClientSession, simulator: RunningSimulator
) -> None:
    """With a delay of two days the day after the switch day is published before it."""
    await configure(session, simulator, opt_in_meter=DAILY, opt_in_at=SWITCH, opt_in_delay_days=2)
    await set_clock(session, simulator, at(NOV[18], 12))
    assert await granularity(session, simulator) == "DAY"
    await set_clock(session, simulator, at(NOV[21], 12))
    quarters = await readings(session, simulator, NOV[19], NOV[20], "QUARTER_HOUR", DAILY)
    assert days_of(quarters[DAILY]) == {"1-1:1.9.0": [NOV[20]]}
    await set_clock(session, simulator, at(NOV[22], 6))
    quarters = await readings(session, simulator, NOV[19], NOV[20], "QUARTER_HOUR", DAILY)
    assert days_of(quarters[DAILY]) == {"1-1:1.9.0": [NOV[19], NOV[20]]}


# -- the settings themselves ---------------------------------------------------------------------


def test_new_settings_from_command_line_text() -> None:
    """``--set`` gives text; each new setting reads it."""
    settings = Settings()
    settings.update(
        {
            "outage_from": "2026-11-18",
            "outage_ends_on": "2026-11-24",
            "outage_meters": f"{DAILY}, {HOUSEHOLD}",
            "no_registers_meters": HOUSEHOLD,
            "empty_meter_list": "true",
            "unrequested_meter": UNKNOWN,
            "gateway_down": "on",
            "opt_in_meter": DAILY,
            "opt_in_at": "2026-11-19T09:00:00Z",
            "opt_in_delay_days": "3",
        }
    )
    assert settings.outage_from == NOV[18]
    assert settings.outage_meters == [DAILY, HOUSEHOLD]
    assert settings.no_registers_meters == [HOUSEHOLD]
    assert settings.empty_meter_list is settings.gateway_down is True
    assert settings.opt_in_at == datetime.fromisoformat(SWITCH)
    assert settings.opt_in_delay_days == 3
    assert settings.as_dict()["opt_in_at"] == "2026-11-19T09:00:00+00:00"


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"opt_in_at": "2026-11-19T10:00:00"}, "opt_in_at needs a time with an offset"),
        ({"opt_in_at": "soon"}, "opt_in_at takes an ISO time"),
        ({"opt_in_delay_days": "-1"}, "opt_in_delay_days cannot be negative"),
        ({"opt_in_delay_days": "one"}, "opt_in_delay_days takes a whole number"),
        ({"outage_from": "18.11.2026"}, "outage_from takes an ISO date"),
        (
            {"outage_from": "2026-11-18", "outage_ends_on": "2026-11-18"},
            "outage_ends_on (2026-11-18) must be after outage_from (2026-11-18)",
        ),
        ({"outage_meters": 5}, "outage_meters takes a list"),
        ({"gateway_down": "perhaps"}, "gateway_down takes true or false"),
        ({"empty_meter_list": "perhaps"}, "empty_meter_list takes true or false"),
    ],
)
def test_bad_values_are_rejected_and_change_nothing(changes: dict[str, Any], message: str) -> None:
    settings = Settings(outage_from=NOV[10])
    before = settings.as_dict()
    with pytest.raises(ValueError, match="^" + message.replace("(", r"\(").replace(")", r"\)")):
        settings.update({"gateway_down": True, **changes})
    assert settings.as_dict() == before


async def test_bad_value_over_http_and_reset_to_the_start_settings(
    session: aiohttp.ClientSession, opted_in: RunningSimulator
) -> None:
    """A bad value answers 400 with the reason; reset brings back the start settings."""
    admin = f"{opted_in.url}/_sim"
    bad = {"outage_from": "2026-11-20", "outage_ends_on": "2026-11-19"}
    async with session.post(f"{admin}/settings", json=bad) as response:
        assert response.status == 400
        assert "must be after outage_from" in (await response.json())["error"]
    async with session.get(f"{admin}/state") as response:
        start_settings = (await response.json())["settings"]
    assert start_settings["opt_in_at"] == "2026-11-19T10:00:00+01:00"
    assert start_settings["outage_from"] is None
    await configure(
        session,
        opted_in,
        outage_from="2026-11-18",
        outage_meters=[DAILY],
        outage_ends_on="2026-11-24",
        no_registers_meters=[HOUSEHOLD],
        empty_meter_list=True,
        unrequested_meter=FERRARIS,
        gateway_down=True,
        opt_in_meter=HOUSEHOLD,
        opt_in_at="2026-11-01T00:00:00+01:00",
        opt_in_delay_days=0,
    )
    async with session.post(f"{admin}/reset") as response:
        assert response.status == 200
    async with session.get(f"{admin}/state") as response:
        assert (await response.json())["settings"] == start_settings
    settings = opted_in.simulator.settings
    assert settings.opt_in_at == datetime.fromisoformat(SWITCH)
    assert (settings.opt_in_meter, settings.gateway_down) == (DAILY, False)
