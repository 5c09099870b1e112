"""The simulator's idea of now: real time by default, settable and advanceable by tests."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta


class SimClock:
    """Now = a base moment plus real time elapsed since it was set (unless frozen).

    With ``speed`` above 1 simulated time runs that much faster until it reaches real time,
    then at real time: a demo started days in the past fast-forwards through them and then
    stays in step with the Home Assistant watching it.
    """

    monotonic = staticmethod(time.monotonic)  # real seconds; replaceable in tests

    def __init__(
        self, start: datetime | None = None, *, frozen: bool = False, speed: float = 1.0
    ) -> None:
        self._base = (start or datetime.now(UTC)).astimezone(UTC)
        self._real_base = self.monotonic()
        self.frozen = frozen
        self.speed = speed

    def now(self) -> datetime:
        """The simulated current time (aware, UTC)."""
        if self.frozen:
            return self._base
        moment = self._base + timedelta(seconds=(self.monotonic() - self._real_base) * self.speed)
        if self.speed > 1:
            return min(moment, datetime.now(UTC))
        return moment

    def set(self, moment: datetime, *, frozen: bool | None = None) -> None:
        """Jump to ``moment``; optionally freeze or unfreeze."""
        if moment.tzinfo is None:
            raise ValueError("the clock needs an aware time")
        self._base = moment.astimezone(UTC)
        self._real_base = self.monotonic()
        if frozen is not None:
            self.frozen = frozen

    def advance(self, delta: timedelta) -> None:
        """Move forward (or back) by ``delta``."""
        self.set(self.now() + delta)
