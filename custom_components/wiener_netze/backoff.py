"""Growing pauses after failures: Wiener Netze in trouble is asked less often, not more."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(slots=True)
class Backoff:
    """Pauses that double from ``first`` up to ``limit`` while failures go on."""

    first: timedelta
    limit: timedelta
    failures: int = 0
    until: datetime | None = None

    def blocks(self, now: datetime) -> bool:
        """Whether it is too early to try again."""
        return self.until is not None and now < self.until

    def failed(self, now: datetime) -> timedelta:
        """Another failure: the pause before the next try, which starts now."""
        self.failures += 1
        pause = min(self.limit, self.first * (1 << (self.failures - 1)))
        self.until = now + pause
        return pause

    def succeeded(self) -> bool:
        """A try went through; True when it ends a run of failures."""
        ended = self.failures > 0
        self.failures, self.until = 0, None
        return ended
