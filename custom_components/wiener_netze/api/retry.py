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


# What a gateway answers when its backend took too long for a request.
GATEWAY_TIMEOUT = 504


def is_slow(error: WienerNetzeError) -> bool:
    """Whether a request failed for taking too long (a timeout, or the gateway's 504)."""
    return isinstance(error, ApiTimeoutError) or (
        isinstance(error, ServerError) and error.status == GATEWAY_TIMEOUT
    )


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """Exponential backoff with jitter, bounded in attempts and in total time."""

    max_attempts: int = 4
    max_total_seconds: float = 120.0
    base_delay: float = 2.0
    max_delay: float = 60.0
    # Whether a readings request that took too long (a timeout, 504) is tried again as it is;
    # a caller that splits such a range itself says no. Other requests are always tried again.
    retry_slow: bool = True

    def retries(self, error: WienerNetzeError, *, readings: bool = False) -> bool:
        """Whether ``error`` is worth another try of the same request."""
        if not isinstance(error, RETRYABLE):
            return False
        return self.retry_slow or not readings or not is_slow(error)

    def delay(self, attempt: int, error: WienerNetzeError) -> float:
        """Seconds to wait after failed attempt number ``attempt`` (1-based)."""
        backoff = min(self.max_delay, self.base_delay * 2.0 ** (attempt - 1))
        # Equal jitter: at least half the backoff, so retries still spread out.
        delay = backoff / 2 + random.uniform(0, backoff / 2)  # noqa: S311 - not for security
        if isinstance(error, RateLimitedError) and error.retry_after is not None:
            delay = max(delay, error.retry_after)
        return delay
