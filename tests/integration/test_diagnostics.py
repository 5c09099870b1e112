"""Diagnostics: a snapshot of what they contain, and proof that nothing identifying is in it."""

from __future__ import annotations

import json

from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.components.diagnostics import (
    get_diagnostics_for_config_entry,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator
from syrupy.assertion import SnapshotAssertion
from syrupy.filters import props

from simulator.app import Simulator
from tests.support import API_KEY, CLIENT_ID, SECRET


async def test_diagnostics(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    loaded: MockConfigEntry,
    sim_state: Simulator,
    snapshot: SnapshotAssertion,
) -> None:
    """Secrets removed; meter numbers, names, addresses and device numbers redacted."""
    result = await get_diagnostics_for_config_entry(hass, hass_client, loaded)
    # The simulator's port changes from run to run.
    assert result == snapshot(
        exclude=props("entry_id", "created_at", "modified_at", "api_url", "token_url")
    )
    text = json.dumps(result)
    secrets = [SECRET, API_KEY, CLIENT_ID, "Favoritenstraße", "Wohnung", "1KFM0200345678"]
    secrets.extend(sim_state.meters)
    assert [secret for secret in secrets if secret in text] == []
    assert result["coordinator"]["token_requests"] == 1
    assert result["meter_details"][0]["read_by"] == "quarter_hour"
