"""Answers the simulator does not give on its own: a scripted server on loopback.

Each test queues the raw HTTP answers (status, body, headers) the token endpoint or the cloud
gives next; the client reads them over real HTTP.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime

import aiohttp
import pytest
from aiohttp import web

from custom_components.radialight_cloud.api import (
    ApiConnectionError,
    AuthenticationError,
    MalformedResponseError,
    RadialightClient,
    RadialightError,
    RateLimitedError,
    RetryPolicy,
    ServerError,
    TokenManager,
    parse_usage,
    parse_zones,
    shape,
)
from custom_components.radialight_cloud.api.errors import seconds
from custom_components.radialight_cloud.api.models import parse_time

from .conftest import no_sleep

GOOD_TOKEN = {"id_token": "id", "expires_in": "3600", "refresh_token": "r", "user_id": "u"}


@dataclass
class Script:
    """The answers still to give, per path: (status, body, headers)."""

    answers: dict[str, list[tuple[int, str, dict[str, str]]]] = field(default_factory=dict)

    def add(self, path: str, status: int, body: str = "", **headers: str) -> None:
        self.answers.setdefault(path, []).append((status, body, headers))

    async def handle(self, request: web.Request) -> web.Response:
        status, body, headers = self.answers[request.path].pop(0)
        return web.Response(status=status, text=body, headers=headers)


@pytest.fixture
async def scripted(socket_enabled: None) -> AsyncIterator[tuple[Script, str]]:
    script = Script()
    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", script.handle)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    yield script, f"http://127.0.0.1:{port}"
    await runner.cleanup()


def client_of(session: aiohttp.ClientSession, url: str) -> RadialightClient:
    tokens = TokenManager(session, "key", "refresh", token_url=f"{url}/token")
    return RadialightClient(
        session, tokens, api_url=url, retry=RetryPolicy(max_attempts=1), sleep=no_sleep
    )


@pytest.mark.parametrize(
    ("status", "body", "error"),
    [
        (429, "", RateLimitedError),
        (503, "", ServerError),
        (200, '{"no": "token"}', MalformedResponseError),
        (200, "not json", MalformedResponseError),
        (400, '{"error": {"message": "TOKEN_EXPIRED : gone"}}', AuthenticationError),
        (403, "", AuthenticationError),
    ],
)
async def test_token_endpoint_answers(
    scripted: tuple[Script, str], status: int, body: str, error: type[Exception]
) -> None:
    script, url = scripted
    script.add("/token", status, body, **{"Retry-After": "7"} if status == 429 else {})
    async with aiohttp.ClientSession() as session:
        with pytest.raises(error) as caught:
            await client_of(session, url).async_get_zones()
    if isinstance(caught.value, RateLimitedError):
        assert caught.value.retry_after == 7
    if "TOKEN_EXPIRED" in body:
        assert "TOKEN_EXPIRED" in str(caught.value)


async def test_a_token_without_a_lifetime_lives_an_hour(scripted: tuple[Script, str]) -> None:
    script, url = scripted
    script.add("/token", 200, '{"id_token": "id", "expires_in": "soon"}')
    script.add("/zones", 200, '{"zones": []}')
    async with aiohttp.ClientSession() as session:
        client = client_of(session, url)
        assert (await client.async_get_zones()).zones == ()
        assert client.tokens.refresh_token == "refresh"  # not rotated


@pytest.mark.parametrize(
    ("status", "body", "error"),
    [
        (404, "", RadialightError),
        (200, "<html>", MalformedResponseError),
        (429, "", RateLimitedError),
    ],
)
async def test_cloud_answers(
    scripted: tuple[Script, str], status: int, body: str, error: type[Exception]
) -> None:
    script, url = scripted
    script.add("/token", 200, json.dumps(GOOD_TOKEN))
    script.add("/zones", status, body)
    async with aiohttp.ClientSession() as session:
        with pytest.raises(error):
            await client_of(session, url).async_get_zones()


async def test_an_empty_answer_to_a_change_is_fine(scripted: tuple[Script, str]) -> None:
    script, url = scripted
    script.add("/token", 200, json.dumps(GOOD_TOKEN))
    script.add("/product/1", 200, "")
    async with aiohttp.ClientSession() as session:
        client = client_of(session, url)
        await client.async_set_light("1", True)
        assert client.answers == {"POST /product": None}


async def test_the_network_gone(socket_enabled: None) -> None:
    async with aiohttp.ClientSession() as session:
        client = client_of(session, "http://127.0.0.1:9")  # nothing listens on port 9
        with pytest.raises(ApiConnectionError):
            await client.async_get_zones()


def test_the_small_parsers() -> None:
    assert seconds("x") is None
    assert seconds(None) is None
    assert seconds("2") == 2
    assert parse_time("2026-02-02T05:00:00") == datetime(2026, 2, 2, 5, tzinfo=UTC)
    assert parse_time(5) is None
    assert shape({"a": [1.5, None, True, "x"]}) == {
        "a": {"list of": 4, "items": ["float", "null", "bool", "str"]}
    }
    zone = parse_zones(
        {"zones": [{"id": 7, "products": [{"id": "p", "isInOverride": True}], "override": {}}]}
    ).zones[0]
    assert zone.id == "7"
    assert zone.override_active is True
    changed = zone.with_configuration({"tComfort": 215, "tECO": "x"})
    assert (changed.t_comfort, changed.t_eco) == (215, None)
    assert (
        parse_usage({"values": [{"date": "2026-02-02T05:00:00Z", "usage": 1.25}]}).points[0].usage
        == 1.25
    )
