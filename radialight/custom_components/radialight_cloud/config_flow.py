"""Set-up, re-authentication and reconfiguration: an API key and a refresh token.

They are the only known way in (no e-mail login is invented): the form checks them the way the
integration uses them, a token refresh and ``GET /zones`` within 15 seconds, and names what is
wrong. The account's Firebase user id is the entry's unique id. The cloud's and the token
endpoint's URLs sit in a collapsed section, defaulting to the real ones.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from typing import Any

import probatio
from homeassistant.config_entries import ConfigFlow, ConfigFlowResult
from homeassistant.core import callback
from homeassistant.data_entry_flow import section
from homeassistant.helpers.selector import TextSelector, TextSelectorConfig, TextSelectorType

from .api import API_URL, TOKEN_URL, AuthenticationError, RadialightError
from .connection import FORM_DEADLINE, create_client
from .const import (
    CONF_API_KEY,
    CONF_API_URL,
    CONF_CONNECTION,
    CONF_REFRESH_TOKEN,
    CONF_TOKEN_URL,
    DOMAIN,
)
from .coordinator import RadialightConfigEntry
from .options_flow import RadialightOptionsFlow

_LOGGER = logging.getLogger(__name__)

SECRET = TextSelector(TextSelectorConfig(type=TextSelectorType.PASSWORD))
URL = TextSelector(TextSelectorConfig(type=TextSelectorType.URL))


class CredentialsError(Exception):
    """The credentials did not lead to the account's zones; ``key`` is the form error."""

    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def credentials_schema() -> probatio.Schema:
    """API key and refresh token; the URLs in a collapsed section."""
    return probatio.Schema(
        {
            probatio.Required(CONF_API_KEY): SECRET,
            probatio.Required(CONF_REFRESH_TOKEN): SECRET,
            probatio.Required(CONF_CONNECTION, default={}): section(
                probatio.Schema(
                    {
                        probatio.Required(CONF_API_URL, default=API_URL): URL,
                        probatio.Required(CONF_TOKEN_URL, default=TOKEN_URL): URL,
                    }
                ),
                {"collapsed": True},
            ),
        }
    )


def reauth_schema() -> probatio.Schema:
    """A new refresh token; the API key only if it changed (empty keeps the saved one)."""
    return probatio.Schema(
        {
            probatio.Required(CONF_REFRESH_TOKEN): SECRET,
            probatio.Optional(CONF_API_KEY): SECRET,
        }
    )


def flatten(user_input: Mapping[str, Any]) -> dict[str, Any]:
    """Form input as entry data: URLs out of their section, kept only when not the real ones."""
    data = {key: str(value).strip() for key, value in user_input.items() if key != CONF_CONNECTION}
    connection = user_input.get(CONF_CONNECTION) or {}
    for key, default in ((CONF_API_URL, API_URL), (CONF_TOKEN_URL, TOKEN_URL)):
        value = str(connection.get(key) or "").strip()
        if value and value != default:
            data[key] = value
    return data


async def check_credentials(flow: ConfigFlow, data: Mapping[str, Any]) -> tuple[str, str]:
    """Refresh a token and list the zones, or raise :class:`CredentialsError`.

    The account's user id and the newest refresh token (the token endpoint may rotate it).
    """
    client = create_client(flow.hass, data, for_form=True)
    try:
        async with asyncio.timeout(FORM_DEADLINE):
            zones = await client.async_get_zones()
    except TimeoutError as err:
        raise CredentialsError("cannot_connect") from err
    except AuthenticationError as err:
        raise CredentialsError("invalid_auth") from err
    except RadialightError as err:
        _LOGGER.debug("Checking the credentials failed: %s", err)
        raise CredentialsError("cannot_connect") from err
    except Exception:
        _LOGGER.exception("Unexpected error while checking the credentials")
        raise CredentialsError("unknown") from None
    if not zones.zones:
        raise CredentialsError("no_zones")
    user_id = client.tokens.user_id
    if not user_id:
        raise CredentialsError("unknown")
    return user_id, client.tokens.refresh_token


class RadialightConfigFlow(ConfigFlow, domain=DOMAIN):
    """One entry per Radialight account (its Firebase user id)."""

    VERSION = 1

    @staticmethod
    @callback
    def async_get_options_flow(config_entry: RadialightConfigEntry) -> RadialightOptionsFlow:
        """The options: polling interval, entities per radiator, usage sensors, usage unit."""
        return RadialightOptionsFlow()

    async def _checked(
        self, data: Mapping[str, Any], into: dict[str, Any], errors: dict[str, str]
    ) -> bool:
        """Check ``data``; on failure, set the form's error.

        The account becomes the flow's unique id; the newest refresh token goes ``into`` the
        data to store.
        """
        try:
            user_id, into[CONF_REFRESH_TOKEN] = await check_credentials(self, data)
        except CredentialsError as err:
            errors["base"] = err.key
            return False
        await self.async_set_unique_id(user_id)
        return True

    async def async_step_user(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Ask for the API key and refresh token, and check them."""
        errors: dict[str, str] = {}
        if user_input is not None:
            data = flatten(user_input)
            if await self._checked(data, data, errors):
                # The account's entry keeps the newest refresh token (the check may rotate it).
                self._abort_if_unique_id_configured(
                    updates={CONF_REFRESH_TOKEN: data[CONF_REFRESH_TOKEN]}
                )
                return self.async_create_entry(title="Radialight", data=data)
        return self.async_show_form(
            step_id="user",
            data_schema=self.add_suggested_values_to_schema(credentials_schema(), user_input),
            errors=errors,
        )

    async def async_step_reauth(self, entry_data: Mapping[str, Any]) -> ConfigFlowResult:
        """The refresh token stopped working: ask for new credentials."""
        return await self.async_step_reauth_confirm()

    async def async_step_reauth_confirm(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Check the new credentials, for the same account."""
        entry = self._get_reauth_entry()
        errors: dict[str, str] = {}
        if user_input is not None:
            updates = {key: value for key, value in flatten(user_input).items() if value}
            if await self._checked({**entry.data, **updates}, updates, errors):
                self._abort_if_unique_id_mismatch(reason="wrong_account")
                return self.async_update_reload_and_abort(entry, data_updates=updates)
        return self.async_show_form(
            step_id="reauth_confirm",
            data_schema=reauth_schema(),
            errors=errors,
        )

    async def async_step_reconfigure(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Change the credentials or the URLs of the same account."""
        entry = self._get_reconfigure_entry()
        errors: dict[str, str] = {}
        if user_input is not None:
            data = flatten(user_input)
            if await self._checked(data, data, errors):
                self._abort_if_unique_id_mismatch(reason="wrong_account")
                return self.async_update_reload_and_abort(entry, data=data)
        # The URLs as they are; the secrets are typed again, never sent to the browser.
        suggested = {
            CONF_CONNECTION: {
                CONF_API_URL: entry.data.get(CONF_API_URL, API_URL),
                CONF_TOKEN_URL: entry.data.get(CONF_TOKEN_URL, TOKEN_URL),
            },
        }
        return self.async_show_form(
            step_id="reconfigure",
            data_schema=self.add_suggested_values_to_schema(credentials_schema(), suggested),
            errors=errors,
        )
