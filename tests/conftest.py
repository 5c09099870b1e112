"""Fixtures: the simulator on a loopback port and a client that talks HTTP to it."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterator

import aiohttp
import pytest

from custom_components.wiener_netze.api import WienerNetzeClient
from simulator.app import Simulator
from simulator.server import RunningSimulator, SimulatorThread, start
from tests.support import make_client, make_simulator


def pytest_configure(config: pytest.Config) -> None:
    """Quiet output: no SQL echo, no log lines on stderr.

    The harness sets SQLAlchemy's engine to INFO and logs everything to stderr, where the
    recorder's thread keeps writing between tests and buries every failure. pytest's own log
    capture still shows a failing test's log, and ``caplog`` still sees every record.
    """
    logging.getLogger("sqlalchemy.engine").setLevel(logging.WARNING)
    root = logging.getLogger()
    for handler in list(root.handlers):
        if type(handler) is logging.StreamHandler:
            root.removeHandler(handler)


@pytest.fixture
def sim_state() -> Simulator:
    """The simulator's state, to switch faults and read counts directly.

    The client's tests read the plain account (four meters, each unchanged since installed);
    the integration's tests override this with the default account of every shape.
    """
    return make_simulator(account="plain")


@pytest.fixture
async def simulator(socket_enabled: None, sim_state: Simulator) -> AsyncIterator[RunningSimulator]:
    """The simulator served on a free loopback port in the test's event loop."""
    running = await start(sim_state)
    yield running
    await running.stop()


@pytest.fixture
def sim_thread(socket_enabled: None) -> Iterator[SimulatorThread]:
    """The simulator in a thread of its own, for synchronous callers such as the CLI."""
    thread = SimulatorThread(make_simulator(account="plain"))
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
