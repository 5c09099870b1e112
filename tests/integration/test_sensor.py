"""Entity states against the simulator's truth, devices, and no Energy dashboard sources."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from functools import partial

import pytest
from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.recorder.history import state_changes_during_period
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers.recorder import get_instance
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.components.recorder.common import (
    async_wait_recording_done,
)

from custom_components.wiener_netze.const import CONF_OPTIONAL_SENSORS, DOMAIN
from simulator.account import DAILY, HOUSEHOLD, PHOTOVOLTAIC
from simulator.app import Simulator
from simulator.profiles import VIENNA, day_bounds
from simulator.server import RunningSimulator

from .conftest import make_entry
from .helpers import entity_id, state, truth_kwh

LATEST = date(2026, 11, 20)  # the newest day published at NOW


@pytest.fixture(autouse=True)
def _validated(sim_state: Simulator) -> None:
    """Every day published as validated, so states equal the truth exactly."""
    sim_state.settings.estimate_share = 0.0


@pytest.mark.parametrize(
    ("number", "feed_in"), [(HOUSEHOLD, False), (PHOTOVOLTAIC, False), (PHOTOVOLTAIC, True)]
)
async def test_states_equal_truth(
    hass: HomeAssistant, loaded: MockConfigEntry, sim_state: Simulator, number: str, feed_in: bool
) -> None:
    """Every energy value is what the meter measured, in kWh."""
    prefix = "feed_in" if feed_in else "consumption"
    truth = sim_state.views[number].truth
    quarters = truth.day(LATEST).values(feed_in)
    start, end = day_bounds(LATEST)

    reading = state(hass, number, f"{prefix}_meter_reading")
    assert float(reading.state) == pytest.approx(truth.register(LATEST, feed_in) / 1000)
    assert reading.attributes["as_of"] == end.isoformat()

    day = state(hass, number, f"{prefix}_latest_day")
    assert float(day.state) == pytest.approx(truth_kwh(sim_state, number, LATEST, feed_in))
    assert day.attributes["date"] == LATEST.isoformat()

    month = sum(truth_kwh(sim_state, number, date(2026, 11, d), feed_in) for d in range(1, 21))
    assert float(state(hass, number, f"{prefix}_month_to_date").state) == pytest.approx(month)

    latest = state(hass, number, f"{prefix}_latest_quarter_hour")
    assert float(latest.state) == pytest.approx(quarters[-1] / 1000)
    assert latest.attributes["start"] == (end - timedelta(minutes=15)).isoformat()
    assert latest.attributes["end"] == end.isoformat()
    power = state(hass, number, f"{prefix}_latest_quarter_hour_power")
    assert float(power.state) == pytest.approx(quarters[-1] * 4)

    last_24 = state(hass, number, f"{prefix}_last_24_hours")
    assert float(last_24.state) == pytest.approx(sum(quarters) / 1000)
    assert last_24.attributes["start"] == start.isoformat()

    assert state(hass, number, "published_until").state == end.isoformat()
    assert float(state(hass, number, "estimated_share").state) == 0


async def test_no_feed_in_sensors_without_feed_in(
    hass: HomeAssistant, loaded: MockConfigEntry
) -> None:
    """The flat's meter has no export register, so it gets no feed-in sensors."""
    assert entity_id(hass, HOUSEHOLD, "feed_in_meter_reading") is None
    assert entity_id(hass, PHOTOVOLTAIC, "feed_in_meter_reading") is not None


async def test_no_sensor_offers_the_energy_dashboard_a_source(
    hass: HomeAssistant, loaded: MockConfigEntry
) -> None:
    """No state class: late values must not be booked at the hour they were fetched.

    Three flows of eight sensors (two of them this year against last), two meters of four
    (base load among them).
    """
    ours = [s for s in hass.states.async_all("sensor") if s.entity_id.startswith("sensor.")]
    assert len(ours) == 32
    assert all("state_class" not in s.attributes for s in ours)


async def test_device_per_meter(hass: HomeAssistant, loaded: MockConfigEntry) -> None:
    """Manufacturer, model from installation type, serial from device number, portal link."""
    device = dr.async_get(hass).async_get_device_by_identifier(
        (DOMAIN, PHOTOVOLTAIC), loaded.entry_id
    )
    assert device is not None
    assert device.manufacturer == "Wiener Netze"
    assert device.model == "Bezug und Einspeisung"
    assert device.serial_number == "1KFM0200987654"
    assert device.name == "Haus mit PV"
    assert device.configuration_url == "https://smartmeter-web.wienernetze.at/"
    assert (
        state(hass, PHOTOVOLTAIC, "consumption_meter_reading").name == "Haus mit PV Meter reading"
    )


