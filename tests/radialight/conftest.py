"""Fixtures of the Radialight tests: the simulated cloud on loopback and a client of it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime

import aiohttp
import pytest

from custom_components.radialight_cloud.api import RadialightClient, RetryPolicy, TokenManager
from radialight_simulator.app import RadialightSimulator
from radialight_simulator.server import RunningRadialight, start
from simulator.clock import SimClock

# A Wednesday in winter, 10:10 UTC.
NOW = datetime(2026, 12, 2, 10, 10, tzinfo=UTC)


async def no_sleep(_: float) -> None:
    """Retries without waiting (the pauses are tested apart)."""


@pytest.fixture
def rl_state() -> RadialightSimulator:
    """The cloud with the "home" account, its clock frozen at NOW after a day of heating."""
    clock = SimClock(NOW.replace(day=1), frozen=True)
    sim = RadialightSimulator(clock=clock)
    clock.set(NOW, frozen=True)
    sim.now()
    return sim


@pytest.fixture
async def rl_cloud(
    socket_enabled: None, rl_state: RadialightSimulator
) -> AsyncIterator[RunningRadialight]:
    """The simulator served on a free loopback port."""
    running = await start(rl_state)
    yield running
    await running.stop()


@pytest.fixture
async def rl_session() -> AsyncIterator[aiohttp.ClientSession]:
    """A plain aiohttp session."""
    async with aiohttp.ClientSession() as session:
        yield session


@pytest.fixture
def rotated() -> list[str]:
    """Refresh tokens the client handed on."""
    return []


@pytest.fixture
def rl_client(
    rl_session: aiohttp.ClientSession,
    rl_cloud: RunningRadialight,
    rl_state: RadialightSimulator,
    rotated: list[str],
) -> RadialightClient:
    """A client of the simulator with its credentials."""
    tokens = TokenManager(
        rl_session,
        rl_state.settings.api_key,
        rl_state.settings.refresh_token,
        token_url=rl_cloud.token_url,
        on_rotated=rotated.append,
    )
    return RadialightClient(
        rl_session, tokens, api_url=rl_cloud.api_url, retry=RetryPolicy(), sleep=no_sleep
    )
