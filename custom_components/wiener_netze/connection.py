"""Build the API client from a config entry's data, on Home Assistant's shared web session."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.helpers.aiohttp_client import async_get_clientsession

from .api import (
    DEFAULT_API_URL,
    DEFAULT_TOKEN_URL,
    RateLimiter,
    RetryPolicy,
    WienerNetzeClient,
)
from .api.const import DEFAULT_RATE_BURST, DEFAULT_RATE_PER_MINUTE
from .const import CONF_API_KEY, CONF_API_URL, CONF_CLIENT_ID, CONF_CLIENT_SECRET, CONF_TOKEN_URL

# How the client retries inside one update: once (a blip), and never a request that took too
# long (the bulk reader splits its range instead); the coordinator's growing pauses do the
# rest, and while Wiener Netze keeps failing there is no retry at all (polling.py).
RETRY_POLICY = RetryPolicy(max_attempts=2, retry_slow=False)
# Forms (set-up, re-authentication, reconfigure): no retries, an answer within 15 seconds.
FLOW_RETRY_POLICY = RetryPolicy(max_attempts=1, max_total_seconds=15)
FLOW_REQUEST_TIMEOUT = 12.0
# The whole check a form runs (token and meter list) ends within this many seconds.
FORM_DEADLINE = 15.0
# Requests per minute and burst: no limit is published; stay far below the seed plan's 60.
RATE_LIMITS = (DEFAULT_RATE_PER_MINUTE, DEFAULT_RATE_BURST)


def create_client(
    hass: HomeAssistant, data: Mapping[str, Any], *, for_form: bool = False
) -> WienerNetzeClient:
    """A client for the credentials and URLs in ``data`` (a config entry's or a flow's).

    ``for_form``: a person waits at a form; fail fast rather than retry.
    """
    extra: dict[str, Any] = {}
    if for_form:
        extra = {"retry": FLOW_RETRY_POLICY, "request_timeout": FLOW_REQUEST_TIMEOUT}
    return WienerNetzeClient(
        async_get_clientsession(hass),
        data[CONF_CLIENT_ID],
        data[CONF_CLIENT_SECRET],
        data[CONF_API_KEY],
        api_url=data.get(CONF_API_URL) or DEFAULT_API_URL,
        token_url=data.get(CONF_TOKEN_URL) or DEFAULT_TOKEN_URL,
        rate_limiter=RateLimiter(*RATE_LIMITS),
        **{"retry": RETRY_POLICY, **extra},
    )
