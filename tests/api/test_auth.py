"""Token handling against the simulated log.wien endpoint."""

from __future__ import annotations

import asyncio
from datetime import date

import aiohttp
import pytest

from custom_components.wiener_netze.api import (
    ApiTimeoutError,
    AuthenticationError,
    ForbiddenError,
    MalformedResponseError,
    RateLimitedError,
    ServerError,
    ValueType,
    WienerNetzeClient,
)
from simulator.account import HOUSEHOLD
from simulator.app import Simulator
from simulator.server import RunningSimulator
from tests.support import make_client


class FakeClock:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def test_token_is_reused(client: WienerNetzeClient, sim_state: Simulator) -> None:
    for _ in range(5):
        await client.async_get_meters()
    assert sim_state.counts["token"] == 1
    assert client.token_requests == 1
    assert client.stats.gateway == 5
    assert client.stats.by_kind == {"GET /zaehlpunkte": 5}


async def test_parallel_calls_share_one_token_request(
    client: WienerNetzeClient, sim_state: Simulator
) -> None:
    results = await asyncio.gather(*(client.async_get_meter(HOUSEHOLD) for _ in range(20)))
    assert {meter.number for meter in results} == {HOUSEHOLD}
    assert sim_state.counts["token"] == 1
    assert sim_state.counts["meter"] == 20


async def test_token_renewed_shortly_before_expiry(
    session: aiohttp.ClientSession, simulator: RunningSimulator, sim_state: Simulator
) -> None:
    clock = FakeClock()
    sim_state.settings.token_lifetime = 120
    client = make_client(session, simulator, clock=clock)
    await client.async_get_meters()
    clock.now += 107  # 10 % margin: renewed after 108 s
    await client.async_get_meters()
    assert sim_state.counts["token"] == 1
    clock.now += 2
    await client.async_get_meters()
    assert sim_state.counts["token"] == 2


async def test_missing_expires_in_means_300_seconds(
    session: aiohttp.ClientSession, simulator: RunningSimulator, sim_state: Simulator
) -> None:
    clock = FakeClock()
    sim_state.settings.token_expires_in = False
    client = make_client(session, simulator, clock=clock)
    await client.async_get_meters()
    clock.now += 269
    await client.async_get_meters()
    assert sim_state.counts["token"] == 1
    clock.now += 2  # past 300 - 30 s margin
    await client.async_get_meters()
    assert sim_state.counts["token"] == 2


async def test_token_that_expires_early_is_reissued_once(
    session: aiohttp.ClientSession, simulator: RunningSimulator, sim_state: Simulator
) -> None:
    # The token dies after 2 s (real time: the first request has ample time on a busy
    # machine) although expires_in promises 300 s.
    sim_state.settings.update({"token_lifetime": 2.0, "token_claimed_lifetime": 300})
    client = make_client(session, simulator)
    await client.async_get_meters()
    await asyncio.sleep(2.1)
    meters = await client.async_get_meters()
    assert len(meters) == 4
    assert sim_state.counts["token"] == 2


async def test_one_401_is_answered_with_a_fresh_token(
    client: WienerNetzeClient, sim_state: Simulator
) -> None:
    await client.async_get_meters()
    sim_state.settings.unauthorized_next = 1
    assert len(await client.async_get_meters()) == 4
    assert sim_state.counts["token"] == 2
    assert sim_state.counts["meters"] == 3


async def test_second_401_fails(client: WienerNetzeClient, sim_state: Simulator) -> None:
    sim_state.settings.unauthorized_next = 2
    with pytest.raises(AuthenticationError, match="freshly issued token"):
        await client.async_get_meters()
    assert sim_state.counts["meters"] == 2


async def test_rejected_credentials(
    session: aiohttp.ClientSession, simulator: RunningSimulator, sim_state: Simulator
) -> None:
    client = make_client(session, simulator, client_secret="wrong-secret-value")
    with pytest.raises(AuthenticationError) as caught:
        await client.async_authenticate()
    message = str(caught.value)
    assert "client id or secret rejected" in message
    assert "Smart Meter business portal" in message
    assert "Invalid client" in message
    assert sim_state.counts["token"] == 1  # not retried


