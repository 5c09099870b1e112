"""Polling never stalls: each request type fails alone, window reads are split, the account's
meter list never misleads, an unasked meter is ignored, and a stalled recorder delays the
statistics, not the polling."""

from __future__ import annotations

import asyncio
import itertools
import logging
from datetime import date, datetime, time, timedelta

import pytest
from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.helpers import issue_registry as ir
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.wiener_netze import statistics_writer
from custom_components.wiener_netze.account_watch import AccountWatch, Unavailable
from custom_components.wiener_netze.api import Flow, Interface, Meter
from custom_components.wiener_netze.const import DOMAIN
from custom_components.wiener_netze.issues import UNAVAILABLE_PREFIX
from custom_components.wiener_netze.statistic_ids import statistic_id
from simulator.account import DAILY, HOUSEHOLD, PHOTOVOLTAIC
from simulator.app import Simulator
from simulator.profiles import VIENNA
from simulator.server import RunningSimulator
from tests.recorder_hold import hold_recorder, returns_within
from tests.support import NOW

from .conftest import make_entry
from .helpers import state
from .statistics_support import assert_equal_hours, stored, truth_hours
from .test_coordinator import readings, tick_to

ONE_DAY = timedelta(days=1)
TODAY = NOW.date()
WINDOW = (date(2026, 11, 1), date(2026, 11, 20))


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


def at(day: date, hour: int, minute: int = 5) -> datetime:
    """A local moment."""
    return datetime.combine(day, time(hour, minute), tzinfo=VIENNA)


@pytest.mark.databases
async def test_a_failing_register_request_defers_only_the_meter_reading(
    hass: HomeAssistant,
    loaded: MockConfigEntry,
    sim_state: Simulator,
    freezer: FrozenDateTimeFactory,
) -> None:
    """The morning's register request gets an error page: the new day is in the sensors and the
    statistics all the same, the update counts, and the register is asked for again after a
    pause (not at every update)."""
    sim_state.settings.update({"arm_after": 2, "malformed_next": 1})  # after QH and day values
    await tick_to(hass, freezer, sim_state, at(TODAY + ONE_DAY, 8))
    coordinator = loaded.runtime_data
    assert coordinator.last_update_success
    assert state(hass, HOUSEHOLD, "consumption_latest_day").attributes["date"] == "2026-11-21"
    truth = truth_hours(sim_state, HOUSEHOLD, WINDOW[0], TODAY, feed_in=False)
    rows = await stored(hass, HOUSEHOLD, Flow.CONSUMPTION)
    assert_equal_hours({start: rows[start] for start in truth}, truth)
    reading = state(hass, HOUSEHOLD, "consumption_meter_reading")
    assert reading.attributes["as_of"] < at(TODAY + ONE_DAY, 0, 0).isoformat()
    asked = readings(sim_state)["readings_METER_READ"]
    for minute in (20, 35, 50):
        await tick_to(hass, freezer, sim_state, at(TODAY + ONE_DAY, 8, minute))
    assert readings(sim_state)["readings_METER_READ"] == asked
    await tick_to(hass, freezer, sim_state, at(TODAY + ONE_DAY, 9, 20))
    assert readings(sim_state)["readings_METER_READ"] == asked + 1
    reading = state(hass, HOUSEHOLD, "consumption_meter_reading")
    truth_register = sim_state.views[HOUSEHOLD].truth.register(TODAY, False) / 1000
    assert float(reading.state) == pytest.approx(truth_register)


async def test_a_window_the_gateway_cannot_answer_in_time_is_split(
    hass: HomeAssistant, simulator: RunningSimulator, sim_state: Simulator
) -> None:
    """Requests over more than ten days time out at the gateway (504): the first update splits
    the window's requests and sets up with every day of it."""
    sim_state.settings.slow_range_days = 10
    entry = make_entry(simulator, [HOUSEHOLD])
    await set_up(hass, entry)
    assert entry.state is ConfigEntryState.LOADED
    truth = truth_hours(sim_state, HOUSEHOLD, *WINDOW, feed_in=False)
    assert_equal_hours(await stored(hass, HOUSEHOLD, Flow.CONSUMPTION), truth)


async def test_an_empty_meter_list_is_not_every_meter_gone(
    hass: HomeAssistant, simulator: RunningSimulator, sim_state: Simulator
) -> None:
    """The account's meter list comes back empty while each meter still answers: every meter
    is looked up alone, none is gone, no removal is offered."""
    sim_state.settings.empty_meter_list = True
    entry = make_entry(simulator, [HOUSEHOLD, PHOTOVOLTAIC])
    await set_up(hass, entry)
    coordinator = entry.runtime_data
    assert coordinator.account.unavailable == {}
    assert set(coordinator.meters) == {HOUSEHOLD, PHOTOVOLTAIC}
    assert not [
        issue_id
        for domain, issue_id in ir.async_get(hass).issues
        if domain == DOMAIN and issue_id.startswith(UNAVAILABLE_PREFIX)
    ]
    assert state(hass, HOUSEHOLD, "consumption_latest_day").state != "unavailable"


