"""The Radialight client against the simulated cloud over HTTP on loopback."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from custom_components.radialight_cloud.api import (
    ApiTimeoutError,
    AuthenticationError,
    IdTokenRefusedError,
    MalformedResponseError,
    RadialightClient,
    RateLimitedError,
    ServerError,
    TokenManager,
)
from radialight_simulator.app import RadialightSimulator
from radialight_simulator.server import RunningRadialight

from .conftest import NOW, no_sleep


async def test_zones_read_with_their_products(
    rl_client: RadialightClient, rl_state: RadialightSimulator
) -> None:
    zones = (await rl_client.async_get_zones()).zones
    assert [zone.name for zone in zones] == [zone.name for zone in rl_state.account.zones]
    living = zones[0]
    assert len(living.products) == 2
    assert living.t_comfort == 210
    assert living.current_temperature == pytest.approx(
        rl_state.account.zones[0].temperature, abs=0.06
    )
    assert {product.model for product in living.products} == {"KLIMA", "ICON"}
    assert rl_client.tokens.user_id == rl_state.settings.user_id


async def test_one_id_token_serves_many_calls_until_shortly_before_it_expires(
    rl_client: RadialightClient, rl_state: RadialightSimulator
) -> None:
    await asyncio.gather(*(rl_client.async_get_zones() for _ in range(10)))
    assert rl_state.counts["token"] == 1


async def test_a_token_near_its_end_is_refreshed_first(
    rl_session, rl_cloud: RunningRadialight, rl_state: RadialightSimulator
) -> None:
    now = [0.0]
    tokens = TokenManager(
        rl_session,
        rl_state.settings.api_key,
        rl_state.settings.refresh_token,
        token_url=rl_cloud.token_url,
        clock=lambda: now[0],
    )
    client = RadialightClient(rl_session, tokens, api_url=rl_cloud.api_url, sleep=no_sleep)
    await client.async_get_zones()
    now[0] = 3600 - 61
    await client.async_get_zones()
    assert rl_state.counts["token"] == 1
    now[0] = 3600 - 59  # within the last minute: refreshed before the call
    await client.async_get_zones()
    assert rl_state.counts["token"] == 2


async def test_a_401_refreshes_once_and_tries_again(
    rl_client: RadialightClient, rl_state: RadialightSimulator
) -> None:
    await rl_client.async_get_zones()
    rl_state.settings.unauthorized_next = 1
    await rl_client.async_get_zones()
    assert rl_state.counts["token"] == 2
    rl_state.settings.unauthorized_next = 5
    with pytest.raises(IdTokenRefusedError):
        await rl_client.async_get_zones()
    assert rl_state.counts["token"] == 3  # one refresh per call, not one per 401


async def test_a_rotated_refresh_token_is_handed_on_and_used(
    rl_client: RadialightClient, rl_state: RadialightSimulator, rotated: list[str]
) -> None:
    rl_state.settings.rotate_refresh_token = True
    await rl_client.async_get_zones()
    assert rotated
    assert rotated[-1] == rl_client.tokens.refresh_token
    assert rl_state.valid_refresh == {rotated[-1]}  # the old one no longer works
    rl_state.settings.unauthorized_next = 1
    await rl_client.async_get_zones()  # a second refresh, with the rotated token
    assert len(rotated) == 2


@pytest.mark.parametrize("fault", [{"revoked": True}, {"refresh_token": "another"}])
async def test_a_refused_refresh_is_an_authentication_error(
    rl_client: RadialightClient, rl_state: RadialightSimulator, fault: dict[str, object]
) -> None:
    if "revoked" in fault:
        rl_state.settings.update(fault)
    else:
        rl_state.valid_refresh = {"another"}
    with pytest.raises(AuthenticationError) as caught:
        await rl_client.async_get_zones()
    assert rl_state.settings.refresh_token not in str(caught.value)
    assert rl_state.settings.api_key not in str(caught.value)


async def test_a_wrong_api_key_is_an_authentication_error(
    rl_session, rl_cloud: RunningRadialight, rl_state: RadialightSimulator
) -> None:
    tokens = TokenManager(
        rl_session, "wrong", rl_state.settings.refresh_token, token_url=rl_cloud.token_url
    )
    client = RadialightClient(rl_session, tokens, api_url=rl_cloud.api_url, sleep=no_sleep)
    with pytest.raises(AuthenticationError, match="rejected"):
        await client.async_get_zones()


@pytest.mark.parametrize(
    ("setting", "error"),
    [("rate_limited_next", RateLimitedError), ("server_errors_next", ServerError)],
)
async def test_429_and_5xx_are_tried_again_a_bounded_number_of_times(
    rl_client: RadialightClient, rl_state: RadialightSimulator, setting: str, error: type
) -> None:
    rl_state.settings.update({setting: 2})
    await rl_client.async_get_zones()
    assert rl_state.counts["zones"] == 3
    rl_state.settings.update({setting: 10})
    with pytest.raises(error):
        await rl_client.async_get_zones()
    assert rl_state.counts["zones"] == 6


async def test_a_request_that_hangs_times_out(
    rl_session, rl_cloud: RunningRadialight, rl_state: RadialightSimulator
) -> None:
    tokens = TokenManager(
        rl_session, rl_state.settings.api_key, rl_state.settings.refresh_token,
        token_url=rl_cloud.token_url,
    )  # fmt: skip
    client = RadialightClient(
        rl_session, tokens, api_url=rl_cloud.api_url, timeout=0.2, sleep=no_sleep
    )
    rl_state.settings.update({"hang_next": 3, "hang_seconds": 5})
    with pytest.raises(ApiTimeoutError):
        await client.async_get_zones()


async def test_usage_buckets_show_late_and_grow(
    rl_client: RadialightClient, rl_state: RadialightSimulator
) -> None:
    usage = await rl_client.async_get_usage()
    assert len(usage.points) == 23  # 10:10: the 10:00 bucket shows at 10:35
    assert usage.points[-1].start == NOW.replace(minute=0) - timedelta(hours=1)
    first = usage.points[-1].usage
    rl_state.clock.set(NOW.replace(minute=40), frozen=True)
    later = await rl_client.async_get_usage()
    assert len(later.points) == 24
    grown = {point.start: point.usage for point in later.points}
    assert grown[usage.points[-1].start] >= first
    truth = rl_state.account.truth()
    settled = usage.points[0].start
    assert grown[settled] == pytest.approx(truth[settled], abs=0.01)


async def test_usage_of_one_zone_and_the_account(
    rl_client: RadialightClient, rl_state: RadialightSimulator
) -> None:
    zones = (await rl_client.async_get_zones()).zones
    total = await rl_client.async_get_usage()
    parts = [await rl_client.async_get_usage(zone.id) for zone in zones]
    for index, point in enumerate(total.points):
        assert point.usage == pytest.approx(
            sum(part.points[index].usage for part in parts), abs=0.01
        )


async def test_a_malformed_usage_answer_raises_a_clear_error(
    rl_client: RadialightClient, rl_state: RadialightSimulator
) -> None:
    rl_state.settings.malformed_usage_next = 1
    with pytest.raises(MalformedResponseError, match="no list of values"):
        await rl_client.async_get_usage()


async def test_a_setpoint_change_sends_the_whole_configuration(
    rl_client: RadialightClient, rl_state: RadialightSimulator
) -> None:
    zone = (await rl_client.async_get_zones()).zones[1]
    body = await rl_client.async_set_zone(zone, tComfort=225)
    assert body == {**zone.configuration, "tComfort": 225}
    assert set(body) == {"programId", "tECO", "window", "tComfort", "mode", "pir", "lock"}
    assert rl_state.account.zones[1].t_comfort == 225
    assert rl_state.account.zones[1].t_eco == zone.t_eco
    with pytest.raises(ValueError, match="not a zone configuration field"):
        await rl_client.async_set_zone(zone, colour=3)


async def test_the_led_is_switched(
    rl_client: RadialightClient, rl_state: RadialightSimulator
) -> None:
    product = (await rl_client.async_get_zones()).zones[0].products[0]
    await rl_client.async_set_light(product.id, False)
    assert rl_state.account.product(product.id).led_on is False