async def test_optional_sensors_switched_off(
    hass: HomeAssistant, simulator: RunningSimulator
) -> None:
    """Without optional sensors only meter readings, latest days and diagnostics exist."""
    entry = make_entry(simulator, [HOUSEHOLD], **{CONF_OPTIONAL_SENSORS: []})
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    keys = {
        key
        for key in (
            "consumption_meter_reading",
            "consumption_latest_day",
            "consumption_month_to_date",
            "consumption_latest_quarter_hour",
            "consumption_latest_quarter_hour_power",
            "consumption_last_24_hours",
            "published_until",
            "estimated_share",
        )
        if entity_id(hass, HOUSEHOLD, key)
    }
    assert keys == {
        "consumption_meter_reading",
        "consumption_latest_day",
        "published_until",
        "estimated_share",
    }


async def test_day_only_meter(
    hass: HomeAssistant, simulator: RunningSimulator, sim_state: Simulator
) -> None:
    """A meter without quarter hours shows day values and its register; quarter hours unknown."""
    entry = make_entry(simulator, [DAILY])
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    truth = sim_state.views[DAILY].truth
    assert float(state(hass, DAILY, "consumption_latest_day").state) == pytest.approx(
        truth_kwh(sim_state, DAILY, LATEST)
    )
    assert float(state(hass, DAILY, "consumption_meter_reading").state) == pytest.approx(
        truth.register(LATEST, False) / 1000
    )
    assert state(hass, DAILY, "consumption_latest_quarter_hour").state == "unknown"
    assert state(hass, DAILY, "consumption_last_24_hours").state == "unknown"
    assert state(hass, DAILY, "published_until").state == day_bounds(LATEST)[1].isoformat()


async def test_estimated_share(
    hass: HomeAssistant, entry: MockConfigEntry, sim_state: Simulator
) -> None:
    """A day first published as estimates shows 100 % estimated values."""
    sim_state.settings.estimate_share = 1.0
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    share = state(hass, HOUSEHOLD, "estimated_share")
    assert float(share.state) == 100
    assert share.attributes["date"] == LATEST.isoformat()


async def test_implausible_value_is_ignored(
    hass: HomeAssistant,
    entry: MockConfigEntry,
    sim_state: Simulator,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The 23,944 kWh quarter hour is dropped; its day is incomplete, so the day before shows."""
    sim_state.settings.spike_days = [LATEST]
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    day = state(hass, HOUSEHOLD, "consumption_latest_day")
    assert day.attributes["date"] == (LATEST - timedelta(days=1)).isoformat()
    assert float(day.state) == pytest.approx(
        truth_kwh(sim_state, HOUSEHOLD, LATEST - timedelta(days=1))
    )
    assert caplog.text.count("implausible value of 23944.000 kWh") == 2  # one per meter


@pytest.mark.parametrize("day", [date(2026, 10, 25), date(2026, 3, 29)])
async def test_clock_change_day(
    hass: HomeAssistant,
    entry: MockConfigEntry,
    sim_state: Simulator,
    freezer: FrozenDateTimeFactory,
    day: date,
) -> None:
    """The 25- and 23-hour days are complete with 100 and 92 quarter hours."""
    moment = datetime.combine(day + timedelta(days=1), time(12), tzinfo=VIENNA)
    freezer.move_to(moment)
    sim_state.clock.set(moment)
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    truth = sim_state.views[HOUSEHOLD].truth
    latest = state(hass, HOUSEHOLD, "consumption_latest_day")
    assert latest.attributes["date"] == day.isoformat()
    assert float(latest.state) == pytest.approx(truth_kwh(sim_state, HOUSEHOLD, day))
    assert float(state(hass, HOUSEHOLD, "consumption_last_24_hours").state) == pytest.approx(
        sum(
            [*truth.day(day - timedelta(days=1)).values(False), *truth.day(day).values(False)][-96:]
        )
        / 1000
    )


async def test_latest_quarter_hour_shows_the_newest_48_hours_unrecorded(
    hass: HomeAssistant, loaded: MockConfigEntry, sim_state: Simulator
) -> None:
    """The attribute lists the newest published 48 hours, oldest first; the recorder keeps the
    state and its other attributes but never the list."""
    latest = state(hass, HOUSEHOLD, "consumption_latest_quarter_hour")
    recent = latest.attributes["recent"]
    assert len(recent) == 48 * 4
    truth = sim_state.views[HOUSEHOLD].truth
    values = [*truth.day(LATEST - timedelta(days=1)).imports, *truth.day(LATEST).imports]
    assert [item["kwh"] for item in recent] == pytest.approx([wh / 1000 for wh in values])
    assert recent[-1]["start"] == latest.attributes["start"]
    await async_wait_recording_done(hass)
    found = await get_instance(hass).async_add_executor_job(
        partial(
            state_changes_during_period,
            hass,
            datetime(2026, 11, 1, tzinfo=VIENNA),
            entity_id=latest.entity_id,
        )
    )
    [recorded] = found[latest.entity_id]
    assert recorded.attributes.get("start") == latest.attributes["start"]
    assert "recent" not in recorded.attributes
