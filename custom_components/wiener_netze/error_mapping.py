"""Client errors as Home Assistant shows them: re-authentication, or a translated reason."""

from __future__ import annotations

from homeassistant.exceptions import ConfigEntryAuthFailed, HomeAssistantError
from homeassistant.helpers.update_coordinator import UpdateFailed

from .api import (
    ApiConnectionError,
    ApiTimeoutError,
    AuthenticationError,
    ForbiddenError,
    MalformedResponseError,
    RateLimitedError,
    ServerError,
    WienerNetzeError,
)
from .const import DOMAIN


def failure_key(err: WienerNetzeError) -> str:
    """The translation key of the reason a request failed."""
    for kind, key in (
        (ApiTimeoutError, "timeout"),
        (ApiConnectionError, "cannot_connect"),
        (RateLimitedError, "rate_limited"),
        (ServerError, "server_error"),
        (MalformedResponseError, "malformed_response"),
    ):
        if isinstance(err, kind):
            return key
    return "api_error"


def update_error(err: WienerNetzeError) -> Exception:
    """Authentication problems start re-authentication; the rest marks entities unavailable."""
    if isinstance(err, AuthenticationError):
        return ConfigEntryAuthFailed(translation_domain=DOMAIN, translation_key="invalid_auth")
    if isinstance(err, ForbiddenError):
        return ConfigEntryAuthFailed(translation_domain=DOMAIN, translation_key="invalid_api_key")
    return UpdateFailed(
        translation_domain=DOMAIN,
        translation_key=failure_key(err),
        translation_placeholders={"error": str(err)},
        retry_after=err.retry_after if isinstance(err, RateLimitedError) else None,
    )


def action_error(err: WienerNetzeError) -> HomeAssistantError:
    """An action that called the API failed: the translated reason."""
    return HomeAssistantError(
        translation_domain=DOMAIN,
        translation_key=failure_key(err),
        translation_placeholders={"error": str(err)},
    )
