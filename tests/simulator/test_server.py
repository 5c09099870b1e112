"""What the simulated gateway and token endpoint check, and the admin endpoints."""

from __future__ import annotations

from typing import Any

import aiohttp
import pytest

from custom_components.wiener_netze.api import WienerNetzeClient
from simulator.__main__ import parse_args
from simulator.account import FERRARIS, HOUSEHOLD
from simulator.app import Simulator
from simulator.clock import SimClock
from simulator.server import RunningSimulator
from simulator.settings import Settings
from tests.support import API_KEY, CLIENT_ID, SECRET, make_simulator


async def token(session: aiohttp.ClientSession, sim: RunningSimulator, **form: str) -> Any:
    data = {"grant_type": "client_credentials", "client_id": CLIENT_ID, "client_secret": SECRET}
    data.update(form)
    async with session.post(sim.token_url, data=data) as response:
        return response.status, await response.json()


async def get(
    session: aiohttp.ClientSession,
    sim: RunningSimulator,
    path: str,
    params: Any = None,
    *,
    headers: dict[str, str] | None = None,
) -> tuple[int, Any]:
    if headers is None:
        _, body = await token(session, sim)
        headers = {"Authorization": f"Bearer {body['access_token']}", "x-Gateway-APIKey": API_KEY}
    async with session.get(f"{sim.api_url}{path}", params=params, headers=headers) as response:
        return response.status, await response.json()


async def test_token_endpoint_checks(
    session: aiohttp.ClientSession, simulator: RunningSimulator
) -> None:
    status, body = await token(session, simulator)
    assert status == 200
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 300
    assert await token(session, simulator, client_secret="nope") == (
        401,
        {
            "error": "invalid_client",
            "error_description": "Invalid client or Invalid client credentials",
        },
    )
    status, body = await token(session, simulator, grant_type="password")
    assert (status, body["error"]) == (400, "unsupported_grant_type")
    status, body = await token(session, simulator, scope="profile")
    assert (status, body["error"]) == (400, "invalid_scope")
    async with session.post(simulator.token_url, json={"grant_type": "client_credentials"}) as r:
        assert (r.status, (await r.json())["error"]) == (400, "invalid_request")


async def test_gateway_checks_key_and_token(
    session: aiohttp.ClientSession, simulator: RunningSimulator, sim_state: Simulator
) -> None:
    _, body = await token(session, simulator)
    bearer = f"Bearer {body['access_token']}"
    status, body = await get(session, simulator, "/zaehlpunkte", headers={"Authorization": bearer})
    assert status == 401
    assert "API key is missing" in body["Exception"]
    status, _ = await get(
        session,
        simulator,
        "/zaehlpunkte",
        headers={"Authorization": bearer, "x-Gateway-APIKey": "x"},
    )
    assert status == 403
    status, _ = await get(session, simulator, "/zaehlpunkte", headers={"x-Gateway-APIKey": API_KEY})
    assert status == 401
    sim_state.tokens = dict.fromkeys(sim_state.tokens, 0.0)  # every token expired
    status, body = await get(
        session,
        simulator,
        "/zaehlpunkte",
        headers={"Authorization": bearer, "x-Gateway-APIKey": API_KEY},
    )
    assert (status, "expired" in body["Exception"]) == (401, True)


@pytest.mark.parametrize(
    ("params", "status", "text"),
    [
        ({"datumBis": "2026-11-02", "wertetyp": "DAY"}, 400, "datumVon"),
        ({"datumVon": "2026-11-01", "datumBis": "2026-11-02"}, 400, "wertetyp"),
        (
            {"datumVon": "01.11.2026", "datumBis": "2026-11-02", "wertetyp": "DAY"},
            400,
            "YYYY-MM-DD",
        ),
        ({"datumVon": "2026-11-01", "datumBis": "2026-11-01", "wertetyp": "DAY"}, 400, "after"),
        ({"datumVon": "2026-11-02", "datumBis": "2026-11-01", "wertetyp": "DAY"}, 400, "after"),
        ({"datumVon": "2026-01-01", "datumBis": "2026-11-01", "wertetyp": "DAY"}, 400, "exceeds"),
        ({"datumVon": "2026-11-01", "datumBis": "2026-11-02", "wertetyp": "HOUR"}, 400, "wertetyp"),
        (
            {
                "datumVon": "2026-11-01",
                "datumBis": "2026-11-02",
                "wertetyp": "DAY",
                "zaehlpunkt": "AT9",
            },
            404,
            "AT9",
        ),
    ],
)
async def test_readings_parameters_are_checked(
    session: aiohttp.ClientSession,
    simulator: RunningSimulator,
    params: dict[str, str],
    status: int,
    text: str,
) -> None:
    result, body = await get(session, simulator, "/zaehlpunkte/messwerte", params)
    assert result == status
    assert text in body["Exception"]


async def test_result_types(session: aiohttp.ClientSession, simulator: RunningSimulator) -> None:
    for result_type, count in (("ALL", 4), ("SMART_METER", 3), ("SMARTMETER", 3), ("", 3)):
        status, body = await get(session, simulator, "/zaehlpunkte", {"resultType": result_type})
        assert (status, len(body)) == (200, count)
    status, _ = await get(session, simulator, "/zaehlpunkte", {"resultType": "GAS"})
    assert status == 400
    status, body = await get(
        session,
        simulator,
        "/zaehlpunkte/messwerte",
        [("zaehlpunkt", FERRARIS), ("datumVon", "2026-11-01"), ("datumBis", "2026-11-02"),
         ("wertetyp", "DAY")],
    )  # fmt: skip
    assert (status, body) == (200, [{"zaehlpunkt": FERRARIS, "zaehlwerke": []}])


