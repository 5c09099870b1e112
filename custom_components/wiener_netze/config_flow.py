"""Set-up, re-authentication, reconfiguration (the meters) and options.

The user step checks the credentials the way the integration will use them: it obtains a token
and lists the account's meters. Errors name what is wrong, including the API key that works only
once the application has been linked to the Smart Meter portal.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from typing import Any

import probatio
from homeassistant.config_entries import (
    SOURCE_RECONFIGURE,
    ConfigFlow,
    ConfigFlowResult,
)
from homeassistant.core import callback
from homeassistant.data_entry_flow import section
from homeassistant.helpers.selector import (
    SelectOptionDict,
    SelectSelector,
    SelectSelectorConfig,
    SelectSelectorMode,
    TextSelector,
    TextSelectorConfig,
    TextSelectorType,
)

from .api import (
    DEFAULT_API_URL,
    DEFAULT_TOKEN_URL,
    AuthenticationError,
    ForbiddenError,
    Meter,
    ResultType,
    WienerNetzeError,
)
from .connection import FORM_DEADLINE, create_client
from .const import (
    CONF_API_KEY,
    CONF_API_URL,
    CONF_CLIENT_ID,
    CONF_CLIENT_SECRET,
    CONF_CONNECTION,
    CONF_METERS,
    CONF_TOKEN_URL,
    CREDENTIALS_GUIDE_URL,
    DOMAIN,
)
from .coordinator import WienerNetzeConfigEntry
from .naming import meter_label
from .options_flow import WienerNetzeOptionsFlow

_LOGGER = logging.getLogger(__name__)

SECRET = TextSelector(TextSelectorConfig(type=TextSelectorType.PASSWORD))
TEXT = TextSelector()
URL = TextSelector(TextSelectorConfig(type=TextSelectorType.URL))


class CredentialsError(Exception):
    """The credentials did not lead to a usable meter list; ``key`` is the form error."""

    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def credentials_schema(*, with_client_id: bool = True, connection: bool = True) -> probatio.Schema:
    """Client id, secret and API key; the API and token URLs in a collapsed section.

    The URLs are for testing (the simulator): Home Assistant 2026.10 no longer passes advanced
    mode to flows and recommends a section for such settings, so they sit folded away with the
    official endpoints as defaults.
    """
    fields: dict[Any, Any] = {}
    if with_client_id:
        fields[probatio.Required(CONF_CLIENT_ID)] = TEXT
    fields[probatio.Required(CONF_CLIENT_SECRET)] = SECRET
    fields[probatio.Required(CONF_API_KEY)] = SECRET
    if connection:
        fields[probatio.Required(CONF_CONNECTION, default={})] = section(
            probatio.Schema(
                {
                    probatio.Required(CONF_API_URL, default=DEFAULT_API_URL): URL,
                    probatio.Required(CONF_TOKEN_URL, default=DEFAULT_TOKEN_URL): URL,
                }
            ),
            {"collapsed": True},
        )
    return probatio.Schema(fields)


def flatten(user_input: Mapping[str, Any]) -> dict[str, Any]:
    """Form input as entry data: URLs out of their section, kept only when not the official."""
    data = {key: value for key, value in user_input.items() if key != CONF_CONNECTION}
    connection = user_input.get(CONF_CONNECTION) or {}
    for key, default in ((CONF_API_URL, DEFAULT_API_URL), (CONF_TOKEN_URL, DEFAULT_TOKEN_URL)):
        value = str(connection.get(key) or "").strip()
        if value and value != default:
            data[key] = value
        else:
            data.pop(key, None)
    if CONF_CLIENT_ID in data:
        data[CONF_CLIENT_ID] = data[CONF_CLIENT_ID].strip()
    return data


async def fetch_meters(flow: ConfigFlow, data: Mapping[str, Any]) -> list[Meter]:
    """Obtain a token and list the account's meters, or raise :class:`CredentialsError`."""
    client = create_client(flow.hass, data, for_form=True)
    try:
        async with asyncio.timeout(FORM_DEADLINE):
            await client.async_authenticate()
            meters = await client.async_get_meters(ResultType.ALL)
    except TimeoutError as err:
        _LOGGER.debug("Checking the credentials took longer than %s s", FORM_DEADLINE)
        raise CredentialsError("cannot_connect") from err
    except AuthenticationError as err:
        raise CredentialsError("invalid_auth") from err
    except ForbiddenError as err:
        raise CredentialsError("invalid_api_key") from err
    except WienerNetzeError as err:
        _LOGGER.debug("Checking the credentials failed: %s", err)
        raise CredentialsError("cannot_connect") from err
    except Exception:
        _LOGGER.exception("Unexpected error while checking the credentials")
        raise CredentialsError("unknown") from None
    if not meters:
        raise CredentialsError("no_meters")
    if not any(meter.is_smart_meter for meter in meters):
        raise CredentialsError("no_smart_meters")
    return meters


