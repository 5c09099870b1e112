"""Fixtures of the Radialight integration's tests: Home Assistant, the simulated cloud, an entry."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.recorder import Recorder
from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.radialight_cloud import connection
from custom_components.radialight_cloud.api import RetryPolicy
from custom_components.radialight_cloud.const import (
    CONF_API_KEY,
    CONF_API_URL,
    CONF_REFRESH_TOKEN,
    CONF_TOKEN_URL,
    DOMAIN,
)
from radialight_simulator.app import RadialightSimulator
from radialight_simulator.server import RunningRadialight
from tests.radialight.conftest import NOW


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
    """Load the custom integration at the simulator's time, on the real recorder.

    A failing request is not tried again (the client's retries are tested on their own).
    Background work (usage reads, statistics) finishes before the recorder is torn down.
    """
    monkeypatch.setattr(connection, "RETRY_POLICY", RetryPolicy(max_attempts=1))
    freezer.move_to(NOW)
    yield
    await hass.async_block_till_done(wait_background_tasks=True)


def entry_data(cloud: RunningRadialight, sim: RadialightSimulator) -> dict[str, Any]:
    """Config entry data pointing at the simulated cloud."""
    return {
        CONF_API_KEY: sim.settings.api_key,
        CONF_REFRESH_TOKEN: sim.settings.refresh_token,
        CONF_API_URL: cloud.api_url,
        CONF_TOKEN_URL: cloud.token_url,
    }


async def set_up(
    hass: HomeAssistant,
    cloud: RunningRadialight,
    sim: RadialightSimulator,
    options: dict[str, Any] | None = None,
) -> MockConfigEntry:
    """An entry of the simulated account, loaded, its first usage read done."""
    config_entry = MockConfigEntry(
        domain=DOMAIN,
        title="Radialight",
        unique_id=sim.settings.user_id,
        data=entry_data(cloud, sim),
        options=options or {},
    )
    config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)
    return config_entry


@pytest.fixture
async def entry(
    hass: HomeAssistant, rl_cloud: RunningRadialight, rl_state: RadialightSimulator
) -> MockConfigEntry:
    """A loaded entry of the simulated "home" account."""
    return await set_up(hass, rl_cloud, rl_state)
