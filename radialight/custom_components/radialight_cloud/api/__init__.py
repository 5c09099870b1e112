"""An async client for the Radialight Cloud (undocumented; see the integration's README)."""

from .auth import TokenManager
from .client import RadialightClient, RetryPolicy
from .const import API_URL, TOKEN_URL
from .errors import (
    ApiConnectionError,
    ApiTimeoutError,
    AuthenticationError,
    IdTokenRefusedError,
    MalformedResponseError,
    RadialightError,
    RateLimitedError,
    ServerError,
)
from .models import Product, Usage, UsagePoint, Zone, Zones, parse_usage, parse_zones, tenths
from .shapes import report, shape

__all__ = [
    "API_URL",
    "TOKEN_URL",
    "ApiConnectionError",
    "ApiTimeoutError",
    "AuthenticationError",
    "IdTokenRefusedError",
    "MalformedResponseError",
    "Product",
    "RadialightClient",
    "RadialightError",
    "RateLimitedError",
    "RetryPolicy",
    "ServerError",
    "TokenManager",
    "Usage",
    "UsagePoint",
    "Zone",
    "Zones",
    "parse_usage",
    "parse_zones",
    "report",
    "shape",
    "tenths",
]
