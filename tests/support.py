"""Shared by the tests: the simulator's test credentials and factories for simulator and client."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import aiohttp

from custom_components.wiener_netze.api import RateLimiter, RetryPolicy, WienerNetzeClient
from simulator.app import Simulator
from simulator.clock import SimClock
from simulator.profiles import VIENNA
from simulator.server import RunningSimulator
from simulator.settings import Settings

# A fixed simulated "now": data up to and including 2026-11-20 is published.
NOW = datetime(2026, 11, 21, 12, 0, tzinfo=VIENNA)
SECRET = "sim-client-secret-0f3a9c"
API_KEY = "sim-api-key-77b2e1d4"
CLIENT_ID = "sim-client-id"


def make_simulator(**changes: Any) -> Simulator:
    """A simulator with test credentials, its clock frozen at ``NOW``."""
    settings = Settings(client_id=CLIENT_ID, client_secret=SECRET, api_key=API_KEY)
    settings.update(changes)
    return Simulator(seed="tests", clock=SimClock(NOW, frozen=True), settings=settings)


FAST_RETRY = RetryPolicy(max_attempts=4, max_total_seconds=10, base_delay=0.01, max_delay=0.05)


def make_client(
    session: aiohttp.ClientSession, running: RunningSimulator, **kwargs: Any
) -> WienerNetzeClient:
    """A client pointed at the simulator, with quick retries and a loose rate limit."""
    options: dict[str, Any] = {
        "api_url": running.api_url,
        "token_url": running.token_url,
        "retry": FAST_RETRY,
        "rate_limiter": RateLimiter(6000, 100),
        "request_timeout": 5,
    }
    options.update(kwargs)
    credentials = (
        options.pop("client_id", CLIENT_ID),
        options.pop("client_secret", SECRET),
        options.pop("api_key", API_KEY),
    )
    return WienerNetzeClient(session, *credentials, **options)
