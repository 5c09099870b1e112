"""Fixtures: the simulator on a loopback port and a client that talks HTTP to it."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import aiohttp
import pytest

from custom_components.wiener_netze.api import WienerNetzeClient
from simulator.app import Simulator
from simulator.server import RunningSimulator, SimulatorThread, start
from tests.support import make_client, make_simulator


@pytest.fixture
def sim_state() -> Simulator:
    """The simulator's state, to switch faults and read counts directly."""
    return make_simulator()


@pytest.fixture
async def simulator(socket_enabled: None, sim_state: Simulator) -> AsyncIterator[RunningSimulator]:
    """The simulator served on a free loopback port in the test's event loop."""
    running = await start(sim_state)
    yield running
    await running.stop()


@pytest.fixture
def sim_thread(socket_enabled: None) -> Iterator[SimulatorThread]:
    """The simulator in a thread of its own, for synchronous callers such as the CLI."""
    thread = SimulatorThread(make_simulator())
    yield thread
    thread.stop()


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    """An aiohttp session owned by the test, as Home Assistant would inject one."""
    async with aiohttp.ClientSession() as client_session:
        yield client_session


@pytest.fixture
def client(session: aiohttp.ClientSession, simulator: RunningSimulator) -> WienerNetzeClient:
    """The client under test, against the simulator."""
    return make_client(session, simulator)
