"""Accounts that change: a meter added, a meter gone, a meter locked; and the requests a day of
an account with every shape costs."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

import pytest
from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import SOURCE_REAUTH
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers import issue_registry as ir
from homeassistant.setup import async_setup_component

from custom_components.wiener_netze import async_remove_config_entry_device
from custom_components.wiener_netze.api import Flow
from custom_components.wiener_netze.const import CONF_METERS, DOMAIN
from custom_components.wiener_netze.issues import NEW_METER_PREFIX, UNAVAILABLE_PREFIX
from simulator.account import DAILY, FEED_IN_ONLY, HOUSEHOLD, PHOTOVOLTAIC
from simulator.app import Simulator
from simulator.profiles import VIENNA
from simulator.server import RunningSimulator

from .conftest import make_entry
from .helpers import entity_id, state
from .statistics_support import assert_equal_hours, published_hours, stored
from .test_coordinator import tick_to

ONE_DAY = timedelta(days=1)


@pytest.fixture(autouse=True)
def _validated(sim_state: Simulator) -> None:
    """Validated values only, tokens that outlive the test's jumps."""
    sim_state.settings.estimate_share = 0.0
    sim_state.settings.token_lifetime = 200 * 24 * 3600


def morning(day: date) -> datetime:
    """08:05 in Vienna: the day before is published."""
    return datetime.combine(day, time(8, 5), tzinfo=VIENNA)


async def fix(hass: HomeAssistant, issue_id: str) -> Any:
    """Run an issue's fix flow (as the frontend does) and confirm it.

    Through the repairs flow manager rather than HTTP: the tests move the clock by months,
    past the lifetime of the test user's access token.
    """
    assert await async_setup_component(hass, "repairs", {})
    manager = hass.data["repairs"]["flow_manager"]
    flow = await manager.async_init(DOMAIN, data={"issue_id": issue_id})
    assert flow["step_id"] == "confirm", flow
    result = await manager.async_configure(flow["flow_id"], {})
    await hass.async_block_till_done(wait_background_tasks=True)
    return result


async def test_meter_added_after_a_hundred_days_gets_its_history(
    hass: HomeAssistant,
    simulator: RunningSimulator,
    sim_state: Simulator,
    freezer: FrozenDateTimeFactory,
) -> None:
    """A smart meter appears on the account 100 days later: an issue offers it, its fix adds
    the meter without any secret, and the meter gets its whole history."""
    added = date(2027, 3, 1)
    sim_state.settings.update({"added_meter": PHOTOVOLTAIC, "added_on": added.isoformat()})
    entry = make_entry(simulator, [HOUSEHOLD], history_years=1)
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)
    registry = ir.async_get(hass)
    assert [key for key in registry.issues if key[1].startswith(NEW_METER_PREFIX)] == []

    await tick_to(hass, freezer, sim_state, morning(added))  # the day's meter list shows it
    issue_id = f"{NEW_METER_PREFIX}{PHOTOVOLTAIC}"
    issue = registry.async_get_issue(DOMAIN, issue_id)
    assert issue is not None
    assert issue.translation_key == "new_meter"
    assert (await fix(hass, issue_id))["type"] == "create_entry"
    assert entry.data[CONF_METERS] == [HOUSEHOLD, PHOTOVOLTAIC]
    assert registry.async_get_issue(DOMAIN, issue_id) is None
    first, last = date(2026, 3, 1), added - ONE_DAY
    for flow in (Flow.CONSUMPTION, Flow.FEED_IN):
        rows = await stored(hass, PHOTOVOLTAIC, flow)
        assert_equal_hours(
            rows, published_hours(sim_state, PHOTOVOLTAIC, first, last, flow is Flow.FEED_IN)
        )
    assert entity_id(hass, PHOTOVOLTAIC, "feed_in_meter_reading") is not None


