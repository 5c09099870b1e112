"""Typed errors of the Radialight Cloud client.

Messages are written for a person and never carry a token, the API key or an id.
"""

from __future__ import annotations


class RadialightError(Exception):
    """Base of every error the client raises."""


class AuthenticationError(RadialightError):
    """The refresh token (or the API key) no longer works: new credentials are needed."""


class IdTokenRefusedError(RadialightError):
    """The cloud refused an ID token (401) even right after a refresh.

    The cloud's trouble, not the credentials': the refresh itself worked.
    """


class RateLimitedError(RadialightError):
    """Too many requests (429); ``retry_after`` is the server's hint in seconds, if any."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class ServerError(RadialightError):
    """The cloud failed (5xx), or answered a status the client does not expect."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status


class ApiTimeoutError(RadialightError):
    """No answer within the request timeout."""


class ApiConnectionError(RadialightError):
    """The cloud could not be reached (DNS, refused connection, reset)."""


class MalformedResponseError(RadialightError):
    """An answer whose structure is not what the client relies on (not JSON, no list)."""


def seconds(value: str | None) -> float | None:
    """A ``Retry-After`` header in seconds (None when absent or not a number)."""
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None
