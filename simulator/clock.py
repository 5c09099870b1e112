"""The simulator's idea of now: real time by default, settable and advanceable by tests."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta


class SimClock:
    """Now = a base moment plus real time elapsed since it was set (unless frozen)."""

    def __init__(self, start: datetime | None = None, *, frozen: bool = False) -> None:
        self._base = (start or datetime.now(UTC)).astimezone(UTC)
        self._real_base = time.monotonic()
        self.frozen = frozen

    def now(self) -> datetime:
        """The simulated current time (aware, UTC)."""
        if self.frozen:
            return self._base
        return self._base + timedelta(seconds=time.monotonic() - self._real_base)

    def set(self, moment: datetime, *, frozen: bool | None = None) -> None:
        """Jump to ``moment``; optionally freeze or unfreeze."""
        if moment.tzinfo is None:
            raise ValueError("the clock needs an aware time")
        self._base = moment.astimezone(UTC)
        self._real_base = time.monotonic()
        if frozen is not None:
            self.frozen = frozen

    def advance(self, delta: timedelta) -> None:
        """Move forward (or back) by ``delta``."""
        self.set(self.now() + delta)
