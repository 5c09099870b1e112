"""Which failures are retried, how often and for how long."""

from __future__ import annotations

import socket
import time
from datetime import date

import aiohttp
import pytest

from custom_components.wiener_netze.api import (
    ApiConnectionError,
    ApiTimeoutError,
    BadRequestError,
    MalformedResponseError,
    RateLimitedError,
    RetryPolicy,
    ServerError,
    ValueType,
    WienerNetzeClient,
)
from custom_components.wiener_netze.api.errors import WienerNetzeError
from simulator.account import HOUSEHOLD
from simulator.app import Simulator
from simulator.server import RunningSimulator
from tests.support import make_client


async def test_server_error_burst_is_survived(
    client: WienerNetzeClient, sim_state: Simulator
) -> None:
    sim_state.settings.server_errors_next = 3
    assert len(await client.async_get_meters()) == 4
    assert sim_state.counts["meters"] == 4


async def test_retries_are_bounded_in_attempts(
    client: WienerNetzeClient, sim_state: Simulator
) -> None:
    sim_state.settings.update({"server_errors_next": 10, "server_error_status": 500})
    with pytest.raises(ServerError) as caught:
        await client.async_get_meters()
    assert caught.value.status == 500
    assert "Internal Server Error" in str(caught.value)
    assert sim_state.counts["meters"] == 4


@pytest.mark.parametrize("status", [408, 502])
async def test_408_and_5xx_are_retried(
    client: WienerNetzeClient, sim_state: Simulator, status: int
) -> None:
    sim_state.settings.update({"server_errors_next": 1, "server_error_status": status})
    assert len(await client.async_get_meters()) == 4
    assert sim_state.counts["meters"] == 2


async def test_429_honours_retry_after(client: WienerNetzeClient, sim_state: Simulator) -> None:
    sim_state.settings.update({"rate_limited_next": 1, "retry_after": 0.3})
    started = time.monotonic()
    assert len(await client.async_get_meters()) == 4
    assert time.monotonic() - started >= 0.3
    assert sim_state.counts["meters"] == 2


async def test_retry_after_beyond_the_time_budget_fails_at_once(
    session: aiohttp.ClientSession, simulator: RunningSimulator, sim_state: Simulator
) -> None:
    client = make_client(session, simulator, retry=RetryPolicy(max_total_seconds=5))
    sim_state.settings.update({"rate_limited_next": 1, "retry_after": 3600})
    with pytest.raises(RateLimitedError) as caught:
        await client.async_get_meters()
    assert caught.value.retry_after == 3600
    assert sim_state.counts["meters"] == 1


async def test_bad_request_is_not_retried(client: WienerNetzeClient, sim_state: Simulator) -> None:
    sim_state.settings.max_range_days = 5
    with pytest.raises(BadRequestError, match="exceeds 5 days"):
        await client.async_get_readings(date(2026, 10, 1), date(2026, 10, 30), ValueType.DAY)
    assert sim_state.counts["readings_bulk"] == 1


async def test_hanging_request_times_out_and_is_retried(
    session: aiohttp.ClientSession, simulator: RunningSimulator, sim_state: Simulator
) -> None:
    # The retry has a second to succeed: ample on a busy machine.
    client = make_client(session, simulator, request_timeout=1.0)
    sim_state.settings.hang_next = 1
    assert len(await client.async_get_meters()) == 4
    assert sim_state.counts["meters"] == 2


async def test_hanging_every_time_is_a_timeout(
    session: aiohttp.ClientSession, simulator: RunningSimulator, sim_state: Simulator
) -> None:
    client = make_client(session, simulator, request_timeout=0.2)
    sim_state.settings.hang_next = 10
    with pytest.raises(ApiTimeoutError, match="no answer in time"):
        await client.async_get_meters()
    assert sim_state.counts["meters"] == 4


async def test_network_gone(client: WienerNetzeClient, sim_state: Simulator) -> None:
    await client.async_authenticate()
    sim_state.settings.offline = True
    with pytest.raises(ApiConnectionError, match="GET /zaehlpunkte: cannot reach the server"):
        await client.async_get_meters()
    assert client.stats.gateway == 4  # attempts
    assert sim_state.counts["meters"] == 0
    assert sim_state.counts["dropped"] >= 4
    sim_state.settings.offline = False
    assert len(await client.async_get_meters()) == 4


async def test_nothing_listening(session: aiohttp.ClientSession, socket_enabled: None) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    base = f"http://127.0.0.1:{port}"
    client = WienerNetzeClient(
        session,
        "id",
        "secret-value",
        "key-value",
        api_url=f"{base}/gateway",
        token_url=f"{base}/token",
        retry=RetryPolicy(max_attempts=2, base_delay=0.01),
    )
    with pytest.raises(ApiConnectionError, match="token endpoint: cannot reach the server"):
        await client.async_get_meters()


@pytest.mark.parametrize("fault", ["malformed_next", "truncated_next"])
async def test_broken_json_is_a_malformed_response(
    client: WienerNetzeClient, sim_state: Simulator, fault: str
) -> None:
    setattr(sim_state.settings, fault, 1)
    with pytest.raises(MalformedResponseError, match="not valid JSON") as caught:
        await client.async_get_meter(HOUSEHOLD)
    assert caught.value.field == "body"
    # The next call gets a good answer again.
    assert (await client.async_get_meter(HOUSEHOLD)).number == HOUSEHOLD


async def test_wrong_unit_leaves_the_register_out_and_names_it(
    client: WienerNetzeClient, sim_state: Simulator
) -> None:
    """A unit the client cannot convert costs that register's values, not the answer."""
    sim_state.settings.wrong_unit = "MWH"
    answer = await client.async_get_readings(
        date(2026, 11, 1), date(2026, 11, 1), ValueType.DAY, [HOUSEHOLD]
    )
    assert [len(series.readings) for series in answer[HOUSEHOLD].series] == [0]
    [dropped] = answer[HOUSEHOLD].dropped
    assert dropped.field == "messwerte[0].zaehlwerke[0].einheit"
    assert dropped.value == "'MWH'"


async def test_unexpected_status(client: WienerNetzeClient, sim_state: Simulator) -> None:
    sim_state.settings.update({"server_errors_next": 1, "server_error_status": 418})
    with pytest.raises(WienerNetzeError, match="unexpected answer 418"):
        await client.async_get_meters()
    assert sim_state.counts["meters"] == 1


def test_backoff_grows_with_jitter_and_respects_retry_after() -> None:
    policy = RetryPolicy(base_delay=1, max_delay=8)
    error = ServerError("x", 503)
    for attempt, (low, high) in enumerate([(0.5, 1), (1, 2), (2, 4), (4, 8), (4, 8)], start=1):
        delays = {policy.delay(attempt, error) for _ in range(50)}
        assert all(low <= delay <= high for delay in delays)
        assert len(delays) > 1  # jittered
    assert policy.delay(1, RateLimitedError("x", retry_after=30)) == 30
    assert policy.delay(1, RateLimitedError("x", retry_after=None)) <= 1