async def test_a_meter_in_an_answer_that_was_not_asked_for_is_ignored(
    hass: HomeAssistant,
    simulator: RunningSimulator,
    sim_state: Simulator,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Bulk answers carry a meter nobody asked for: it is left out (named once in the log), the
    meters asked for are read as usual."""
    caplog.set_level(logging.INFO, logger="custom_components.wiener_netze")
    sim_state.settings.unrequested_meter = DAILY
    entry = make_entry(simulator, [HOUSEHOLD])
    await set_up(hass, entry)
    assert entry.state is ConfigEntryState.LOADED
    assert caplog.text.count("which were not asked for") == 1
    truth = truth_hours(sim_state, HOUSEHOLD, *WINDOW, feed_in=False)
    assert_equal_hours(await stored(hass, HOUSEHOLD, Flow.CONSUMPTION), truth)
    assert await stored(hass, DAILY, Flow.CONSUMPTION) == {}


async def test_a_stalled_recorder_delays_the_statistics_not_the_polling(
    hass: HomeAssistant,
    loaded: MockConfigEntry,
    sim_state: Simulator,
    freezer: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The recorder stops answering: updates still end, poll, and show the new days, each
    waiting for the recorder once, the log says so once; once the recorder is back, the
    statistics catch up.

    The wait for the recorder is 0 s while it is held (the test's clock stands still): it
    ends at once, whatever the machine's speed, as 60 s do for a recorder that is stuck.
    """
    stalls: list[str] = []
    confirmed = statistics_writer.StatisticsWriter._confirmed

    async def counted(
        writer: statistics_writer.StatisticsWriter, barrier: asyncio.Future[None], sid: str
    ) -> None:
        try:
            await confirmed(writer, barrier, sid)
        except statistics_writer.RecorderStalledError:
            stalls.append(sid)
            raise

    monkeypatch.setattr(statistics_writer.StatisticsWriter, "_confirmed", counted)
    with monkeypatch.context() as held:
        held.setattr(statistics_writer, "BARRIER_TIMEOUT", 0)
        hold = hold_recorder(hass)
        try:
            for day in (TODAY + ONE_DAY, TODAY + 2 * ONE_DAY):
                stalls.clear()
                assert await returns_within(60, tick_to(hass, freezer, sim_state, at(day, 8)))
                latest = state(hass, HOUSEHOLD, "consumption_latest_day")
                assert latest.attributes["date"] == (day - ONE_DAY).isoformat()
                # One wait: the first statistic's; the rest is left for a later update.
                assert stalls == [statistic_id(HOUSEHOLD, Flow.CONSUMPTION)]
            assert caplog.text.count("has not confirmed writing statistics") == 1
        finally:
            hold.released.set()
    await hass.async_block_till_done(wait_background_tasks=True)
    await tick_to(hass, freezer, sim_state, at(TODAY + 2 * ONE_DAY, 9))
    last = TODAY + ONE_DAY
    truth = truth_hours(sim_state, HOUSEHOLD, WINDOW[0], last, feed_in=False)
    rows = await stored(hass, HOUSEHOLD, Flow.CONSUMPTION)
    assert_equal_hours({start: rows[start] for start in rows if start in truth}, truth)
    assert "confirms writing statistics again" in caplog.text


def _meter(number: str) -> Meter:
    """Master data the account watch needs (a smart meter)."""
    return Meter(
        number=number,
        name=None,
        installation=None,
        device=None,
        interface=Interface(
            customer_interface=None, display_locked=None, granularity="QUARTER_HOUR"
        ),
        address=None,
    )


EVENTS = ("listed", "unlisted", "locked", "not_found", "read", "next_day")


def test_any_sequence_of_listed_locked_and_gone_is_valid(hass: HomeAssistant) -> None:
    """Listed, missing from the list, refused (403), not found (404), read, a day passing: in
    any order (every sequence of five), nothing raises, a locked meter is tried again only on a
    later day and stays unavailable until it is read, and a meter found gone stays gone until
    listed."""
    for events in itertools.product(EVENTS, repeat=5):
        _check_sequence(hass, events)


def _check_sequence(hass: HomeAssistant, events: tuple[str, ...]) -> None:
    """One sequence of events for the household; the PV meter stays listed throughout."""
    watch = AccountWatch(hass, "entry", [HOUSEHOLD, PHOTOVOLTAIC])
    day = date(2026, 11, 21)
    others = [_meter(PHOTOVOLTAIC)]
    locked_on: date | None = None
    for event in events:
        if event == "listed":
            watch.note_list([_meter(HOUSEHOLD), *others], day, [HOUSEHOLD, PHOTOVOLTAIC])
        elif event == "unlisted":
            before = dict(watch.unavailable)
            watch.note_list(others, day, [HOUSEHOLD, PHOTOVOLTAIC])
            assert watch.unavailable == before  # a list without it proves nothing
        elif event == "locked":
            watch.note_locked(HOUSEHOLD, day)
            locked_on = day
        elif event == "not_found":
            watch.note_gone(HOUSEHOLD)
        elif event == "read":
            watch.note_read([HOUSEHOLD])
            assert HOUSEHOLD not in watch.unavailable
        else:
            day += ONE_DAY
        reason = watch.unavailable.get(HOUSEHOLD)
        if reason is Unavailable.GONE:
            assert HOUSEHOLD not in watch.readable()
        if reason is Unavailable.LOCKED and HOUSEHOLD in watch.readable():
            assert locked_on is not None
            assert locked_on < day  # tried again on a later day
        assert PHOTOVOLTAIC in watch.readable()
    watch.update_issues({})
    last = events[-1]
    if last == "not_found":
        assert watch.unavailable[HOUSEHOLD] is Unavailable.GONE
    elif last == "locked":
        assert watch.unavailable[HOUSEHOLD] is Unavailable.LOCKED
        assert HOUSEHOLD not in watch.readable()