class WienerNetzeConfigFlow(ConfigFlow, domain=DOMAIN):
    """One entry per API application (client id)."""

    VERSION = 1

    def __init__(self) -> None:
        self._data: dict[str, Any] = {}
        self._meters: list[Meter] = []

    @staticmethod
    @callback
    def async_get_options_flow(config_entry: WienerNetzeConfigEntry) -> WienerNetzeOptionsFlow:
        """Options: interval, history depth, plausibility limit, optional sensors."""
        return WienerNetzeOptionsFlow()

    async def async_step_user(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Ask for the credentials, check them and list the meters."""
        errors: dict[str, str] = {}
        if user_input is not None:
            data = flatten(user_input)
            await self.async_set_unique_id(data[CONF_CLIENT_ID])
            self._abort_if_unique_id_configured()
            try:
                self._meters = await fetch_meters(self, data)
            except CredentialsError as err:
                errors["base"] = err.key
            else:
                self._data = data
                return await self.async_step_meters()
        return self.async_show_form(
            step_id="user",
            data_schema=self.add_suggested_values_to_schema(credentials_schema(), user_input),
            errors=errors,
            description_placeholders={"guide_url": CREDENTIALS_GUIDE_URL},
        )

    async def async_step_meters(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Choose meters; smart meters are preselected, Ferraris meters cannot be read."""
        errors: dict[str, str] = {}
        smart = [meter.number for meter in self._meters if meter.is_smart_meter]
        if user_input is not None:
            chosen = list(dict.fromkeys(user_input[CONF_METERS]))
            if not chosen:
                errors["base"] = "no_meters_selected"
            elif any(number not in smart for number in chosen):
                errors["base"] = "ferraris_selected"
            else:
                return self._finish({**self._data, CONF_METERS: chosen})
        preselected = smart
        if self.source == SOURCE_RECONFIGURE:
            current = self._get_reconfigure_entry().data[CONF_METERS]
            preselected = [number for number in current if number in smart] or smart
        schema = probatio.Schema(
            {
                probatio.Required(CONF_METERS): SelectSelector(
                    SelectSelectorConfig(
                        options=[
                            SelectOptionDict(value=meter.number, label=meter_label(meter))
                            for meter in self._meters
                        ],
                        multiple=True,
                        mode=SelectSelectorMode.LIST,
                    )
                )
            }
        )
        return self.async_show_form(
            step_id="meters",
            data_schema=self.add_suggested_values_to_schema(
                schema, user_input or {CONF_METERS: preselected}
            ),
            errors=errors,
        )

    def _finish(self, data: dict[str, Any]) -> ConfigFlowResult:
        if self.source == SOURCE_RECONFIGURE:
            return self.async_update_reload_and_abort(self._get_reconfigure_entry(), data=data)
        return self.async_create_entry(title=f"Wiener Netze ({data[CONF_CLIENT_ID]})", data=data)

    async def async_step_reauth(self, entry_data: Mapping[str, Any]) -> ConfigFlowResult:
        """The credentials stopped working: ask for a new secret and API key."""
        return await self.async_step_reauth_confirm()

    async def async_step_reauth_confirm(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Check the new secret and API key for the same application."""
        entry = self._get_reauth_entry()
        errors: dict[str, str] = {}
        if user_input is not None:
            data = {**entry.data, **user_input}
            try:
                await fetch_meters(self, data)
            except CredentialsError as err:
                errors["base"] = err.key
            else:
                return self.async_update_reload_and_abort(entry, data_updates=user_input)
        return self.async_show_form(
            step_id="reauth_confirm",
            data_schema=credentials_schema(with_client_id=False, connection=False),
            errors=errors,
            description_placeholders={
                "client_id": entry.data[CONF_CLIENT_ID],
                "guide_url": CREDENTIALS_GUIDE_URL,
            },
        )

    async def async_step_reconfigure(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Change which meters are read, with the entry's credentials.

        Re-authentication changes the credentials; this step asks for none.
        """
        entry = self._get_reconfigure_entry()
        try:
            self._meters = await fetch_meters(self, entry.data)
        except CredentialsError as err:
            return self.async_abort(reason=err.key)
        self._data = dict(entry.data)
        return await self.async_step_meters()
