"""Fixtures for the integration: Home Assistant, the simulator on loopback, a config entry."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.recorder import Recorder
from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.wiener_netze import connection
from custom_components.wiener_netze.api import RetryPolicy
from custom_components.wiener_netze.const import (
    CONF_API_KEY,
    CONF_API_URL,
    CONF_CLIENT_ID,
    CONF_CLIENT_SECRET,
    CONF_HISTORY_YEARS,
    CONF_METERS,
    CONF_TOKEN_URL,
    DOMAIN,
)
from simulator.account import HOUSEHOLD, PHOTOVOLTAIC
from simulator.app import Simulator
from simulator.server import RunningSimulator
from tests.support import API_KEY, CLIENT_ID, NOW, SECRET, make_simulator

NO_RETRY = RetryPolicy(max_attempts=1)


@pytest.fixture
def sim_state() -> Simulator:
    """The simulator of the default account: every shape of metering point."""
    return make_simulator()


@pytest.fixture
def mock_recorder_before_hass(async_test_recorder: Any) -> None:
    """Make the test recorder available before Home Assistant starts (it is a dependency)."""


@pytest.fixture(autouse=True)
async def _integration(
    recorder_mock: Recorder,
    hass: HomeAssistant,
    enable_custom_integrations: None,
    monkeypatch: pytest.MonkeyPatch,
    freezer: FrozenDateTimeFactory,
) -> AsyncIterator[None]:
    """Load the custom integration, start at the simulator's ``NOW``, and never retry.

    Home Assistant's time is frozen here, so a retry's sleep would never end; the client's
    retries are tested on their own in ``tests/api``. Background work (statistics) finishes
    before the recorder is torn down.
    """
    monkeypatch.setattr(connection, "RETRY_POLICY", NO_RETRY)
    monkeypatch.setattr(connection, "RATE_LIMITS", (6000, 1000))
    freezer.move_to(NOW)
    yield
    await hass.async_block_till_done(wait_background_tasks=True)


def entry_data(running: RunningSimulator, meters: list[str] | None = None) -> dict[str, Any]:
    """Config entry data pointing at the simulator."""
    return {
        CONF_CLIENT_ID: CLIENT_ID,
        CONF_CLIENT_SECRET: SECRET,
        CONF_API_KEY: API_KEY,
        CONF_API_URL: running.api_url,
        CONF_TOKEN_URL: running.token_url,
        CONF_METERS: meters if meters is not None else [HOUSEHOLD, PHOTOVOLTAIC],
    }


def make_entry(
    running: RunningSimulator,
    meters: list[str] | None = None,
    unique_id: str = CLIENT_ID,
    **options: Any,
) -> MockConfigEntry:
    """An entry against the simulator; no history import unless ``history_years`` is given."""
    return MockConfigEntry(
        domain=DOMAIN,
        title="Wiener Netze",
        unique_id=unique_id,
        data=entry_data(running, meters),
        options={CONF_HISTORY_YEARS: 0, **options},
    )


@pytest.fixture
def entry(simulator: RunningSimulator) -> MockConfigEntry:
    """An entry for the household and the PV meter (not yet added), without history import."""
    return make_entry(simulator)


@pytest.fixture
async def loaded(hass: HomeAssistant, entry: MockConfigEntry) -> MockConfigEntry:
    """The entry, set up."""
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)
    return entry


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """The fault matrix's line per scenario and its total, when it ran."""
    from .test_fault_matrix import RESULTS

    if not RESULTS:
        return
    terminalreporter.section("fault matrix")
    for name, line in RESULTS:
        terminalreporter.write_line(f"{name:16} {line}")
    failed = sum(1 for _, line in RESULTS if not line.endswith(": ok"))
    terminalreporter.write_line(f"{len(RESULTS) - failed} passed, {failed} failed")