async def test_meter_gone_from_the_account(
    hass: HomeAssistant,
    simulator: RunningSimulator,
    sim_state: Simulator,
    freezer: FrozenDateTimeFactory,
) -> None:
    """A meter leaves the account: requests naming it answer 404. The other meter goes on,
    the gone one turns unavailable with an issue, and its fix removes its device (the
    statistics stay)."""
    entry = make_entry(simulator, [HOUSEHOLD, DAILY])
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)
    sim_state.settings.update({"removed_meter": DAILY, "removed_on": "2026-11-22"})
    await tick_to(hass, freezer, sim_state, morning(date(2026, 11, 22)))

    assert entry.runtime_data.last_update_success
    assert state(hass, HOUSEHOLD, "consumption_latest_day").attributes["date"] == "2026-11-21"
    assert state(hass, DAILY, "consumption_latest_day").state == "unavailable"
    issue_id = f"{UNAVAILABLE_PREFIX}{DAILY}"
    issue = ir.async_get(hass).async_get_issue(DOMAIN, issue_id)
    assert issue is not None
    assert issue.translation_key == "meter_gone"
    await tick_to(hass, freezer, sim_state, morning(date(2026, 11, 23)))
    household = await stored(hass, HOUSEHOLD, Flow.CONSUMPTION)
    assert max(household).astimezone(VIENNA).date() == date(2026, 11, 22)
    daily_before = await stored(hass, DAILY, Flow.CONSUMPTION)

    assert (await fix(hass, issue_id))["type"] == "create_entry"
    assert entry.data[CONF_METERS] == [HOUSEHOLD]
    devices = dr.async_entries_for_config_entry(dr.async_get(hass), entry.entry_id)
    assert [device.name for device in devices] == ["Wohnung"]
    assert await stored(hass, DAILY, Flow.CONSUMPTION) == daily_before  # statistics stay
    assert ir.async_get(hass).async_get_issue(DOMAIN, issue_id) is None


async def test_meter_locked_alone(
    hass: HomeAssistant,
    simulator: RunningSimulator,
    sim_state: Simulator,
    freezer: FrozenDateTimeFactory,
) -> None:
    """403 for one meter only: no re-authentication, that meter unavailable with an issue, its
    device may be deleted by hand (which takes it out of the selection), the other goes on."""
    entry = make_entry(simulator, [HOUSEHOLD, DAILY])
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)
    sim_state.settings.forbidden_meters = [DAILY]
    await tick_to(hass, freezer, sim_state, morning(date(2026, 11, 22)))

    assert not list(entry.async_get_active_flows(hass, {SOURCE_REAUTH}))
    assert entry.runtime_data.last_update_success
    issue = ir.async_get(hass).async_get_issue(DOMAIN, f"{UNAVAILABLE_PREFIX}{DAILY}")
    assert issue is not None
    assert issue.translation_key == "meter_locked"
    assert state(hass, DAILY, "consumption_latest_day").state == "unavailable"
    assert state(hass, HOUSEHOLD, "consumption_latest_day").attributes["date"] == "2026-11-21"

    registry = dr.async_get(hass)
    household = registry.async_get_device_by_identifier((DOMAIN, HOUSEHOLD), entry.entry_id)
    daily = registry.async_get_device_by_identifier((DOMAIN, DAILY), entry.entry_id)
    assert household is not None
    assert daily is not None
    assert not await async_remove_config_entry_device(hass, entry, household)
    assert await async_remove_config_entry_device(hass, entry, daily)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert entry.data[CONF_METERS] == [HOUSEHOLD]


async def test_every_shape_costs_at_most_five_requests_a_day(
    hass: HomeAssistant,
    simulator: RunningSimulator,
    sim_state: Simulator,
    freezer: FrozenDateTimeFactory,
) -> None:
    """With a feed-in-only metering point among them, the account's four smart meters cost
    quarter hours, day values and registers a day (and a token), once the publication delay is
    learned, and the meter list a week; the feed-in-only point's register and sensors have
    values."""
    entry = make_entry(simulator, [HOUSEHOLD, PHOTOVOLTAIC, FEED_IN_ONLY, DAILY])
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)
    per_day: list[int] = []
    for offset in range(1, 9):
        day = date(2026, 11, 21) + offset * ONE_DAY
        before = sim_state.counts["total"] - sim_state.counts["token"]
        moment = datetime.combine(day, time(0, 7), tzinfo=VIENNA)
        while moment.date() == day:
            await tick_to(hass, freezer, sim_state, moment)
            moment += timedelta(minutes=15)
        per_day.append(sim_state.counts["total"] - sim_state.counts["token"] - before)
    # Three gateway requests a day, the meter list on the seventh day (tokens not counted).
    # The first days learn when Wiener Netze publishes (halfway between a miss and a find).
    assert max(per_day[2:]) <= 5, per_day
    assert per_day[-2:] in ([3, 3], [4, 3], [3, 4]), per_day
    assert sum(per_day) <= 8 * 3 + 12, per_day
    assert sim_state.counts["meters"] == 2  # at set-up, then a week later
    reading = state(hass, FEED_IN_ONLY, "feed_in_meter_reading")
    assert reading.attributes["as_of"] is not None
    assert float(reading.state) > 3000
    assert entity_id(hass, FEED_IN_ONLY, "consumption_meter_reading") is None


