"""The polling schedule with the simulator's clock, the token reuse, and availability on errors."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, timedelta

import pytest
from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import SOURCE_REAUTH, ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.util import dt as dt_util
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed

from custom_components.wiener_netze.api import Flow
from custom_components.wiener_netze.const import DOMAIN
from simulator.account import DAILY, HOUSEHOLD
from simulator.app import Simulator
from simulator.profiles import VIENNA
from simulator.server import RunningSimulator

from .conftest import make_entry
from .helpers import state, truth_kwh
from .statistics_support import assert_equal_hours, stored, truth_hours

READINGS = ("readings_QUARTER_HOUR", "readings_DAY", "readings_METER_READ")


def readings(sim: Simulator) -> Counter[str]:
    """Readings requests so far, by value type."""
    return Counter({key: sim.counts[key] for key in READINGS if sim.counts[key]})


async def tick_to(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, sim: Simulator, moment: datetime
) -> None:
    """Move Home Assistant and the simulator to ``moment`` and let due updates run."""
    freezer.move_to(moment)
    sim.clock.set(moment)
    async_fire_time_changed(hass, dt_util.utcnow())
    await hass.async_block_till_done(wait_background_tasks=True)


def at(day: int, hour: int, minute: int = 0) -> datetime:
    """A moment in November 2026, Vienna time."""
    return datetime(2026, 11, day, hour, minute, tzinfo=VIENNA)


@pytest.fixture(autouse=True)
def _validated(sim_state: Simulator) -> None:
    """No estimates: they would be re-checked every few hours and blur the counts."""
    sim_state.settings.estimate_share = 0.0
    sim_state.settings.token_lifetime = 2 * 24 * 3600


async def test_first_update_reads_each_type_once(
    hass: HomeAssistant, loaded: MockConfigEntry, sim_state: Simulator
) -> None:
    """Master data, then one bulk request per needed type for all meters together."""
    assert sim_state.counts["meters"] == 1
    assert readings(sim_state) == {
        "readings_QUARTER_HOUR": 1,
        "readings_DAY": 1,
        "readings_METER_READ": 1,
    }
    log = [entry for entry in sim_state.log if entry["endpoint"].startswith("readings")]
    meters = [[value for key, value in entry["query"] if key == "zaehlpunkt"] for entry in log]
    assert all(len(numbers) == 2 for numbers in meters)


async def test_schedule_follows_publication(
    hass: HomeAssistant,
    loaded: MockConfigEntry,
    sim_state: Simulator,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Nothing while nothing new can exist; day values alone while a day is overdue, with
    pauses that grow (2 hours, then three times as long as it has been overdue); quarter hours
    and the register in the update that finds it; the next day's first request halfway
    between the last miss and the find.
    """
    before = readings(sim_state)
    for minute in (15, 30, 45):
        await tick_to(hass, freezer, sim_state, at(21, 12, minute))
    await tick_to(hass, freezer, sim_state, at(21, 23, 50))
    assert readings(sim_state) == before  # 2026-11-20 is complete and validated

    # After midnight 2026-11-21 is due but not yet published (that happens at 06:00): its day
    # values, the correction window re-read with them; updates in between ask nothing.
    await tick_to(hass, freezer, sim_state, at(22, 0, 5))
    assert readings(sim_state) - before == {"readings_DAY": 1}
    window = [entry for entry in sim_state.log if entry["endpoint"].startswith("readings")]
    assert dict(window[-1]["query"])["datumVon"] == "2026-11-15"
    # (Updates run every 15 minutes from :05.)
    for hour, minute in ((0, 20), (0, 35), (0, 50), (1, 5), (1, 50), (2, 5)):
        await tick_to(hass, freezer, sim_state, at(22, hour, minute))
    assert readings(sim_state) - before == {"readings_DAY": 2}  # two hours later
    for hour, minute in ((2, 20), (4, 35), (8, 5)):  # overdue by 2:05 at 02:05: 6:15 later
        await tick_to(hass, freezer, sim_state, at(22, hour, minute))
    assert readings(sim_state) - before == {"readings_DAY": 2}
    assert state(hass, HOUSEHOLD, "consumption_latest_day").attributes["date"] == "2026-11-20"

    # Found at 08:20: quarter hours and the register in the same update, one token.
    tokens = sim_state.counts["token"]
    await tick_to(hass, freezer, sim_state, at(22, 8, 20))
    truth = sim_state.views[HOUSEHOLD].truth
    day = state(hass, HOUSEHOLD, "consumption_latest_day")
    assert day.attributes["date"] == "2026-11-21"
    assert float(day.state) == pytest.approx(truth_kwh(sim_state, HOUSEHOLD, date(2026, 11, 21)))
    reading = state(hass, HOUSEHOLD, "consumption_meter_reading")
    assert float(reading.state) == pytest.approx(truth.register(date(2026, 11, 21), False) / 1000)
    settled = readings(sim_state)
    assert settled - before == {
        "readings_QUARTER_HOUR": 1,
        "readings_DAY": 3,
        "readings_METER_READ": 1,
    }
    assert sim_state.counts["token"] <= tokens + 1

    # Then nothing until 05:20 the next day, halfway between the last miss (02:05) and the
    # find (08:20): 2026-11-22 is not there yet, and is found two hours later.
    for day_of_month, hour, minute in ((22, 12, 5), (22, 23, 5), (23, 0, 5), (23, 5, 5)):
        await tick_to(hass, freezer, sim_state, at(day_of_month, hour, minute))
    assert readings(sim_state) == settled
    await tick_to(hass, freezer, sim_state, at(23, 5, 20))
    assert readings(sim_state) - settled == {"readings_DAY": 1}
    for hour, minute in ((5, 35), (7, 5), (7, 20)):
        await tick_to(hass, freezer, sim_state, at(23, hour, minute))
    assert readings(sim_state) - settled == {
        "readings_QUARTER_HOUR": 1,
        "readings_DAY": 2,
        "readings_METER_READ": 1,
    }
    assert state(hass, HOUSEHOLD, "consumption_latest_day").attributes["date"] == "2026-11-22"


