"""Set-up, re-authentication, reconfiguration and options, against the simulated cloud."""

from __future__ import annotations

from datetime import timedelta

import pytest
from homeassistant.config_entries import SOURCE_USER, ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.radialight_cloud.api import API_URL, TOKEN_URL
from custom_components.radialight_cloud.config_flow import flatten
from custom_components.radialight_cloud.const import (
    CONF_API_KEY,
    CONF_API_URL,
    CONF_CONNECTION,
    CONF_PRODUCT_ENTITIES,
    CONF_REFRESH_TOKEN,
    CONF_SCAN_INTERVAL,
    CONF_TOKEN_URL,
    CONF_USAGE_SENSORS,
    CONF_USAGE_UNIT,
    DOMAIN,
)
from radialight_simulator.account import Account
from radialight_simulator.app import RadialightSimulator
from radialight_simulator.server import RunningRadialight


def form_input(cloud: RunningRadialight, sim: RadialightSimulator, **changes: str) -> dict:
    """What a person types: credentials, and the simulator's URLs in the advanced section."""
    return {
        CONF_API_KEY: sim.settings.api_key,
        CONF_REFRESH_TOKEN: sim.settings.refresh_token,
        CONF_CONNECTION: {CONF_API_URL: cloud.api_url, CONF_TOKEN_URL: cloud.token_url},
        **changes,
    }


async def test_set_up_checks_the_credentials_and_names_the_account(
    hass: HomeAssistant, rl_cloud: RunningRadialight, rl_state: RadialightSimulator
) -> None:
    """A token refresh and the zones: the entry's unique id is the account's user id, the URLs
    typed in the advanced section are kept; a second entry of the same account aborts."""
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    assert result["type"] is FlowResultType.FORM
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], form_input(rl_cloud, rl_state)
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    entry = result["result"]
    assert entry.unique_id == rl_state.settings.user_id
    assert entry.data == {
        CONF_API_KEY: rl_state.settings.api_key,
        CONF_REFRESH_TOKEN: rl_state.settings.refresh_token,
        CONF_API_URL: rl_cloud.api_url,
        CONF_TOKEN_URL: rl_cloud.token_url,
    }
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED

    again = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    again = await hass.config_entries.flow.async_configure(
        again["flow_id"], form_input(rl_cloud, rl_state)
    )
    assert again["type"] is FlowResultType.ABORT
    assert again["reason"] == "already_configured"


@pytest.mark.parametrize(
    ("fault", "error"),
    [
        ({"revoked": True}, "invalid_auth"),
        ({"zones_down": True}, "cannot_connect"),
        ({"account": "empty"}, "no_zones"),
        ({"api_key": "another-key"}, "invalid_auth"),
    ],
)
async def test_set_up_names_what_is_wrong_and_keeps_the_input(
    hass: HomeAssistant,
    rl_cloud: RunningRadialight,
    rl_state: RadialightSimulator,
    fault: dict[str, object],
    error: str,
) -> None:
    """Credentials rejected, the cloud unreachable, an account without zones: each its error,
    and the form again (nothing created); once the cause is gone, the same input works."""
    typed = form_input(rl_cloud, rl_state)
    if fault.get("account") == "empty":
        rl_state.account = Account("empty", rl_state.now())
    else:
        rl_state.settings.update(fault)
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    result = await hass.config_entries.flow.async_configure(result["flow_id"], typed)
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"base": error}
    assert not hass.config_entries.async_entries(DOMAIN)


async def test_the_real_endpoints_are_the_defaults_and_not_stored(hass: HomeAssistant) -> None:
    """The advanced section's defaults are the real endpoints; entry data keeps only URLs that
    differ from them."""
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    section = next(key for key in result["data_schema"].schema if str(key) == CONF_CONNECTION)
    fields = result["data_schema"].schema[section].schema.schema
    assert {str(key): key.default() for key in fields} == {
        CONF_API_URL: API_URL,
        CONF_TOKEN_URL: TOKEN_URL,
    }
    typed = {
        CONF_API_KEY: " key ",
        CONF_REFRESH_TOKEN: "token",
        CONF_CONNECTION: {CONF_API_URL: API_URL, CONF_TOKEN_URL: TOKEN_URL},
    }
    assert flatten(typed) == {CONF_API_KEY: "key", CONF_REFRESH_TOKEN: "token"}


