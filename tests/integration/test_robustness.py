"""Never stuck, never out of step: bad values, failing chunks, concurrent writers, corrections
that cost what they change, the newest days first, and money that keeps up."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import pytest
from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
from homeassistant.helpers import issue_registry as ir
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.components.recorder.common import (
    async_wait_recording_done,
)

from custom_components.wiener_netze import statistics_writer
from custom_components.wiener_netze.api import Flow
from custom_components.wiener_netze.const import CONF_TARIFF, DOMAIN
from custom_components.wiener_netze.issues import gap_issue_id, unpriced_issue_id
from custom_components.wiener_netze.statistic_ids import metadata, statistic_id
from custom_components.wiener_netze.statistics_writer import async_read_rows
from simulator.account import DAILY, HOUSEHOLD, PHOTOVOLTAIC
from simulator.app import Simulator
from simulator.profiles import VIENNA, day_bounds
from simulator.readings import MeterView
from simulator.server import RunningSimulator
from simulator.truth import MeterTruth

from .conftest import make_entry
from .statistics_support import (
    assert_equal_hours,
    published_hours,
    stored,
    stored_money,
)
from .test_coordinator import tick_to

ONE_DAY = timedelta(days=1)
FIRST, LAST = date(2025, 11, 21), date(2026, 11, 20)  # a year of history at NOW
CONSUMPTION = Flow.CONSUMPTION


@pytest.fixture(autouse=True)
def _validated(sim_state: Simulator) -> None:
    """Validated values only, tokens that outlive the test's jumps."""
    sim_state.settings.estimate_share = 0.0
    sim_state.settings.token_lifetime = 200 * 24 * 3600


async def set_up(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    """Set up and wait for the background work."""
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)


def quarter_hour_requests(sim: Simulator) -> list[str]:
    """The first day of each quarter-hour readings request, in order."""
    return [
        dict(item["query"])["datumVon"]
        for item in sim.log
        if item["endpoint"] == "readings_bulk" and dict(item["query"])["wertetyp"] == "QUARTER_HOUR"
    ]


