"""The client-side rate limit."""

from __future__ import annotations

import pytest

from custom_components.wiener_netze.api import RateLimiter
from simulator.app import Simulator
from simulator.server import RunningSimulator
from tests.support import make_client


class VirtualTime:
    """A clock and a sleep that advance virtual time only."""

    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


async def test_burst_then_steady_rate() -> None:
    time = VirtualTime()
    limiter = RateLimiter(30, 3, clock=time.clock, sleep=time.sleep)
    waits = [await limiter.acquire() for _ in range(6)]
    assert waits[:3] == [0, 0, 0]
    assert waits[3:] == pytest.approx([2.0, 2.0, 2.0])  # 30 a minute: one every 2 s
    assert time.now == pytest.approx(6.0)


async def test_idle_time_refills_up_to_the_burst() -> None:
    time = VirtualTime()
    limiter = RateLimiter(60, 2, clock=time.clock, sleep=time.sleep)
    for _ in range(2):
        await limiter.acquire()
    time.now += 100  # long idle: still only 2 at once
    waits = [await limiter.acquire() for _ in range(3)]
    assert waits == pytest.approx([0, 0, 1.0])


def test_invalid_limits() -> None:
    with pytest.raises(ValueError, match="per_minute"):
        RateLimiter(0, 1)
    with pytest.raises(ValueError, match="burst"):
        RateLimiter(10, 0)


async def test_client_requests_pass_through_the_limiter(
    session, simulator: RunningSimulator, sim_state: Simulator
) -> None:
    time = VirtualTime()
    limiter = RateLimiter(20, 2, clock=time.clock, sleep=time.sleep)
    client = make_client(session, simulator, rate_limiter=limiter)
    for _ in range(4):
        await client.async_get_meters()
    assert sim_state.counts["meters"] == 4
    assert time.sleeps == pytest.approx([3.0, 3.0])
    assert client.stats.rate_limited_s == pytest.approx(6.0)
