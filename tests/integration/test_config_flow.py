"""Every path of set-up, re-authentication, reconfiguration and options, against the simulator."""

from __future__ import annotations

from typing import Any
from unittest.mock import patch

import pytest
from homeassistant.config_entries import SOURCE_RECONFIGURE, SOURCE_USER
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType, section
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers import entity_registry as er
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.wiener_netze import connection
from custom_components.wiener_netze.api import (
    DEFAULT_API_URL,
    DEFAULT_TOKEN_URL,
    RetryPolicy,
    WienerNetzeClient,
)
from custom_components.wiener_netze.config_flow import flatten
from custom_components.wiener_netze.const import (
    CONF_API_KEY,
    CONF_API_URL,
    CONF_BASE_LOAD,
    CONF_CLIENT_ID,
    CONF_CLIENT_SECRET,
    CONF_CONNECTION,
    CONF_CORRECTION_DAYS,
    CONF_HISTORY_YEARS,
    CONF_INSIGHTS,
    CONF_METERS,
    CONF_OPTIONAL_SENSORS,
    CONF_PLAUSIBILITY_LIMIT,
    CONF_TARIFF,
    CONF_TOKEN_URL,
    CONF_UNUSUAL_BAND,
    CONF_UNUSUAL_DAYS,
    CONF_UPDATE_INTERVAL,
    DOMAIN,
)
from simulator.account import (
    DAILY,
    FEED_IN_ONLY,
    FERRARIS,
    HOUSEHOLD,
    PHOTOVOLTAIC,
    default_account,
)
from simulator.app import Simulator
from simulator.server import RunningSimulator

from .conftest import entry_data
from .helpers import entity_id


def credentials(running: RunningSimulator, **changes: str) -> dict[str, Any]:
    """User-step input pointing at the simulator (URLs in the connection section)."""
    data = entry_data(running)
    del data[CONF_METERS]
    data[CONF_CONNECTION] = {
        CONF_API_URL: data.pop(CONF_API_URL),
        CONF_TOKEN_URL: data.pop(CONF_TOKEN_URL),
    }
    data.update(changes)
    return data


async def start(hass: HomeAssistant) -> dict[str, Any]:
    """A new user flow."""
    return await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})


async def reconfigure(hass: HomeAssistant, entry: MockConfigEntry) -> dict[str, Any]:
    """A reconfiguration flow for ``entry``."""
    return await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_RECONFIGURE, "entry_id": entry.entry_id}
    )


def fields(result: dict[str, Any]) -> set[str]:
    """The field names of a form."""
    return {str(key) for key in result["data_schema"].schema}


async def test_user_flow_creates_entry(hass: HomeAssistant, simulator: RunningSimulator) -> None:
    """Credentials, then meters with the smart meters preselected, then one entry."""
    result = await start(hass)
    assert result["type"] is FlowResultType.FORM
    assert fields(result) == {CONF_CLIENT_ID, CONF_CLIENT_SECRET, CONF_API_KEY, CONF_CONNECTION}
    assert "guide_url" in result["description_placeholders"]
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], credentials(simulator)
    )
    assert result["step_id"] == "meters"
    selector = result["data_schema"].schema[CONF_METERS]
    labels = {option["value"]: option["label"] for option in selector.config["options"]}
    assert set(labels) == {HOUSEHOLD, PHOTOVOLTAIC, FEED_IN_ONLY, DAILY, FERRARIS}
    assert labels[HOUSEHOLD] == (f"Wohnung · {HOUSEHOLD} · Favoritenstraße 112/2/3/14, 1100 Wien")
    assert labels[FERRARIS].endswith("· Ferraris")
    suggested = next(iter(result["data_schema"].schema)).description["suggested_value"]
    assert suggested == [HOUSEHOLD, PHOTOVOLTAIC, FEED_IN_ONLY, DAILY]

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_METERS: [HOUSEHOLD, PHOTOVOLTAIC]}
    )
    await hass.async_block_till_done()
    assert result["type"] is FlowResultType.CREATE_ENTRY
    entry = result["result"]
    assert entry.unique_id == "sim-client-id"
    assert entry.data[CONF_METERS] == [HOUSEHOLD, PHOTOVOLTAIC]
    assert entry.data[CONF_API_URL] == simulator.api_url
    assert entity_id(hass, PHOTOVOLTAIC, "feed_in_meter_reading") is not None


