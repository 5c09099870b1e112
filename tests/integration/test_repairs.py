"""The repair issue of a meter whose quarter hours are switched off, raised and cleared."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
from homeassistant.helpers import issue_registry as ir

from custom_components.wiener_netze.const import DOMAIN
from simulator.account import DAILY, HOUSEHOLD
from simulator.app import Simulator
from simulator.profiles import VIENNA
from simulator.readings import MeterView
from simulator.server import RunningSimulator
from simulator.truth import MeterTruth

from .conftest import make_entry
from .test_coordinator import tick_to

ISSUE = f"quarter_hours_disabled_{DAILY}"


async def test_issue_raised_and_cleared(
    hass: HomeAssistant,
    simulator: RunningSimulator,
    sim_state: Simulator,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Raised for the day-only meter; gone by itself once quarter hours arrive."""
    entry = make_entry(simulator, [HOUSEHOLD, DAILY])
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    registry = ir.async_get(hass)
    issue = registry.async_get_issue(DOMAIN, ISSUE)
    assert issue is not None
    assert issue.translation_key == "quarter_hours_disabled"
    assert issue.translation_placeholders is not None
    assert issue.translation_placeholders["meter"] == "Ordination"
    assert registry.async_get_issue(DOMAIN, f"quarter_hours_disabled_{HOUSEHOLD}") is None

    # The user switches quarter hours on in the portal; the next day they are published.
    spec = replace(sim_state.meters[DAILY], granularity="QUARTER_HOUR")
    sim_state.meters[DAILY] = spec
    sim_state.views[DAILY] = MeterView(MeterTruth(spec, sim_state.seed), sim_state.settings)
    await tick_to(hass, freezer, sim_state, datetime(2026, 11, 22, 6, 5, tzinfo=VIENNA))
    assert registry.async_get_issue(DOMAIN, ISSUE) is None


async def test_issue_removed_with_entry(hass: HomeAssistant, simulator: RunningSimulator) -> None:
    """Removing the entry removes its issues."""
    entry = make_entry(simulator, [DAILY])
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert ir.async_get(hass).async_get_issue(DOMAIN, ISSUE) is not None
    await hass.config_entries.async_remove(entry.entry_id)
    await hass.async_block_till_done()
    assert ir.async_get(hass).async_get_issue(DOMAIN, ISSUE) is None
