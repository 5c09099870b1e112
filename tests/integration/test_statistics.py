"""Long-term statistics against the simulator's truth, with the real recorder."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from functools import partial

import pytest
from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.recorder.statistics import get_metadata
from homeassistant.core import HomeAssistant
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers.recorder import get_instance
from homeassistant.setup import async_setup_component
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.wiener_netze.api import Flow
from custom_components.wiener_netze.api.vienna_time import days_between
from custom_components.wiener_netze.const import DOMAIN
from custom_components.wiener_netze.issues import held_issue_id
from custom_components.wiener_netze.statistic_ids import statistic_id
from simulator.account import DAILY, HOUSEHOLD, PHOTOVOLTAIC
from simulator.app import Simulator
from simulator.profiles import VIENNA, day_bounds
from simulator.server import RunningSimulator

from .conftest import make_entry
from .helpers import state
from .statistics_support import (
    assert_equal_hours,
    assert_states_are_registers,
    stored,
    truth_days,
    truth_hours,
)
from .test_coordinator import tick_to

HISTORY_FROM = date(2025, 11, 21)  # one year before NOW
LAST = date(2026, 11, 20)  # the newest published day at NOW
NEXT = date(2026, 11, 21)  # published the next morning
CONSUMPTION, FEED_IN = Flow.CONSUMPTION, Flow.FEED_IN


@pytest.fixture(autouse=True)
def _validated(sim_state: Simulator) -> None:
    """Validated values only, unless a test publishes estimates itself."""
    sim_state.settings.estimate_share = 0.0


async def set_up(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    """Set up and wait for the background history import."""
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)


async def test_year_of_history_equals_truth(
    hass: HomeAssistant, simulator: RunningSimulator, sim_state: Simulator
) -> None:
    """A year of three meters: every hour, consumption and feed-in apart, DAY meter by day."""
    entry = make_entry(simulator, [HOUSEHOLD, PHOTOVOLTAIC, DAILY], history_years=1)
    await set_up(hass, entry)
    for number, flow in ((HOUSEHOLD, CONSUMPTION), (PHOTOVOLTAIC, CONSUMPTION)):
        truth = truth_hours(sim_state, number, HISTORY_FROM, LAST, feed_in=False)
        assert_equal_hours(await stored(hass, number, flow), truth)
    feed_in = truth_hours(sim_state, PHOTOVOLTAIC, HISTORY_FROM, LAST, feed_in=True)
    assert_equal_hours(await stored(hass, PHOTOVOLTAIC, FEED_IN), feed_in)
    assert await stored(hass, HOUSEHOLD, FEED_IN) == {}
    assert_equal_hours(
        await stored(hass, DAILY, CONSUMPTION), truth_days(sim_state, DAILY, HISTORY_FROM, LAST)
    )

    # The state is the register at the end of each hour.
    rows = await stored(hass, HOUSEHOLD, CONSUMPTION)
    register = sim_state.views[HOUSEHOLD].truth.register
    last_hour = max(rows)
    assert rows[last_hour]["state"] == pytest.approx(register(LAST, False) / 1000)
    noon = datetime(2026, 6, 15, 12, tzinfo=VIENNA)
    opening = register(date(2026, 6, 14), False) / 1000
    hours = truth_hours(sim_state, HOUSEHOLD, date(2026, 6, 15), date(2026, 6, 15), False)
    so_far = sum(value for start, value in hours.items() if start < noon)
    assert rows[noon - timedelta(hours=1)]["state"] == pytest.approx(opening + so_far)

    # Clock changes: 23 and 25 hours, the repeated autumn hour twice, starts whole UTC hours.
    for day, count in ((date(2026, 3, 29), 23), (date(2026, 10, 25), 25)):
        start, end = day_bounds(day)
        hours = [moment for moment in rows if start <= moment < end]
        assert len(hours) == count
        assert all(moment.minute == 0 and moment.second == 0 for moment in hours)

    progress = state(hass, HOUSEHOLD, "history_import")
    assert float(progress.state) == 100
    assert progress.attributes["data_from"] == HISTORY_FROM.isoformat()


async def test_metadata_and_ids_stable_across_reload(
    hass: HomeAssistant, simulator: RunningSimulator
) -> None:
    """Ids from domain and meter number, energy in kWh with a sum and no mean; unchanged."""
    entry = make_entry(simulator, [PHOTOVOLTAIC])
    await set_up(hass, entry)
    ids = {statistic_id(PHOTOVOLTAIC, flow) for flow in (CONSUMPTION, FEED_IN)}
    assert ids == {
        "wiener_netze:at0010000000000000001000009811290_consumption",
        "wiener_netze:at0010000000000000001000009811290_feed_in",
    }
    before = await get_instance(hass).async_add_executor_job(
        partial(get_metadata, hass, statistic_ids=ids)
    )
    meta = before["wiener_netze:at0010000000000000001000009811290_consumption"][1]
    assert meta["has_sum"] is True
    assert meta["mean_type"] == 0
    assert meta["unit_of_measurement"] == "kWh"
    assert meta["unit_class"] == "energy"
    assert meta["source"] == "wiener_netze"
    assert meta["name"] == "Haus mit PV consumption"
    rows = await stored(hass, PHOTOVOLTAIC, CONSUMPTION)
    assert await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)
    after = await get_instance(hass).async_add_executor_job(
        partial(get_metadata, hass, statistic_ids=ids)
    )
    assert after == before
    assert await stored(hass, PHOTOVOLTAIC, CONSUMPTION) == rows


@pytest.mark.databases
async def test_restart_in_the_middle_of_the_history_import(
    hass: HomeAssistant,
    simulator: RunningSimulator,
    sim_state: Simulator,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The connection drops after two rounds; after a restart it continues, no gap, no double."""
    # Master data, the first update's three requests, then two chunks of three requests.
    sim_state.settings.offline_after = 1 + 3 + 2 * 3
    entry = make_entry(simulator, [HOUSEHOLD], history_years=1)
    await set_up(hass, entry)
    # Newest first: the two rounds before the window (which starts on 1 November) are in.
    newest = date(2026, 10, 31)
    resume = newest - timedelta(days=2 * 89)  # the newest day still missing
    settled = entry.runtime_data.saved.state.settled_days(HOUSEHOLD)
    assert set(days_between(resume + timedelta(days=1), newest)) <= settled
    assert resume not in settled
    assert HISTORY_FROM not in settled
    history = entry.runtime_data.history.summary()[HOUSEHOLD]
    assert 0 < (history.progress or 0) < 100
    assert history.missing_days > 0
    assert "History import paused" in caplog.text

    assert await hass.config_entries.async_unload(entry.entry_id)
    sim_state.settings.offline = False
    sim_state.log.clear()
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)
    starts = [
        dict(item["query"])["datumVon"]
        for item in sim_state.log
        if item["endpoint"] == "readings_bulk" and dict(item["query"])["wertetyp"] == "QUARTER_HOUR"
    ]
    assert starts[0] == "2026-11-01"  # the window, read on start
    # The history import goes on where it stopped: the round that ends with ``resume``.
    assert starts[1] == max(HISTORY_FROM, resume - timedelta(days=88)).isoformat()
    assert entry.runtime_data.history.summary()[HOUSEHOLD].missing_days == 0
    truth = truth_hours(sim_state, HOUSEHOLD, HISTORY_FROM, LAST, feed_in=False)
    assert_equal_hours(await stored(hass, HOUSEHOLD, CONSUMPTION), truth)