async def test_urls_folded_away_with_official_defaults(
    hass: HomeAssistant, simulator: RunningSimulator
) -> None:
    """The URLs sit in a collapsed section defaulting to the official endpoints; an entry
    keeps them only when they differ, so entries follow the official ones."""
    result = await start(hass)
    connection = result["data_schema"].schema[CONF_CONNECTION]
    assert isinstance(connection, section)
    assert connection.options["collapsed"] is True
    defaults = connection.schema({})
    assert defaults == {CONF_API_URL: DEFAULT_API_URL, CONF_TOKEN_URL: DEFAULT_TOKEN_URL}
    assert flatten(
        {CONF_CLIENT_ID: " id ", CONF_CONNECTION: {**defaults, CONF_API_URL: simulator.api_url}}
    ) == {CONF_CLIENT_ID: "id", CONF_API_URL: simulator.api_url}
    assert flatten({CONF_CLIENT_ID: "id", CONF_CONNECTION: defaults}) == {CONF_CLIENT_ID: "id"}


@pytest.mark.parametrize(
    ("changes", "settings", "error"),
    [
        ({CONF_CLIENT_SECRET: "wrong"}, {}, "invalid_auth"),
        ({CONF_API_KEY: "wrong"}, {}, "invalid_api_key"),
        ({}, {"unlinked": True}, "invalid_api_key"),
        ({}, {"offline": True}, "cannot_connect"),
        ({}, {"server_errors_next": 5}, "cannot_connect"),
        ({}, {"malformed_next": 1}, "cannot_connect"),
    ],
)
async def test_user_errors_then_recovery(
    hass: HomeAssistant,
    simulator: RunningSimulator,
    sim_state: Simulator,
    changes: dict[str, str],
    settings: dict[str, Any],
    error: str,
) -> None:
    """Each failure shows its error in the form; correct input then goes on."""
    sim_state.settings.update(settings)
    result = await start(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], credentials(simulator, **changes)
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"base": error}
    sim_state.reset()
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], credentials(simulator)
    )
    assert result["step_id"] == "meters"