async def test_one_bad_value_costs_that_value(
    hass: HomeAssistant,
    simulator: RunningSimulator,
    sim_state: Simulator,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A null in a bulk answer of the history: every other value of it is used, the value is
    named once, and its day counts as incomplete (the day value fills the quarter hour)."""
    day = date(2026, 6, 10)
    sim_state.settings.update({"bad_value": "empty", "bad_value_day": day.isoformat()})
    await set_up(hass, make_entry(simulator, [HOUSEHOLD, DAILY], history_years=1))
    rows = await stored(hass, HOUSEHOLD, CONSUMPTION)
    assert_equal_hours(rows, published_hours(sim_state, HOUSEHOLD, FIRST, LAST, False))
    messages = [record.getMessage() for record in caplog.records]
    left_out = [message for message in messages if "cannot be read" in message]
    assert left_out, messages
    assert len(left_out) == len(set(left_out))  # each once
    assert any(f"{day}: " in message and "messwert is None" in message for message in left_out)
    # The day-values meter lost its day value of that day: a gap, named to the user.
    daily = await stored(hass, DAILY, CONSUMPTION)
    assert day_bounds(day)[0].astimezone(UTC) not in daily
    assert ir.async_get(hass).async_get_issue(DOMAIN, gap_issue_id(DAILY)) is not None


async def test_a_chunk_the_gateway_cannot_answer_in_time_is_split(
    hass: HomeAssistant, simulator: RunningSimulator, sim_state: Simulator
) -> None:
    """Ranges longer than 20 days time out at the gateway (504): the history import splits
    them until they pass, and imports the whole year."""
    sim_state.settings.slow_range_days = 25
    await set_up(hass, make_entry(simulator, [HOUSEHOLD], history_years=1))
    rows = await stored(hass, HOUSEHOLD, CONSUMPTION)
    assert_equal_hours(rows, published_hours(sim_state, HOUSEHOLD, FIRST, LAST, False))
    assert sim_state.counts["readings_QUARTER_HOUR"] < 60


async def test_a_day_refused_on_three_days_becomes_a_gap(
    hass: HomeAssistant,
    simulator: RunningSimulator,
    sim_state: Simulator,
    freezer: FrozenDateTimeFactory,
) -> None:
    """A day the gateway always answers 400 for costs that day only; after three days of
    trying it is a gap with a repair issue, and it is not asked for again."""
    refused = date(2026, 6, 10)
    sim_state.settings.bad_request_days = [refused]
    entry = make_entry(simulator, [HOUSEHOLD], history_years=1)
    await set_up(hass, entry)
    rows = await stored(hass, HOUSEHOLD, CONSUMPTION)
    expected = published_hours(sim_state, HOUSEHOLD, FIRST, LAST, False)
    del_day = {start for start in expected if start.astimezone(VIENNA).date() == refused}
    assert set(rows) == set(expected) - del_day
    registry = ir.async_get(hass)
    assert registry.async_get_issue(DOMAIN, gap_issue_id(HOUSEHOLD)) is None
    for offset in (1, 2):
        moment = datetime.combine(date(2026, 11, 21) + offset * ONE_DAY, time(8, 5), VIENNA)
        await tick_to(hass, freezer, sim_state, moment)
    issue = registry.async_get_issue(DOMAIN, gap_issue_id(HOUSEHOLD))
    assert issue is not None
    assert issue.translation_placeholders is not None
    assert issue.translation_placeholders["ranges"] == refused.isoformat()
    asked = len(quarter_hour_requests(sim_state))
    await tick_to(
        hass, freezer, sim_state, datetime.combine(date(2026, 11, 24), time(8, 5), VIENNA)
    )
    assert refused in entry.runtime_data.saved.state.settled_days(HOUSEHOLD)
    assert len(quarter_hour_requests(sim_state)) == asked + 1  # the new day only


async def test_newest_days_first_and_no_reading_before_the_data(
    hass: HomeAssistant, simulator: RunningSimulator, sim_state: Simulator
) -> None:
    """The history import goes back from the window; for a meter with 13 months of data, one
    empty round before its oldest data ends it (not 22 empty months of requests)."""
    installed = date(2025, 10, 15)
    spec = replace(sim_state.meters[HOUSEHOLD], installed=installed, quarter_hours_from=None)
    sim_state.meters[HOUSEHOLD] = spec
    sim_state.views[HOUSEHOLD] = MeterView(MeterTruth(spec, sim_state.seed), sim_state.settings)
    entry = make_entry(simulator, [HOUSEHOLD], history_years=3)
    await set_up(hass, entry)
    starts = quarter_hour_requests(sim_state)
    assert starts[0] == "2026-11-01"  # the window
    history = starts[1:]
    assert history == sorted(history, reverse=True)  # newest first
    assert len(history) <= 6  # five rounds with data, one empty
    rows = await stored(hass, HOUSEHOLD, CONSUMPTION)
    assert_equal_hours(rows, published_hours(sim_state, HOUSEHOLD, installed, LAST, feed_in=False))
    assert entry.runtime_data.history.summary()[HOUSEHOLD].progress == 100


@pytest.mark.databases
async def test_a_reload_during_the_first_import(
    hass: HomeAssistant, simulator: RunningSimulator, sim_state: Simulator
) -> None:
    """Saving a tariff and a deeper history right after set-up reloads while the history
    import writes: the old import is cancelled, the new one imports the deeper history, and
    every sum equals the truth."""
    entry = make_entry(simulator, [PHOTOVOLTAIC], history_years=1)
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()  # set up; the import is running
    result = await hass.config_entries.options.async_init(entry.entry_id)
    await hass.config_entries.options.async_configure(
        result["flow_id"],
        {**entry.options, "history_years": 2, CONF_TARIFF: {"energy_price": 0.2}},
    )
    await hass.async_block_till_done(wait_background_tasks=True)
    deeper = date(2024, 11, 21)
    for flow in (Flow.CONSUMPTION, Flow.FEED_IN):
        assert_equal_hours(
            await stored(hass, PHOTOVOLTAIC, flow),
            published_hours(sim_state, PHOTOVOLTAIC, deeper, LAST, flow is Flow.FEED_IN),
        )
    # The first tariff priced everything imported, the history included.
    energy = await stored(hass, PHOTOVOLTAIC, CONSUMPTION)
    money = await stored_money(hass, PHOTOVOLTAIC, CONSUMPTION)
    assert sorted(money) == sorted(energy)
    total = sum(row["change"] for row in energy.values())
    assert money[max(money)]["sum"] == pytest.approx(total * 0.2, abs=1e-3)


async def test_two_entries_with_the_same_meter(
    hass: HomeAssistant, simulator: RunningSimulator, sim_state: Simulator
) -> None:
    """Two entries (two API applications) read the same meter at once: one writer per
    statistic, so its sums equal the truth."""
    first = make_entry(simulator, [HOUSEHOLD], history_years=1)
    second = make_entry(simulator, [HOUSEHOLD], unique_id="another-application", history_years=1)
    for entry in (first, second):
        entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(first.entry_id)  # sets up both
    await hass.async_block_till_done(wait_background_tasks=True)
    assert second.runtime_data.saved.state.settled_days(HOUSEHOLD)
    assert_equal_hours(
        await stored(hass, HOUSEHOLD, CONSUMPTION),
        published_hours(sim_state, HOUSEHOLD, FIRST, LAST, False),
    )


async def test_a_correction_two_years_back_writes_its_day_only(
    hass: HomeAssistant,
    simulator: RunningSimulator,
    sim_state: Simulator,
    freezer: FrozenDateTimeFactory,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A day two years back, held as implausible, is fixed by Wiener Netze and read again with
    the import action (the meters no longer keep it, so nothing asks for it by itself): the day
    is written (fewer than 50 rows per statistic) and every later sum moves in one statement."""
    old = date(2024, 11, 20)
    sim_state.settings.scaled_days = [old]
    entry = make_entry(simulator, [HOUSEHOLD], history_years=3, tariff={"energy_price": 0.2})
    await set_up(hass, entry)
    written: dict[str, list[date]] = {}
    original = statistics_writer.async_add_external_statistics

    def counting(hass: HomeAssistant, meta: Any, rows: Any) -> None:
        days = [row["start"].astimezone(VIENNA).date() for row in rows]
        written.setdefault(meta["statistic_id"], []).extend(days)
        original(hass, meta, rows)

    monkeypatch.setattr(statistics_writer, "async_add_external_statistics", counting)
    sim_state.settings.scaled_days = []  # Wiener Netze fixes the day
    await hass.services.async_call(
        DOMAIN,
        "import_history",
        {"config_entry_id": entry.entry_id, "start": str(old), "end": str(old)},
        blocking=True,
    )
    await async_wait_recording_done(hass)
    energy = statistic_id(HOUSEHOLD, CONSUMPTION)
    for statistic in (energy, f"{energy}_cost"):
        assert set(written[statistic]) == {old}, statistic  # nothing in between
        assert 20 <= written[statistic].count(old) < 50
    last = date(2026, 11, 20)
    assert_equal_hours(
        await stored(hass, HOUSEHOLD, CONSUMPTION),
        published_hours(sim_state, HOUSEHOLD, date(2023, 11, 22), last, False),
    )


async def test_a_price_helper_unchanged_for_a_month_still_prices(
    hass: HomeAssistant,
    simulator: RunningSimulator,
    sim_state: Simulator,
    freezer: FrozenDateTimeFactory,
) -> None:
    """An input_number set 40 days ago, its states purged after 10 days: every hour is still
    priced with it (it was in effect), and no hour is reported without a price."""
    helper = "input_number.electricity_price"
    freezer.move_to(datetime(2026, 10, 12, 9, tzinfo=VIENNA))
    hass.states.async_set(helper, "24.5", {"unit_of_measurement": "ct/kWh"})
    await hass.async_block_till_done()
    await async_wait_recording_done(hass)
    freezer.move_to(datetime(2026, 11, 21, 12, tzinfo=VIENNA))
    await hass.services.async_call(
        "recorder", "purge", {"keep_days": 10, "repack": False}, blocking=True
    )
    await async_wait_recording_done(hass)
    await set_up(hass, make_entry(simulator, [HOUSEHOLD], tariff={"price_entity": helper}))
    energy = await stored(hass, HOUSEHOLD, CONSUMPTION)
    money = await stored_money(hass, HOUSEHOLD, CONSUMPTION)
    assert sorted(money) == sorted(energy)
    for start, row in energy.items():
        assert money[start]["change"] == pytest.approx(row["change"] * 0.245, abs=1e-6)
    assert ir.async_get(hass).async_get_issue(DOMAIN, unpriced_issue_id(HOUSEHOLD)) is None


@pytest.mark.databases
async def test_one_changed_hour_writes_that_hour_and_moves_the_rest(
    hass: HomeAssistant, simulator: RunningSimulator, sim_state: Simulator
) -> None:
    """A day read again with one hour changed: one row written, every later sum moved by the
    change in one statement, the other hours of the day untouched."""
    entry = make_entry(simulator, [HOUSEHOLD])
    await set_up(hass, entry)
    writer = entry.runtime_data.energy_sync.writer
    statistic = statistic_id(HOUSEHOLD, CONSUMPTION)
    start, end = (moment.astimezone(UTC) for moment in day_bounds(date(2026, 11, 10)))
    day = await async_read_rows(hass, statistic, start, end)
    before = await stored(hass, HOUSEHOLD, CONSUMPTION)
    changed = day[12].start
    rows = [replace(row, change=row.change + 0.5) if row.start == changed else row for row in day]
    outcome = await writer.async_splice(metadata(HOUSEHOLD, CONSUMPTION, "Wohnung"), rows)
    await async_wait_recording_done(hass)
    after = await stored(hass, HOUSEHOLD, CONSUMPTION)
    assert (outcome.written, outcome.corrected, outcome.changed) == (1, 1, {changed})
    for hour, row in after.items():
        moved = 0.5 if hour >= changed else 0.0
        assert row["sum"] == pytest.approx(before[hour]["sum"] + moved, abs=1e-6), hour
        expected = before[hour]["change"] + (0.5 if hour == changed else 0.0)
        assert row["change"] == pytest.approx(expected, abs=1e-6), hour