async def test_token_reused_across_updates(
    hass: HomeAssistant,
    loaded: MockConfigEntry,
    sim_state: Simulator,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Updates within the token's lifetime use the same token."""
    for hour, minute in ((0, 5), (1, 5), (2, 20)):
        await tick_to(hass, freezer, sim_state, at(22, hour, minute))
    assert sum(readings(sim_state).values()) == 3 + 2
    assert sim_state.counts["token"] == 1


async def test_day_meter_probe_then_day_values(
    hass: HomeAssistant,
    simulator: RunningSimulator,
    sim_state: Simulator,
    freezer: FrozenDateTimeFactory,
) -> None:
    """A day-only meter costs one quarter-hour probe and one day request, on separate updates."""
    entry = make_entry(simulator, [DAILY])
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert readings(sim_state) == {
        "readings_QUARTER_HOUR": 1,
        "readings_DAY": 1,
        "readings_METER_READ": 1,
    }
    await tick_to(hass, freezer, sim_state, at(22, 6, 5))
    await tick_to(hass, freezer, sim_state, at(22, 6, 20))
    await tick_to(hass, freezer, sim_state, at(22, 6, 35))
    await tick_to(hass, freezer, sim_state, at(22, 6, 50))
    assert readings(sim_state) == {
        "readings_QUARTER_HOUR": 2,
        "readings_DAY": 2,
        "readings_METER_READ": 2,
    }
    assert state(hass, DAILY, "consumption_latest_day").attributes["date"] == "2026-11-21"


async def test_unavailable_while_offline_logged_once(
    hass: HomeAssistant,
    loaded: MockConfigEntry,
    sim_state: Simulator,
    freezer: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Entities go unavailable with a translated reason; start and end are logged once each."""
    sim_state.settings.offline = True
    await tick_to(hass, freezer, sim_state, at(22, 0, 5))
    await tick_to(hass, freezer, sim_state, at(22, 0, 20))
    assert state(hass, HOUSEHOLD, "consumption_latest_day").state == "unavailable"
    coordinator = loaded.runtime_data
    assert coordinator.last_exception is not None
    assert coordinator.last_exception.translation_key == "cannot_connect"
    assert "could not be reached" in str(coordinator.last_exception)
    assert caplog.text.count("Error fetching wiener_netze data") == 1

    sim_state.settings.offline = False
    await tick_to(hass, freezer, sim_state, at(22, 6, 5))
    await tick_to(hass, freezer, sim_state, at(22, 6, 20))
    assert state(hass, HOUSEHOLD, "consumption_latest_day").attributes["date"] == "2026-11-21"
    assert caplog.text.count("Fetching wiener_netze data recovered") == 1


async def test_gateway_error_reason(
    hass: HomeAssistant,
    loaded: MockConfigEntry,
    sim_state: Simulator,
    freezer: FrozenDateTimeFactory,
) -> None:
    """A server error is told apart from an unreachable server."""
    sim_state.settings.server_errors_next = 100
    await tick_to(hass, freezer, sim_state, at(22, 0, 5))
    assert loaded.runtime_data.last_exception is not None
    assert loaded.runtime_data.last_exception.translation_key == "server_error"


@pytest.mark.parametrize("fault", ["reject_credentials", "unlinked"])
async def test_auth_failure_starts_reauth(
    hass: HomeAssistant,
    loaded: MockConfigEntry,
    sim_state: Simulator,
    freezer: FrozenDateTimeFactory,
    fault: str,
) -> None:
    """Rejected credentials or API key start re-authentication."""
    setattr(sim_state.settings, fault, True)
    sim_state.tokens.clear()
    await tick_to(hass, freezer, sim_state, at(22, 0, 5))
    flows = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert [flow["context"]["source"] for flow in flows] == [SOURCE_REAUTH]
    assert flows[0]["context"]["entry_id"] == loaded.entry_id


async def test_setup_retries_when_offline(
    hass: HomeAssistant, entry: MockConfigEntry, sim_state: Simulator
) -> None:
    """No connection at start: set-up is retried later."""
    sim_state.settings.offline = True
    entry.add_to_hass(hass)
    assert not await hass.config_entries.async_setup(entry.entry_id)
    assert entry.state is ConfigEntryState.SETUP_RETRY


async def test_setup_fails_on_rejected_credentials(
    hass: HomeAssistant, entry: MockConfigEntry, sim_state: Simulator
) -> None:
    """Rejected credentials at start: set-up fails and asks for new ones."""
    sim_state.settings.reject_credentials = True
    entry.add_to_hass(hass)
    assert not await hass.config_entries.async_setup(entry.entry_id)
    assert entry.state is ConfigEntryState.SETUP_ERROR
    assert any(
        flow["context"]["source"] == SOURCE_REAUTH
        for flow in hass.config_entries.flow.async_progress()
    )


async def test_a_late_day_does_not_hold_back_the_next_ones(
    hass: HomeAssistant,
    loaded: MockConfigEntry,
    sim_state: Simulator,
    freezer: FrozenDateTimeFactory,
) -> None:
    """The delay is learned from the recent days in both directions: after one day published
    at 23:00, the next days (published at 06:00 again) are found as early as before."""
    arrived: dict[str, datetime] = {}
    moment = at(22, 0, 5)
    while moment < at(26, 12, 5):
        # 2026-11-23 is published late, at 23:00 on the 24th; the other days at 06:00.
        late = at(24, 0, 0) <= moment < at(25, 0, 0)
        sim_state.settings.publish_hour = 23 if late else 6
        await tick_to(hass, freezer, sim_state, moment)
        latest = state(hass, HOUSEHOLD, "consumption_latest_day").attributes["date"]
        arrived.setdefault(latest, moment)
        moment += timedelta(minutes=15)
    usual = arrived["2026-11-22"] - at(23, 0, 0)  # learned on the first day
    # Its probes on the 24th (at the usual hour, 2 and 8 hours later) missed it: it comes with
    # the next day's first request at the latest.
    late = arrived.get("2026-11-23", arrived["2026-11-24"])
    assert at(24, 23, 0) <= late <= arrived["2026-11-24"]
    assert arrived["2026-11-24"] <= at(25, 0, 0) + usual  # not at 23:00 or later
    assert arrived["2026-11-25"] <= at(26, 0, 0) + usual
    # And the late day is in the statistics as measured, like the others.
    truth = truth_hours(sim_state, HOUSEHOLD, date(2026, 11, 1), date(2026, 11, 25), False)
    rows = await stored(hass, HOUSEHOLD, Flow.CONSUMPTION)
    assert all(moment in rows for moment in truth)
    assert_equal_hours({moment: rows[moment] for moment in rows if moment in truth}, truth)