async def test_no_scope_is_sent_unless_configured(
    session: aiohttp.ClientSession, simulator: RunningSimulator, sim_state: Simulator
) -> None:
    # The simulator rejects any scope not provisioned, as log.wien does for "profile".
    await make_client(session, simulator).async_authenticate()
    with pytest.raises(AuthenticationError, match="rejected the scope 'profile'"):
        await make_client(session, simulator, scope="profile").async_authenticate()
    sim_state.settings.allowed_scopes = ["profile"]
    await make_client(session, simulator, scope="profile").async_authenticate()


async def test_unlinked_application(client: WienerNetzeClient, sim_state: Simulator) -> None:
    sim_state.settings.unlinked = True
    with pytest.raises(ForbiddenError) as caught:
        await client.async_get_meters()
    assert "linked" in str(caught.value)
    assert "one to two weeks" in str(caught.value)
    assert sim_state.counts["meters"] == 1  # 403 is final


async def test_wrong_api_key(session: aiohttp.ClientSession, simulator: RunningSimulator) -> None:
    client = make_client(session, simulator, api_key="not-the-key-0000")
    with pytest.raises(ForbiddenError, match="Invalid API key"):
        await client.async_get_readings(date(2026, 11, 1), date(2026, 11, 2), ValueType.DAY)


async def test_token_endpoint_failure_is_retried(
    client: WienerNetzeClient, sim_state: Simulator
) -> None:
    sim_state.settings.token_errors_next = 2
    assert len(await client.async_get_meters()) == 4
    assert sim_state.counts["token"] == 3


@pytest.mark.parametrize(
    ("form", "field"),
    [
        ("no_token", "access_token"),
        ("bad_expires_in", "expires_in"),
        ("not_object", "token"),
        ("not_json", "body"),
    ],
)
async def test_malformed_token_answers(
    client: WienerNetzeClient, sim_state: Simulator, form: str, field: str
) -> None:
    sim_state.settings.token_response = form
    with pytest.raises(MalformedResponseError) as caught:
        await client.async_get_meters()
    assert caught.value.field == field
    assert sim_state.counts["meters"] == 0


async def test_expires_in_as_a_string_is_accepted(
    session: aiohttp.ClientSession, simulator: RunningSimulator, sim_state: Simulator
) -> None:
    clock = FakeClock()
    sim_state.settings.update({"token_response": "string_expires_in", "token_lifetime": 60})
    client = make_client(session, simulator, clock=clock)
    await client.async_get_meters()
    clock.now += 53  # 60 s minus the 10 % margin is 54 s
    await client.async_get_meters()
    assert sim_state.counts["token"] == 1


@pytest.mark.parametrize(
    ("status", "error", "text"),
    [
        (429, RateLimitedError, r"token endpoint: too many requests \(429"),
        (500, ServerError, r"token endpoint: failed \(500"),
        (403, AuthenticationError, "unexpected answer 403"),
    ],
)
async def test_token_endpoint_errors(
    client: WienerNetzeClient,
    sim_state: Simulator,
    status: int,
    error: type[Exception],
    text: str,
) -> None:
    sim_state.settings.update(
        {"token_errors_next": 99, "token_error_status": status, "retry_after": 0}
    )
    with pytest.raises(error, match=text):
        await client.async_authenticate()


async def test_token_request_that_hangs(
    session: aiohttp.ClientSession, simulator: RunningSimulator, sim_state: Simulator
) -> None:
    # A second to answer: what has to succeed has ample time on a busy machine.
    sim_state.settings.latency = 2.0  # applies to the gateway only
    client = make_client(session, simulator, request_timeout=1.0)
    await client.async_authenticate()  # the token endpoint still answers at once
    with pytest.raises(ApiTimeoutError, match="GET /zaehlpunkte"):
        await client.async_get_meters()
    sim_state.settings.token_latency = 2.0
    slow = make_client(session, simulator, request_timeout=1.0)
    with pytest.raises(ApiTimeoutError, match="token endpoint: no answer in time"):
        await slow.async_authenticate()