@pytest.mark.databases
async def test_estimates_corrected_later(
    hass: HomeAssistant,
    simulator: RunningSimulator,
    sim_state: Simulator,
    freezer: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Hours first imported from estimates are rewritten when validated; later sums follow."""
    sim_state.settings.estimate_share = 1.0
    await set_up(hass, make_entry(simulator, [HOUSEHOLD]))
    first = date(2026, 11, 1)
    rows = await stored(hass, HOUSEHOLD, CONSUMPTION)
    truth = truth_hours(sim_state, HOUSEHOLD, first, LAST, feed_in=False)
    estimated = [start for start in truth if abs(rows[start]["change"] - truth[start]) > 1e-6]
    assert len(estimated) == 48  # 19 and 20 November are still estimates

    sim_state.settings.estimate_share = 0.0  # Wiener Netze validates them
    # The correction window is read again with the next day (published at 06:00, found 08:20).
    for hour, minute in ((0, 5), (2, 5), (8, 20)):
        await tick_to(hass, freezer, sim_state, datetime(2026, 11, 22, hour, minute, tzinfo=VIENNA))
    rows = await stored(hass, HOUSEHOLD, CONSUMPTION)
    assert_equal_hours(rows, truth_hours(sim_state, HOUSEHOLD, first, NEXT, feed_in=False))
    assert assert_states_are_registers(sim_state, HOUSEHOLD, rows, feed_in=False) == 21
    assert "Corrected 48 hours" in caplog.text


async def test_implausible_days_held_then_imported_when_fixed(
    hass: HomeAssistant,
    simulator: RunningSimulator,
    sim_state: Simulator,
    freezer: FrozenDateTimeFactory,
) -> None:
    """A day scaled by ten and a day with a 23,944 kWh spike are held back with an issue each."""
    scaled, spiked = date(2026, 11, 16), date(2026, 11, 18)
    sim_state.settings.scaled_days = [scaled]
    sim_state.settings.spike_days = [spiked]
    await set_up(hass, make_entry(simulator, [HOUSEHOLD]))
    rows = await stored(hass, HOUSEHOLD, CONSUMPTION)
    for day in (scaled, spiked):
        start, end = day_bounds(day)
        assert [moment for moment in rows if start <= moment < end] == []
    registry = ir.async_get(hass)
    issue = registry.async_get_issue(DOMAIN, held_issue_id(f"{HOUSEHOLD}/consumption/2026-11-16"))
    assert issue is not None
    assert issue.is_fixable
    day_total = sim_state.views[HOUSEHOLD].truth.day_total(scaled, False) / 1000
    assert issue.translation_placeholders == {
        "meter": "Wohnung",
        "flow": "consumption",
        "day": "2026-11-16",
        "quarter_hours": f"{10 * day_total:.3f}",
        "day_total": f"{day_total:.3f}",
    }
    assert registry.async_get_issue(DOMAIN, held_issue_id(f"{HOUSEHOLD}/consumption/2026-11-18"))

    sim_state.settings.scaled_days = []  # Wiener Netze fixes the source
    sim_state.settings.spike_days = []
    # The correction window is read again with the next day (published at 06:00, found 08:20).
    for hour, minute in ((0, 5), (2, 5), (8, 20)):
        await tick_to(hass, freezer, sim_state, datetime(2026, 11, 22, hour, minute, tzinfo=VIENNA))
    truth = truth_hours(sim_state, HOUSEHOLD, date(2026, 11, 1), NEXT, feed_in=False)
    assert_equal_hours(await stored(hass, HOUSEHOLD, CONSUMPTION), truth)
    assert [key for key in registry.issues if key[1].startswith("implausible_")] == []


async def test_import_anyway(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    simulator: RunningSimulator,
    sim_state: Simulator,
) -> None:
    """The repair flow imports a held day as delivered, and the issue goes."""
    scaled = date(2026, 11, 16)
    sim_state.settings.scaled_days = [scaled]
    await set_up(hass, make_entry(simulator, [HOUSEHOLD]))
    assert await async_setup_component(hass, "repairs", {})
    issue_id = held_issue_id(f"{HOUSEHOLD}/consumption/2026-11-16")
    client = await hass_client()
    response = await client.post(
        "/api/repairs/issues/fix", json={"handler": DOMAIN, "issue_id": issue_id}
    )
    flow = await response.json()
    assert flow["step_id"] == "confirm"
    assert flow["description_placeholders"]["day"] == "2026-11-16"
    response = await client.post(f"/api/repairs/issues/fix/{flow['flow_id']}", json={})
    assert (await response.json())["type"] == "create_entry"
    await hass.async_block_till_done()
    rows = await stored(hass, HOUSEHOLD, CONSUMPTION)
    truth = truth_hours(sim_state, HOUSEHOLD, scaled, scaled, feed_in=False)
    assert {start: rows[start]["change"] for start in truth} == pytest.approx(
        {start: 10 * value for start, value in truth.items()}
    )
    assert ir.async_get(hass).async_get_issue(DOMAIN, issue_id) is None


async def test_gaps_inside_and_beyond_the_window(
    hass: HomeAssistant,
    simulator: RunningSimulator,
    sim_state: Simulator,
    freezer: FrozenDateTimeFactory,
) -> None:
    """An hour missing on a day older than the meters keep gets the rest of its day value, and
    is named a gap; inside the correction window it waits."""
    old, recent = date(2026, 6, 10), date(2026, 11, 19)
    sim_state.settings.missing_interval_days = [old, recent]
    sim_state.settings.duplicated_interval_days = [date(2026, 11, 12)]
    await set_up(hass, make_entry(simulator, [HOUSEHOLD], history_years=1))
    rows = await stored(hass, HOUSEHOLD, CONSUMPTION)
    # Quarter hours 40..43 are missing: 10:00 to 11:00 local time (09:00 UTC in November).
    missing_old = datetime(2026, 6, 10, 10, tzinfo=VIENNA)
    missing_recent = datetime(2026, 11, 19, 10, tzinfo=VIENNA)
    truth = truth_hours(sim_state, HOUSEHOLD, HISTORY_FROM, LAST, feed_in=False)
    # The day value's rest on the four missing quarter hours: here exactly their hour.
    assert rows[missing_old]["change"] == pytest.approx(truth[missing_old.astimezone(UTC)])
    assert missing_recent not in rows
    issue = ir.async_get(hass).async_get_issue(DOMAIN, f"gaps_{HOUSEHOLD}")
    assert issue is not None
    assert issue.translation_placeholders is not None
    assert issue.translation_placeholders["ranges"] == "2026-06-10"
    assert issue.translation_placeholders["missing"] == "4"

    sim_state.settings.missing_interval_days = []  # the recent hour arrives after all
    # The correction window is read again with the next day (published at 06:00, found 08:20).
    for hour, minute in ((0, 5), (2, 5), (8, 20)):
        await tick_to(hass, freezer, sim_state, datetime(2026, 11, 22, hour, minute, tzinfo=VIENNA))
    rows = await stored(hass, HOUSEHOLD, CONSUMPTION)
    truth = truth_hours(sim_state, HOUSEHOLD, HISTORY_FROM, NEXT, feed_in=False)
    assert_equal_hours(rows, truth)  # duplicated intervals counted once


async def test_meter_replacement(
    hass: HomeAssistant,
    simulator: RunningSimulator,
    sim_state: Simulator,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The register starts again from zero: sums follow the intervals, the state the register."""
    replaced = date(2026, 8, 12)
    sim_state.settings.replaced_meter = HOUSEHOLD
    sim_state.settings.replacement_day = replaced
    entry = make_entry(simulator, [HOUSEHOLD], history_years=1)
    await set_up(hass, entry)
    rows = await stored(hass, HOUSEHOLD, CONSUMPTION)
    truth = truth_hours(sim_state, HOUSEHOLD, HISTORY_FROM, LAST, feed_in=False)
    assert_equal_hours(rows, truth)
    assert all(row["change"] >= 0 for row in rows.values())
    end_of_day = day_bounds(replaced)[1] - timedelta(hours=1)
    register = sim_state.views[HOUSEHOLD].register(replaced, False) / 1000
    assert rows[end_of_day]["state"] == pytest.approx(register)
    assert register < 20  # the new meter's register
    assert "treating it as a meter replacement" in caplog.text
    replacements = entry.runtime_data.saved.state.replacements
    assert [(item["meter"], item["day"]) for item in replacements] == [
        (HOUSEHOLD, replaced.isoformat())
    ]
    latest = sim_state.views[HOUSEHOLD].register(LAST, False) / 1000
    assert float(state(hass, HOUSEHOLD, "consumption_meter_reading").state) == pytest.approx(latest)


async def test_double_tariff_registers(
    hass: HomeAssistant, simulator: RunningSimulator, sim_state: Simulator
) -> None:
    """A meter with 1.8.1 and 1.8.2 gets a meter-reading sensor per register."""
    sim_state.settings.tariff_meters = [HOUSEHOLD]
    await set_up(hass, make_entry(simulator, [HOUSEHOLD]))
    truth = sim_state.views[HOUSEHOLD].truth
    for tariff in (1, 2):
        sensor = state(hass, HOUSEHOLD, f"register_1.8.{tariff}")
        assert float(sensor.state) == pytest.approx(truth.tariff_register(LAST, tariff) / 1000)
        assert sensor.name == f"Wohnung Meter reading 1.8.{tariff}"
    total = sum(truth.tariff_register(LAST, tariff) for tariff in (1, 2)) / 1000
    assert total == pytest.approx(truth.register(LAST, False) / 1000)


async def test_held_day_beyond_the_window_imports_when_fixed(
    hass: HomeAssistant,
    simulator: RunningSimulator,
    sim_state: Simulator,
    freezer: FrozenDateTimeFactory,
) -> None:
    """A held-back day of the history the meters still keep is read again the next day (by the
    update's own quarter-hour request) and imports when fixed; one they no longer keep stays
    held and is not asked for again."""
    scaled, old = date(2026, 10, 10), date(2026, 6, 10)
    sim_state.settings.scaled_days = [scaled, old]
    await set_up(hass, make_entry(simulator, [HOUSEHOLD], history_years=1))
    registry = ir.async_get(hass)
    issue_id = held_issue_id(f"{HOUSEHOLD}/consumption/2026-10-10")
    old_id = held_issue_id(f"{HOUSEHOLD}/consumption/2026-06-10")
    assert registry.async_get_issue(DOMAIN, issue_id) is not None
    assert registry.async_get_issue(DOMAIN, old_id) is not None

    sim_state.settings.scaled_days = []
    start = len(sim_state.log)
    # The update's quarter-hour request reaches back to it with the next day (found 08:20).
    for hour, minute in ((0, 5), (2, 5), (8, 20)):
        await tick_to(hass, freezer, sim_state, datetime(2026, 11, 22, hour, minute, tzinfo=VIENNA))
    assert registry.async_get_issue(DOMAIN, issue_id) is None
    assert registry.async_get_issue(DOMAIN, old_id) is not None
    asked = [dict(entry["query"]) for entry in list(sim_state.log)[start:]]
    assert not [
        query
        for query in asked
        if query.get("datumVon", "9") <= str(old) < query.get("datumBis", "")
    ]
    truth = truth_hours(sim_state, HOUSEHOLD, HISTORY_FROM, NEXT, feed_in=False)
    old_day = {start for start in truth if start.astimezone(VIENNA).date() == old}
    rows = await stored(hass, HOUSEHOLD, CONSUMPTION)
    assert not old_day & set(rows)
    kept = {start: value for start, value in truth.items() if start not in old_day}
    assert_equal_hours(rows, kept)


@pytest.mark.databases
async def test_the_recorder_runs_on_the_database_asked_for(
    hass: HomeAssistant, recorder_db_url: str
) -> None:
    """The tests marked for the databases really run on them: ``--dburl`` reached the recorder
    (scripts/test passes a PostgreSQL and a MariaDB URL; without one it is SQLite)."""
    dialect = get_instance(hass).engine.dialect.name
    expected = recorder_db_url.split(":", 1)[0].split("+", 1)[0]
    assert dialect == expected
