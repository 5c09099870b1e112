"""Async client for the official Wiener Netze Smart Meter API.

Knows nothing of Home Assistant: it is vendored inside the integration so HACS installs it, and
it has a command line (``python -m custom_components.wiener_netze.api``).
"""

from __future__ import annotations

from .client import RequestStats, WienerNetzeClient, day_chunks
from .const import DEFAULT_API_URL, DEFAULT_TOKEN_URL
from .errors import (
    ApiConnectionError,
    ApiTimeoutError,
    AuthenticationError,
    BadRequestError,
    ForbiddenError,
    MalformedResponseError,
    NotFoundError,
    RateLimitedError,
    ServerError,
    WienerNetzeError,
)
from .models import (
    Address,
    Device,
    DroppedValue,
    Flow,
    Installation,
    Interface,
    Meter,
    MeterReadings,
    ObisCode,
    Reading,
    ReadingSeries,
    ResultType,
    ValueType,
)
from .ratelimit import RateLimiter
from .retry import RetryPolicy
from .vienna_time import VIENNA, local_midnight

__all__ = [
    "DEFAULT_API_URL",
    "DEFAULT_TOKEN_URL",
    "VIENNA",
    "Address",
    "ApiConnectionError",
    "ApiTimeoutError",
    "AuthenticationError",
    "BadRequestError",
    "Device",
    "DroppedValue",
    "Flow",
    "ForbiddenError",
    "Installation",
    "Interface",
    "MalformedResponseError",
    "Meter",
    "MeterReadings",
    "NotFoundError",
    "ObisCode",
    "RateLimitedError",
    "RateLimiter",
    "Reading",
    "ReadingSeries",
    "RequestStats",
    "ResultType",
    "RetryPolicy",
    "ServerError",
    "ValueType",
    "WienerNetzeClient",
    "WienerNetzeError",
    "day_chunks",
    "local_midnight",
]
