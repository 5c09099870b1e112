"""Build the client from a config entry's (or a form's) data, on Home Assistant's web session."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.helpers.aiohttp_client import async_get_clientsession

from .api import API_URL, TOKEN_URL, RadialightClient, RetryPolicy, TokenManager
from .const import CONF_API_KEY, CONF_API_URL, CONF_REFRESH_TOKEN, CONF_TOKEN_URL

# A form (set-up, re-authentication, reconfigure) answers within this many seconds.
FORM_DEADLINE = 15.0
# The coordinator's requests: a few tries with growing pauses; a person waits at a form: no
# retries there.
RETRY_POLICY = RetryPolicy()
FORM_RETRY = RetryPolicy(max_attempts=1)


def create_client(
    hass: HomeAssistant,
    data: Mapping[str, Any],
    *,
    on_rotated: Callable[[str], None] | None = None,
    for_form: bool = False,
) -> RadialightClient:
    """A client for the credentials and URLs in ``data``.

    ``on_rotated``: called with a new refresh token as soon as the token endpoint hands one out.
    """
    session = async_get_clientsession(hass)
    tokens = TokenManager(
        session,
        data[CONF_API_KEY],
        data[CONF_REFRESH_TOKEN],
        token_url=data.get(CONF_TOKEN_URL) or TOKEN_URL,
        on_rotated=on_rotated,
    )
    return RadialightClient(
        session,
        tokens,
        api_url=data.get(CONF_API_URL) or API_URL,
        retry=FORM_RETRY if for_form else RETRY_POLICY,
    )
