"""When and how long to wait before trying a failed call again."""

from __future__ import annotations

import random
from dataclasses import dataclass

from .errors import (
    ApiConnectionError,
    ApiTimeoutError,
    RateLimitedError,
    ServerError,
    WienerNetzeError,
)

# Worth another try: 408, 429, 5xx, timeouts and connection errors. Never 400, 401, 403, 404.
RETRYABLE: tuple[type[WienerNetzeError], ...] = (
    ServerError,
    RateLimitedError,
    ApiTimeoutError,
    ApiConnectionError,
)


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """Exponential backoff with jitter, bounded in attempts and in total time."""

    max_attempts: int = 4
    max_total_seconds: float = 120.0
    base_delay: float = 2.0
    max_delay: float = 60.0

    def delay(self, attempt: int, error: WienerNetzeError) -> float:
        """Seconds to wait after failed attempt number ``attempt`` (1-based)."""
        backoff = min(self.max_delay, self.base_delay * 2.0 ** (attempt - 1))
        # Equal jitter: at least half the backoff, so retries still spread out.
        delay = backoff / 2 + random.uniform(0, backoff / 2)  # noqa: S311 - not for security
        if isinstance(error, RateLimitedError) and error.retry_after is not None:
            delay = max(delay, error.retry_after)
        return delay