async def test_admin_endpoints(
    session: aiohttp.ClientSession, simulator: RunningSimulator, sim_state: Simulator
) -> None:
    admin = f"{simulator.url}/_sim"
    async with session.post(
        f"{admin}/settings", json={"unlinked": True, "scaled_days": ["2026-03-10"]}
    ) as r:
        assert r.status == 200
        assert (await r.json())["scaled_days"] == ["2026-03-10"]
    assert sim_state.settings.unlinked is True
    async with session.post(f"{admin}/settings", json={"no_such": 1}) as r:
        assert r.status == 400
    async with session.post(f"{admin}/settings", json=[1]) as r:
        assert r.status == 400
    async with session.post(f"{admin}/clock", json={"advance_days": 1}) as r:
        assert (await r.json())["now"].startswith("2026-11-22T11:00")
    async with session.post(
        f"{admin}/clock", json={"now": "2026-12-01T00:00:00+01:00", "frozen": True}
    ) as r:
        assert (await r.json()) == {"now": "2026-11-30T23:00:00+00:00", "frozen": True}
    async with session.post(f"{admin}/clock", json={"frozen": False}) as r:
        assert (await r.json())["frozen"] is False
    async with session.post(f"{admin}/clock", json={"now": "yesterday"}) as r:
        assert r.status == 400
    await get(session, simulator, "/zaehlpunkte")
    async with session.get(f"{admin}/requests") as r:
        body = await r.json()
        assert body["counts"]["token"] == 1
        assert body["log"][0]["endpoint"] == "token"
    async with session.get(f"{admin}/state") as r:
        state = await r.json()
        assert state["settings"]["unlinked"] is True
        assert len(state["meters"]) == 4
    async with session.post(f"{admin}/reset") as r:
        assert r.status == 200
    assert sim_state.settings.unlinked is False
    assert sim_state.counts["token"] == 0
    query = {"zaehlpunkt": HOUSEHOLD, "datumVon": "2025-10-26", "datumBis": "2025-10-26"}
    async with session.get(f"{admin}/truth", params=query) as r:
        [day] = (await r.json())["days"]
        assert len(day["consumption_wh"]) == 100
        assert day["feed_in_wh"] is None
    async with session.get(f"{admin}/truth", params={"zaehlpunkt": HOUSEHOLD}) as r:
        assert r.status == 400
    async with session.get(f"{admin}/truth", params={**query, "zaehlpunkt": "AT9"}) as r:
        assert r.status == 404


def test_settings_conversion() -> None:
    settings = Settings()
    settings.update(
        {
            "unlinked": "true",
            "latency": "0.5",
            "unauthorized_next": "3",
            "wrong_unit": "MWH",
            "allowed_scopes": "profile, email",
            "missing_interval_days": "2026-01-01,2026-01-02",
            "token_claimed_lifetime": "none",
        }
    )
    assert settings.unlinked is True
    assert settings.latency == 0.5
    assert settings.unauthorized_next == 3
    assert settings.allowed_scopes == ["profile", "email"]
    assert len(settings.missing_interval_days) == 2
    assert settings.token_claimed_lifetime is None
    settings.update({"wrong_unit": None})
    assert settings.wrong_unit is None
    for bad in ({"unlinked": "maybe"}, {"latency": None}, {"scaled_days": 5}, {"nope": 1}):
        with pytest.raises(ValueError):  # noqa: PT011 - each message differs
            settings.update(bad)


def test_clock() -> None:
    clock = SimClock(frozen=True)
    start = clock.now()
    assert clock.now() == start
    with pytest.raises(ValueError, match="aware"):
        clock.set(start.replace(tzinfo=None))
    running = SimClock(start)
    assert running.now() >= start


def test_command_line_options() -> None:
    args = parse_args(
        ["--port", "0", "--now", "2026-03-15T12:00:00+01:00", "--frozen", "--set", "unlinked=true"]
    )
    assert (args.port, args.frozen, args.set) == (0, True, ["unlinked=true"])
    assert make_simulator(unlinked=True).settings.unlinked is True


async def test_faults_armed_after_some_requests(
    client: WienerNetzeClient, sim_state: Simulator
) -> None:
    """``arm_after`` lets the first requests through, then the fault hits; expired tokens
    are renewed once by the client."""
    sim_state.settings.arm_after = 2
    sim_state.settings.expire_tokens_next = 1
    sim_state.settings.server_errors_next = 1
    await client.async_get_meters()
    await client.async_get_meters()
    assert sim_state.settings.expire_tokens_next == 1  # not armed yet
    assert len(await client.async_get_meters()) == 4  # 401: token renewed; 503: retried
    assert sim_state.counts["token"] == 2
    assert sim_state.counts["meters"] == 2 + 3
    assert sim_state.settings.expire_tokens_next == 0
    assert sim_state.settings.server_errors_next == 0