async def test_forms_do_not_retry(
    hass: HomeAssistant,
    simulator: RunningSimulator,
    sim_state: Simulator,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A person waits at the form: during an outage it answers after one try, although the
    polling would try four times."""
    monkeypatch.setattr(
        connection, "RETRY_POLICY", RetryPolicy(max_attempts=4, base_delay=0, max_delay=0)
    )
    sim_state.settings.server_errors_next = 5
    result = await start(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], credentials(simulator)
    )
    assert result["errors"] == {"base": "cannot_connect"}
    assert sim_state.counts["meters"] == 1


@pytest.mark.parametrize(("kept", "error"), [([], "no_meters"), ([FERRARIS], "no_smart_meters")])
async def test_accounts_without_smart_meters(
    hass: HomeAssistant,
    simulator: RunningSimulator,
    sim_state: Simulator,
    kept: list[str],
    error: str,
) -> None:
    """An empty account, or one with only Ferraris meters, cannot be set up."""
    for number in set(sim_state.meters) - set(kept):
        del sim_state.meters[number]
    result = await start(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], credentials(simulator)
    )
    assert result["errors"] == {"base": error}


async def test_unexpected_error(hass: HomeAssistant, simulator: RunningSimulator) -> None:
    """A bug shows as unknown and is logged, it does not break the flow."""
    result = await start(hass)
    with patch.object(WienerNetzeClient, "async_get_meters", side_effect=RuntimeError("bug")):
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"], credentials(simulator)
        )
    assert result["errors"] == {"base": "unknown"}


@pytest.mark.parametrize(
    ("chosen", "error"), [([], "no_meters_selected"), ([HOUSEHOLD, FERRARIS], "ferraris_selected")]
)
async def test_meter_step_errors(
    hass: HomeAssistant, simulator: RunningSimulator, chosen: list[str], error: str
) -> None:
    """Nothing chosen, or a Ferraris meter chosen, is refused."""
    result = await start(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], credentials(simulator)
    )
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_METERS: chosen}
    )
    assert result["errors"] == {"base": error}


async def test_same_application_twice_aborts(
    hass: HomeAssistant, loaded: MockConfigEntry, simulator: RunningSimulator
) -> None:
    """One entry per client id."""
    result = await start(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], credentials(simulator)
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"


async def test_reauth(hass: HomeAssistant, loaded: MockConfigEntry, sim_state: Simulator) -> None:
    """A new secret and API key for the same application, checked before they are saved."""
    sim_state.settings.client_secret = "new-secret"
    sim_state.settings.api_key = "new-key"
    result = await loaded.start_reauth_flow(hass)
    assert result["step_id"] == "reauth_confirm"
    assert fields(result) == {CONF_CLIENT_SECRET, CONF_API_KEY}
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_CLIENT_SECRET: "old", CONF_API_KEY: "new-key"}
    )
    assert result["errors"] == {"base": "invalid_auth"}
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_CLIENT_SECRET: "new-secret", CONF_API_KEY: "new-key"}
    )
    await hass.async_block_till_done()
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reauth_successful"
    assert loaded.data[CONF_CLIENT_SECRET] == "new-secret"
    assert loaded.data[CONF_API_KEY] == "new-key"
    assert loaded.runtime_data.last_update_success


async def test_reconfigure_meters(
    hass: HomeAssistant, loaded: MockConfigEntry, simulator: RunningSimulator
) -> None:
    """The meter selection straight away, no secrets asked; dropping a meter removes its device
    and entities, the entry stays."""
    assert entity_id(hass, PHOTOVOLTAIC, "consumption_meter_reading") is not None
    result = await reconfigure(hass, loaded)
    assert result["step_id"] == "meters"
    assert fields(result) == {CONF_METERS}
    suggested = next(iter(result["data_schema"].schema)).description["suggested_value"]
    assert suggested == [HOUSEHOLD, PHOTOVOLTAIC]
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_METERS: [HOUSEHOLD]}
    )
    await hass.async_block_till_done()
    assert result["reason"] == "reconfigure_successful"
    assert loaded.data[CONF_METERS] == [HOUSEHOLD]
    devices = dr.async_entries_for_config_entry(dr.async_get(hass), loaded.entry_id)
    assert [device.name for device in devices] == ["Wohnung"]
    assert entity_id(hass, PHOTOVOLTAIC, "consumption_meter_reading") is None
    assert entity_id(hass, HOUSEHOLD, "consumption_meter_reading") is not None


async def test_reconfigure_with_credentials_no_longer_accepted(
    hass: HomeAssistant, loaded: MockConfigEntry, sim_state: Simulator
) -> None:
    """Reconfiguration uses the entry's credentials; when they stopped working it says to
    re-authenticate first."""
    sim_state.settings.client_secret = "changed"
    result = await reconfigure(hass, loaded)
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "invalid_auth"


async def test_options_reload(hass: HomeAssistant, loaded: MockConfigEntry) -> None:
    """Changing options reloads the entry with them."""
    result = await hass.config_entries.options.async_init(loaded.entry_id)
    assert result["step_id"] == "init"
    result = await hass.config_entries.options.async_configure(
        result["flow_id"],
        {
            CONF_UPDATE_INTERVAL: 30,
            CONF_HISTORY_YEARS: 2,
            CONF_PLAUSIBILITY_LIMIT: 20000,
            CONF_CORRECTION_DAYS: 10,
            CONF_OPTIONAL_SENSORS: ["month_to_date"],
            CONF_INSIGHTS: {CONF_UNUSUAL_DAYS: False, CONF_UNUSUAL_BAND: 4.5},
        },
    )
    await hass.async_block_till_done()
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert loaded.options == {
        CONF_UPDATE_INTERVAL: 30,
        CONF_HISTORY_YEARS: 2,
        CONF_PLAUSIBILITY_LIMIT: 20000,
        CONF_CORRECTION_DAYS: 10,
        CONF_OPTIONAL_SENSORS: ["month_to_date"],
        CONF_TARIFF: {},
        CONF_INSIGHTS: {CONF_BASE_LOAD: True, CONF_UNUSUAL_DAYS: False, CONF_UNUSUAL_BAND: 4.5},
    }
    options = loaded.runtime_data.options
    assert (options.base_load, options.unusual_days, options.unusual_band) == (True, False, 4.5)
    registry = er.async_get(hass)
    assert registry.async_get_entity_id("event", DOMAIN, f"{HOUSEHOLD}_unusual_day") is None
    assert entity_id(hass, HOUSEHOLD, "base_load") is not None
    assert entity_id(hass, HOUSEHOLD, "consumption_month_change") is not None
    assert loaded.runtime_data.tariff is None
    coordinator = loaded.runtime_data
    assert coordinator.update_interval is not None
    assert coordinator.update_interval.total_seconds() == 1800
    assert coordinator.options.max_power_w == 20000
    assert coordinator.options.correction_days == 10
    assert entity_id(hass, HOUSEHOLD, "consumption_month_to_date") is not None
    assert entity_id(hass, HOUSEHOLD, "consumption_latest_quarter_hour") is None
    assert entity_id(hass, HOUSEHOLD, "consumption_last_24_hours") is None


def test_default_account_has_every_kind() -> None:
    """The flow tests rely on the simulator's default account having all four kinds."""
    assert {spec.granularity for spec in default_account()} == {"QUARTER_HOUR", "DAY", None}
