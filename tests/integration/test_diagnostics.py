"""Diagnostics: a snapshot of what they contain, and proof that nothing identifying is in it."""

from __future__ import annotations

import json

from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.components.diagnostics import (
    get_diagnostics_for_config_entry,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator
from syrupy.assertion import SnapshotAssertion
from syrupy.filters import props

from simulator.app import Simulator
from simulator.server import RunningSimulator
from tests.support import API_KEY, CLIENT_ID, SECRET

from .conftest import make_entry


async def test_diagnostics(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    simulator: RunningSimulator,
    sim_state: Simulator,
    snapshot: SnapshotAssertion,
) -> None:
    """Secrets removed; meter numbers, names, addresses and device numbers redacted."""
    loaded = make_entry(simulator, tariff={"energy_price": 0.2, "daily_charge": 0.5})
    loaded.add_to_hass(hass)
    assert await hass.config_entries.async_setup(loaded.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)
    result = await get_diagnostics_for_config_entry(hass, hass_client, loaded)
    # The simulator's port changes from run to run, and so does the token (its shape too).
    assert result == snapshot(
        exclude=props(
            "entry_id", "created_at", "modified_at", "api_url", "token_url", "access_token"
        )
    )
    text = json.dumps(result)
    secrets = [SECRET, API_KEY, CLIENT_ID, "Favoritenstraße", "Wohnung", "1KFM0200345678"]
    secrets.extend(sim_state.meters)
    assert [secret for secret in secrets if secret in text] == []
    assert result["coordinator"]["token_requests"] == 1
    assert result["meter_details"][0]["read_by"] == "quarter_hour"
    assert result["costs"]["tariff"]["energy_price"] == 0.2
    assert len(result["costs"]["timelines"]) == 2
    # The shapes of the last answers, as the probe prints them: accepted, values left out.
    shapes = {shape["request"]: shape for shape in result["response_shapes"]}
    quarter_hours = shapes["GET /zaehlpunkte/messwerte QUARTER_HOUR"]
    assert (quarter_hours["status"], quarter_hours["accepted"]) == (200, True)
    assert "1-1:1.9.0" in quarter_hours["codes"]["obisCode"]
    assert shapes["POST token"]["body"]["expires_in"] == "integer"


async def test_diagnostics_use_the_entrys_correction_window(
    hass: HomeAssistant, hass_client: ClientSessionGenerator, simulator: RunningSimulator
) -> None:
    """A 30-day correction window (and the day that leaves it) reaches back past the month:
    diagnostics show all of it."""
    entry = make_entry(simulator, correction_days=30)
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)
    result = await get_diagnostics_for_config_entry(hass, hass_client, entry)
    assert result["coordinator"]["correction_days"] == 30
    assert result["coordinator"]["window_start"] == "2026-10-21"
    status = result["meter_details"][0]["day_status"]
    assert (min(status), max(status)) == ("2026-10-21", "2026-11-20")
    assert status["2026-10-21"] == "final"  # read and kept, not just listed