async def test_the_only_meter_gone(
    hass: HomeAssistant,
    simulator: RunningSimulator,
    sim_state: Simulator,
    freezer: FrozenDateTimeFactory,
) -> None:
    """An entry's only meter leaves the account: no failing update every 15 minutes and no
    re-authentication, but an unavailable meter with its issue; back on the list, it is read
    again."""
    entry = make_entry(simulator, [DAILY])
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)
    sim_state.settings.update({"removed_meter": DAILY, "removed_on": "2026-11-22"})
    await tick_to(hass, freezer, sim_state, morning(date(2026, 11, 22)))
    assert entry.runtime_data.last_update_success
    assert not list(entry.async_get_active_flows(hass, {SOURCE_REAUTH}))
    issue = ir.async_get(hass).async_get_issue(DOMAIN, f"{UNAVAILABLE_PREFIX}{DAILY}")
    assert issue is not None
    assert state(hass, DAILY, "consumption_latest_day").state == "unavailable"
    requests = sim_state.counts["total"]
    await tick_to(hass, freezer, sim_state, morning(date(2026, 11, 22)) + timedelta(hours=3))
    assert sim_state.counts["total"] == requests  # nothing asked while it is gone

    sim_state.settings.removed_meter = None  # listed again the next day
    await tick_to(hass, freezer, sim_state, morning(date(2026, 11, 23)))
    await tick_to(hass, freezer, sim_state, morning(date(2026, 11, 23)) + timedelta(minutes=15))
    assert ir.async_get(hass).async_get_issue(DOMAIN, f"{UNAVAILABLE_PREFIX}{DAILY}") is None
    assert state(hass, DAILY, "consumption_latest_day").attributes["date"] == "2026-11-22"


async def test_a_meter_leaving_during_the_history_import(
    hass: HomeAssistant, simulator: RunningSimulator, sim_state: Simulator
) -> None:
    """The account drops a meter while its history is read: the other meter's history is
    imported in full, the leaving meter's is skipped, not retried in a loop."""
    sim_state.settings.update({"removed_meter": DAILY, "removed_on": "2026-11-21"})
    entry = make_entry(simulator, [HOUSEHOLD, DAILY], history_years=1)
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)
    first, last = date(2025, 11, 21), date(2026, 11, 20)
    assert_equal_hours(
        await stored(hass, HOUSEHOLD, Flow.CONSUMPTION),
        published_hours(sim_state, HOUSEHOLD, first, last, False),
    )
    assert await stored(hass, DAILY, Flow.CONSUMPTION) == {}
    history = entry.runtime_data.history.summary()
    assert history[HOUSEHOLD].missing_days == 0


async def test_a_removed_meters_issues_and_state_go(
    hass: HomeAssistant, simulator: RunningSimulator, sim_state: Simulator
) -> None:
    """A meter taken out of the selection takes its repair issues and saved state along."""
    sim_state.settings.missing_interval_days = [date(2026, 11, 2)]
    sim_state.settings.spike_days = [date(2026, 11, 3)]
    entry = make_entry(simulator, [HOUSEHOLD, DAILY])
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)
    registry = ir.async_get(hass)
    held = f"implausible_{HOUSEHOLD}_consumption_20261103"
    assert registry.async_get_issue(DOMAIN, held) is not None
    assert f"{HOUSEHOLD}/consumption/2026-11-02" in entry.runtime_data.saved.state.waiting
    assert registry.async_get_issue(DOMAIN, f"quarter_hours_disabled_{DAILY}") is not None
    hass.config_entries.async_update_entry(entry, data={**entry.data, CONF_METERS: [DAILY]})
    assert await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert registry.async_get_issue(DOMAIN, held) is None
    assert HOUSEHOLD not in entry.runtime_data.saved.state.meters()
    assert registry.async_get_issue(DOMAIN, f"quarter_hours_disabled_{DAILY}") is not None
