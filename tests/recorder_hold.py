"""A recorder that does not answer: its thread held until the test releases it."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

from homeassistant.components.recorder import Recorder
from homeassistant.components.recorder.tasks import RecorderTask
from homeassistant.core import HomeAssistant
from homeassistant.helpers.recorder import get_instance


@dataclass(slots=True)
class HoldQueue(RecorderTask):
    """Keeps the recorder's thread busy until released (as while Home Assistant starts, or a
    database that does not answer); two minutes at most, so a failing test ends."""

    released: threading.Event = field(default_factory=threading.Event)

    def run(self, instance: Recorder) -> None:
        """Block the recorder's thread."""
        self.released.wait(120)


def hold_recorder(hass: HomeAssistant) -> HoldQueue:
    """Hold the recorder's thread, with a task queued behind it: anything that waits for the
    queue to be worked off waits until :attr:`HoldQueue.released` is set."""
    hold = HoldQueue()
    behind = HoldQueue()
    behind.released.set()
    get_instance(hass).queue_task(hold)
    get_instance(hass).queue_task(behind)
    return hold
