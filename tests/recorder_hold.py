"""A recorder that does not answer (its thread held until the test releases it), and waits
bounded by real time, as the test's own clock stands still while the recorder's thread runs."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from homeassistant.components.recorder import Recorder
from homeassistant.components.recorder.tasks import RecorderTask
from homeassistant.core import HomeAssistant
from homeassistant.helpers.recorder import get_instance

# How long a hold lasts at most, in real seconds: a failing test ends.
HOLD_SECONDS = 120


@dataclass(slots=True)
class HoldQueue(RecorderTask):
    """Keeps the recorder's thread busy until released (as while Home Assistant starts, or a
    database that does not answer)."""

    released: threading.Event = field(default_factory=threading.Event)

    def run(self, instance: Recorder) -> None:
        """Block the recorder's thread."""
        self.released.wait(HOLD_SECONDS)


def hold_recorder(hass: HomeAssistant) -> HoldQueue:
    """Hold the recorder's thread, with a task queued behind it: anything that waits for the
    queue to be worked off waits until :attr:`HoldQueue.released` is set."""
    hold = HoldQueue()
    behind = HoldQueue()
    behind.released.set()
    get_instance(hass).queue_task(hold)
    get_instance(hass).queue_task(behind)
    return hold


async def returns_within(seconds: float, awaitable: Awaitable[object]) -> bool:
    """Whether ``awaitable`` finishes within ``seconds`` of real time."""
    task = asyncio.ensure_future(awaitable)
    expired = asyncio.Event()
    loop = asyncio.get_running_loop()
    timer = threading.Timer(seconds, loop.call_soon_threadsafe, (expired.set,))
    timer.start()
    waiter = asyncio.ensure_future(expired.wait())
    try:
        await asyncio.wait({task, waiter}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        timer.cancel()
        waiter.cancel()
    if not task.done():
        task.cancel()
        return False
    return True


async def eventually(hass: HomeAssistant, condition: Callable[[], bool], seconds: float) -> bool:
    """Whether ``condition`` holds within ``seconds`` of real time, the loop running meanwhile
    (work in threads, such as the recorder's reads, goes on too)."""
    for _ in range(int(seconds / 0.01)):
        if condition():
            return True
        for _ in range(10):
            await asyncio.sleep(0)
        await hass.async_add_executor_job(time.sleep, 0.01)
    return condition()
