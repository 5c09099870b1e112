"""Typed errors of the WN Smart Meter API client.

Every message is written for a person and never contains a secret: server text that ends up in a
message passes through :class:`~.redact.Redactor` first.
"""

from __future__ import annotations


class WienerNetzeError(Exception):
    """Base of every error the client raises."""


class AuthenticationError(WienerNetzeError):
    """The token endpoint rejected the client id or secret (or the configured scope)."""


class ForbiddenError(WienerNetzeError):
    """The gateway refused the call: bad API key, or application not linked to the portal."""


class NotFoundError(WienerNetzeError):
    """The gateway does not know the requested meter or resource."""


class BadRequestError(WienerNetzeError):
    """The gateway rejected the request's parameters (400)."""


class RateLimitedError(WienerNetzeError):
    """Too many requests (429); ``retry_after`` is the server's hint in seconds, if it gave one."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class ServerError(WienerNetzeError):
    """The gateway or the token endpoint failed (5xx, or 408)."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status


class ApiTimeoutError(WienerNetzeError):
    """No answer within the request timeout."""


class ApiConnectionError(WienerNetzeError):
    """The server could not be reached (DNS, refused connection, reset)."""


class MalformedResponseError(WienerNetzeError):
    """A response that does not have the documented form; names the field and the value."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field