async def test_a_rotated_refresh_token_is_saved_at_once(
    hass: HomeAssistant, entry: MockConfigEntry, rl_state: RadialightSimulator
) -> None:
    """The token endpoint hands out a new refresh token on each refresh: the entry keeps the
    newest without a reload, and a restart (a reload) works with it."""
    rl_state.settings.rotate_refresh_token = True
    coordinator = entry.runtime_data
    coordinator.client.tokens.invalidate(await coordinator.client.tokens.async_id_token())
    await coordinator.async_refresh()
    newest = entry.data[CONF_REFRESH_TOKEN]
    assert newest != rl_state.settings.refresh_token
    assert rl_state.valid_refresh == {newest}
    assert entry.state is ConfigEntryState.LOADED
    assert await hass.config_entries.async_reload(entry.entry_id)
    assert entry.state is ConfigEntryState.LOADED


async def test_a_refused_refresh_token_asks_to_sign_in_again(
    hass: HomeAssistant,
    entry: MockConfigEntry,
    rl_state: RadialightSimulator,
    rl_cloud: RunningRadialight,
) -> None:
    """The refresh token is revoked: the entry asks for new credentials of the same account;
    credentials of another account are refused; the right ones reload the entry."""
    rl_state.settings.revoked = True
    assert not await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.SETUP_ERROR
    flows = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert [flow["context"]["source"] for flow in flows] == ["reauth"]
    flow_id = flows[0]["flow_id"]

    rl_state.settings.revoked = False
    rl_state.settings.user_id = "someone-else"
    result = await hass.config_entries.flow.async_configure(
        flow_id,
        {
            CONF_API_KEY: rl_state.settings.api_key,
            CONF_REFRESH_TOKEN: rl_state.settings.refresh_token,
        },
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "wrong_account"

    # The API key is asked for only if it changed: the saved one stays.
    rl_state.settings.user_id = entry.unique_id
    saved_key = entry.data[CONF_API_KEY]
    result = await entry.start_reauth_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_REFRESH_TOKEN: rl_state.settings.refresh_token}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reauth_successful"
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED
    assert entry.data[CONF_API_KEY] == saved_key


async def test_reconfigure_changes_the_credentials_of_the_same_account(
    hass: HomeAssistant,
    entry: MockConfigEntry,
    rl_state: RadialightSimulator,
    rl_cloud: RunningRadialight,
) -> None:
    """Reconfigure shows the current URLs, checks the new input and keeps the account."""
    result = await entry.start_reconfigure_flow(hass)
    assert result["type"] is FlowResultType.FORM
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], form_input(rl_cloud, rl_state, **{CONF_REFRESH_TOKEN: "wrong"})
    )
    assert result["errors"] == {"base": "invalid_auth"}
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], form_input(rl_cloud, rl_state)
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reconfigure_successful"


async def test_options_are_saved_and_applied_by_a_reload(
    hass: HomeAssistant, entry: MockConfigEntry
) -> None:
    """Polling interval and product entities; saving reloads the entry and the coordinator
    polls at the new interval. Options not given take their defaults (usage sensors on, usage
    values in Wh)."""
    result = await hass.config_entries.options.async_init(entry.entry_id)
    assert result["type"] is FlowResultType.FORM
    options = {CONF_SCAN_INTERVAL: 300, CONF_PRODUCT_ENTITIES: True}
    result = await hass.config_entries.options.async_configure(result["flow_id"], options)
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()
    assert entry.options == options | {CONF_USAGE_SENSORS: True, CONF_USAGE_UNIT: "wh"}
    assert entry.runtime_data.update_interval == timedelta(seconds=300)


async def test_a_refresh_token_rotated_by_the_check_is_the_one_kept(
    hass: HomeAssistant, rl_cloud: RunningRadialight, rl_state: RadialightSimulator
) -> None:
    """The token endpoint rotates the refresh token at every refresh: the entry keeps the one
    the form's check got back (the typed one is dead by then), and sets up with it."""
    rl_state.settings.rotate_refresh_token = True
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], form_input(rl_cloud, rl_state)
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()
    entry = result["result"]
    assert entry.state is ConfigEntryState.LOADED
    assert rl_state.valid_refresh == {entry.data[CONF_REFRESH_TOKEN]}


async def test_an_id_token_refused_after_a_refresh_is_not_a_sign_in_problem(
    hass: HomeAssistant, entry: MockConfigEntry, rl_state: RadialightSimulator
) -> None:
    """The cloud answers 401 even to a fresh ID token: the update fails (entities
    unavailable), but no re-authentication is asked for; the next poll works."""
    rl_state.settings.unauthorized_next = 2
    coordinator = entry.runtime_data
    await coordinator.async_refresh()
    assert not coordinator.last_update_success
    assert not hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    await coordinator.async_refresh()
    assert coordinator.last_update_success
