"""Cost and compensation statistics against the simulator's truth, with the real recorder."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from functools import partial
from typing import Any

import pytest
from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.recorder.models import StatisticMeanType
from homeassistant.components.recorder.statistics import async_import_statistics, get_metadata
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers.recorder import get_instance
from homeassistant.setup import async_setup_component
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.components.recorder.common import (
    async_wait_recording_done,
)
from pytest_homeassistant_custom_component.typing import WebSocketGenerator

from custom_components.wiener_netze.api import Flow
from custom_components.wiener_netze.const import CONF_TARIFF, DOMAIN
from custom_components.wiener_netze.issues import unpriced_issue_id
from custom_components.wiener_netze.statistic_ids import cost_statistic_id, statistic_id
from simulator.account import DAILY, HOUSEHOLD, PHOTOVOLTAIC
from simulator.app import Simulator
from simulator.profiles import VIENNA, day_bounds
from simulator.readings import MeterView
from simulator.server import RunningSimulator
from simulator.truth import MeterTruth

from .conftest import make_entry
from .statistics_support import (
    assert_equal_hours,
    stored,
    stored_money,
    truth_days,
    truth_hours,
)
from .test_coordinator import tick_to
from .test_statistics import set_up

CONSUMPTION, FEED_IN = Flow.CONSUMPTION, Flow.FEED_IN
WINDOW = (date(2026, 11, 1), date(2026, 11, 20))  # what the first update imports at NOW
PRICE, CHARGE, FEED_IN_PRICE = 0.2, 0.5, 0.08
TARIFF = {"energy_price": PRICE, "daily_charge": CHARGE, "feed_in_price": FEED_IN_PRICE}
SPOT = "sensor.spot_price"


@pytest.fixture(autouse=True)
def _validated(sim_state: Simulator) -> None:
    """Validated values only, unless a test publishes estimates itself."""
    sim_state.settings.estimate_share = 0.0


def expected_money(
    energy: dict[datetime, float], price: Any, charge: float = 0.0
) -> dict[datetime, float]:
    """Each hour's energy times its price (a number, or a function of the hour), plus the
    daily charge at the hour each local day starts."""
    money = {
        start: value * (price(start) if callable(price) else price)
        for start, value in energy.items()
    }
    if charge:
        for day in {start.astimezone(VIENNA).date() for start in energy}:
            midnight = day_bounds(day)[0].astimezone(UTC)
            money[midnight] = money.get(midnight, 0.0) + charge
    return money


async def test_fixed_price_hour_by_hour(
    hass: HomeAssistant, simulator: RunningSimulator, sim_state: Simulator
) -> None:
    """Cost is energy times price (+ the daily charge once a day); compensation likewise."""
    await set_up(hass, make_entry(simulator, [HOUSEHOLD, PHOTOVOLTAIC], tariff=TARIFF))
    for number in (HOUSEHOLD, PHOTOVOLTAIC):
        truth = truth_hours(sim_state, number, *WINDOW, feed_in=False)
        assert_equal_hours(
            await stored_money(hass, number, CONSUMPTION), expected_money(truth, PRICE, CHARGE)
        )
    feed_in = truth_hours(sim_state, PHOTOVOLTAIC, *WINDOW, feed_in=True)
    assert_equal_hours(
        await stored_money(hass, PHOTOVOLTAIC, FEED_IN), expected_money(feed_in, FEED_IN_PRICE)
    )
    assert await stored_money(hass, HOUSEHOLD, FEED_IN) == {}

    ids = {cost_statistic_id(PHOTOVOLTAIC, flow) for flow in (CONSUMPTION, FEED_IN)}
    assert ids == {
        "wiener_netze:at0010000000000000001000009811290_consumption_cost",
        "wiener_netze:at0010000000000000001000009811290_feed_in_compensation",
    }
    found = await get_instance(hass).async_add_executor_job(
        partial(get_metadata, hass, statistic_ids=ids)
    )
    meta = found["wiener_netze:at0010000000000000001000009811290_feed_in_compensation"][1]
    assert meta["has_sum"] is True
    assert meta["mean_type"] == StatisticMeanType.NONE
    assert meta["unit_of_measurement"] == hass.config.currency
    assert meta["unit_class"] is None
    assert meta["name"] == "Haus mit PV feed-in compensation"


async def test_daily_charge_once_per_day_across_clock_changes(
    hass: HomeAssistant, simulator: RunningSimulator, sim_state: Simulator
) -> None:
    """23- and 25-hour days get the charge once, at their local midnight; sums stay continuous."""
    entry = make_entry(simulator, [HOUSEHOLD], tariff=TARIFF)
    await set_up(hass, entry)
    spring, autumn = (
        (date(2026, 3, 28), date(2026, 3, 30)),
        (date(2026, 10, 24), date(2026, 10, 26)),
    )
    for first, last in (spring, autumn):
        await hass.services.async_call(
            DOMAIN,
            "import_history",
            {
                "config_entry_id": entry.entry_id,
                "start": first.isoformat(),
                "end": last.isoformat(),
            },
            blocking=True,
        )
    energy: dict[datetime, float] = {}
    for first_last in (spring, autumn, WINDOW):
        energy |= truth_hours(sim_state, HOUSEHOLD, *first_last, feed_in=False)
    rows = await stored_money(hass, HOUSEHOLD, CONSUMPTION)
    assert_equal_hours(rows, expected_money(energy, PRICE, CHARGE))
    for day, hours in ((date(2026, 3, 29), 23), (date(2026, 10, 25), 25)):
        start, end = day_bounds(day)
        day_rows = {moment: row for moment, row in rows.items() if start <= moment < end}
        assert len(day_rows) == hours
        day_energy = sum(value for moment, value in energy.items() if start <= moment < end)
        total = sum(row["change"] for row in day_rows.values())
        assert total == pytest.approx(day_energy * PRICE + CHARGE, abs=1e-6)


@pytest.mark.databases
async def test_corrections_rewrite_the_same_hours(
    hass: HomeAssistant,
    simulator: RunningSimulator,
    sim_state: Simulator,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Estimates replaced by validated values, and a held day imported once fixed: the cost of
    exactly those hours changes, and every later sum moves with it."""
    sim_state.settings.estimate_share = 1.0
    held = date(2026, 11, 16)
    sim_state.settings.scaled_days = [held]
    await set_up(hass, make_entry(simulator, [HOUSEHOLD], tariff=TARIFF))
    before = await stored_money(hass, HOUSEHOLD, CONSUMPTION)
    start, end = day_bounds(held)
    midnight = start.astimezone(UTC)
    # Held: no energy cost, only the day's charge at its first hour.
    assert {moment: row["change"] for moment, row in before.items() if start <= moment < end} == {
        midnight: pytest.approx(CHARGE)
    }

    sim_state.settings.estimate_share = 0.0
    sim_state.settings.scaled_days = []
    # The correction window is read again with the next day (published at 06:00, found 08:20).
    for hour, minute in ((0, 5), (2, 5), (8, 20)):
        await tick_to(hass, freezer, sim_state, datetime(2026, 11, 22, hour, minute, tzinfo=VIENNA))
    after = await stored_money(hass, HOUSEHOLD, CONSUMPTION)
    truth = truth_hours(sim_state, HOUSEHOLD, WINDOW[0], date(2026, 11, 21), feed_in=False)
    assert_equal_hours(after, expected_money(truth, PRICE, CHARGE))
    changed = {
        moment
        for moment in before
        if abs(before[moment]["change"] - after[moment]["change"]) > 1e-9
    }
    estimated = {moment for moment in truth if moment >= day_bounds(date(2026, 11, 19))[0]}
    assert changed == {moment for moment in estimated if moment in before} | {midnight}
    assert len(changed) == 48 + 1  # 19 and 20 November were estimates; the held day's first hour


@pytest.mark.databases
async def test_tariff_change_applies_from_then_and_recalculate(
    hass: HomeAssistant,
    simulator: RunningSimulator,
    sim_state: Simulator,
    freezer: FrozenDateTimeFactory,
) -> None:
    """A new price prices hours from the moment it is saved; recalculate_costs re-prices a
    past range with it and moves every later sum."""
    entry = make_entry(simulator, [HOUSEHOLD], tariff=TARIFF)
    await set_up(hass, entry)
    changed_at = datetime.now(UTC)
    result = await hass.config_entries.options.async_init(entry.entry_id)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {**entry.options, CONF_TARIFF: {**TARIFF, "energy_price": 0.3}}
    )
    await hass.async_block_till_done(wait_background_tasks=True)
    for minute in (5, 20, 35):  # 21 November is published at 6:00
        await tick_to(hass, freezer, sim_state, datetime(2026, 11, 22, 6, minute, tzinfo=VIENNA))
    truth = truth_hours(sim_state, HOUSEHOLD, WINDOW[0], date(2026, 11, 21), feed_in=False)

    def price(start: datetime) -> float:
        return 0.3 if start >= changed_at else PRICE

    assert_equal_hours(
        await stored_money(hass, HOUSEHOLD, CONSUMPTION), expected_money(truth, price, CHARGE)
    )

    await hass.services.async_call(
        DOMAIN,
        "recalculate_costs",
        {"config_entry_id": entry.entry_id, "start": "2026-11-10", "end": "2026-11-12"},
        blocking=True,
    )
    first, last = day_bounds(date(2026, 11, 10))[0], day_bounds(date(2026, 11, 12))[1]

    def repriced(start: datetime) -> float:
        return 0.3 if first <= start < last else price(start)

    assert_equal_hours(
        await stored_money(hass, HOUSEHOLD, CONSUMPTION), expected_money(truth, repriced, CHARGE)
    )
    # A correction of a re-priced hour later is priced as the range was re-priced.
    timeline = entry.runtime_data.cost_sync.timeline(HOUSEHOLD)
    assert timeline.in_effect(first.astimezone(UTC)).energy_price == 0.3  # type: ignore[union-attr]
    assert timeline.in_effect(last.astimezone(UTC)).energy_price == PRICE  # type: ignore[union-attr]


async def test_recalculate_without_tariff(hass: HomeAssistant, loaded: MockConfigEntry) -> None:
    """Re-pricing needs a tariff: a translated error says so."""
    with pytest.raises(ServiceValidationError) as raised:
        await hass.services.async_call(
            DOMAIN,
            "recalculate_costs",
            {"config_entry_id": loaded.entry_id, "start": "2026-11-10", "end": "2026-11-12"},
            blocking=True,
        )
    assert raised.value.translation_key == "no_tariff"
    assert await stored_money(hass, HOUSEHOLD, CONSUMPTION) == {}


def spot(start: datetime) -> float:
    """The test's hourly spot price in cent per kWh: it changes every hour."""
    return 10 + (start.hour % 7) * 1.5 + start.day / 10


async def record_prices(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, first: datetime, last: datetime
) -> None:
    """Record the price entity's state hour by hour, as a spot price sensor would."""
    moment = first
    while moment < last:
        freezer.move_to(moment)
        hass.states.async_set(SPOT, f"{spot(moment):.2f}", {"unit_of_measurement": "ct/kWh"})
        moment += timedelta(hours=1)
    await hass.async_block_till_done()
    await async_wait_recording_done(hass)


async def test_price_entity_and_unknown_prices(
    hass: HomeAssistant,
    simulator: RunningSimulator,
    sim_state: Simulator,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Hours are priced from the entity's recorded history; hours before it are reported, not
    invented; long-term statistics of the entity price them once re-priced."""
    priced_from = day_bounds(date(2026, 11, 17))[0].astimezone(UTC)
    await record_prices(
        hass, freezer, priced_from, day_bounds(date(2026, 11, 21))[0].astimezone(UTC)
    )
    freezer.move_to(datetime(2026, 11, 21, 12, tzinfo=VIENNA))
    entry = make_entry(simulator, [HOUSEHOLD], tariff={"price_entity": SPOT})
    await set_up(hass, entry)

    truth = truth_hours(sim_state, HOUSEHOLD, *WINDOW, feed_in=False)
    known = {start: value for start, value in truth.items() if start >= priced_from}
    rows = await stored_money(hass, HOUSEHOLD, CONSUMPTION)
    # The hours without a price cost nothing (and are reported).
    unknown = dict.fromkeys((start for start in truth if start < priced_from), 0.0)
    assert_equal_hours(rows, unknown | expected_money(known, lambda start: spot(start) / 100))
    issue = ir.async_get(hass).async_get_issue(DOMAIN, unpriced_issue_id(HOUSEHOLD))
    assert issue is not None
    missing = len(truth) - len(known)
    assert issue.translation_placeholders is not None
    assert issue.translation_placeholders["hours"] == str(missing)
    assert issue.translation_placeholders["first"] == "2026-11-01 00:00"
    assert issue.translation_placeholders["last"] == "2026-11-17 00:00"

    # The entity's hourly means (long-term statistics) cover the rest; re-pricing uses them.
    older = sorted(start for start in truth if start < priced_from)
    async_import_statistics(
        hass,
        {
            "mean_type": StatisticMeanType.ARITHMETIC,
            "has_sum": False,
            "name": None,
            "source": "recorder",
            "statistic_id": SPOT,
            "unit_class": None,
            "unit_of_measurement": "ct/kWh",
        },
        [{"start": start, "mean": spot(start), "min": 0, "max": 50} for start in older],
    )
    await async_wait_recording_done(hass)
    await hass.services.async_call(
        DOMAIN,
        "recalculate_costs",
        {"config_entry_id": entry.entry_id, "start": "2026-11-01", "end": "2026-11-16"},
        blocking=True,
    )
    rows = await stored_money(hass, HOUSEHOLD, CONSUMPTION)
    assert_equal_hours(rows, expected_money(truth, lambda start: spot(start) / 100))
    assert ir.async_get(hass).async_get_issue(DOMAIN, unpriced_issue_id(HOUSEHOLD)) is None


async def test_energy_dashboard_validation_accepts_the_statistics(
    hass: HomeAssistant,
    hass_ws_client: WebSocketGenerator,
    simulator: RunningSimulator,
) -> None:
    """The Energy dashboard's own validation reports nothing for the four statistics."""
    await set_up(hass, make_entry(simulator, [PHOTOVOLTAIC], tariff=TARIFF))
    assert await async_setup_component(hass, "energy", {})
    client = await hass_ws_client(hass)

    async def validate(grid: dict[str, Any]) -> dict[str, Any]:
        await client.send_json_auto_id(
            {"type": "energy/save_prefs", "energy_sources": [grid], "device_consumption": []}
        )
        saved = await client.receive_json()
        assert saved["success"], saved
        await client.send_json_auto_id({"type": "energy/validate"})
        answer = await client.receive_json()
        assert answer["success"], answer
        return dict(answer["result"])

    grid = {
        "type": "grid",
        "stat_energy_from": statistic_id(PHOTOVOLTAIC, CONSUMPTION),
        "stat_energy_to": statistic_id(PHOTOVOLTAIC, FEED_IN),
        "stat_cost": cost_statistic_id(PHOTOVOLTAIC, CONSUMPTION),
        "stat_compensation": cost_statistic_id(PHOTOVOLTAIC, FEED_IN),
        "cost_adjustment_day": 0,
    }
    result = await validate(grid)
    assert result["energy_sources"] == [[]]
    assert not any(result.get("device_consumption", []))

    # The same validation does report a statistic that does not exist.
    result = await validate({**grid, "stat_cost": cost_statistic_id(HOUSEHOLD, CONSUMPTION)})
    assert [issue["type"] for issue in result["energy_sources"][0]] == ["statistics_not_defined"]


async def test_history_import_with_a_restart_is_priced(
    hass: HomeAssistant, simulator: RunningSimulator, sim_state: Simulator
) -> None:
    """A year's history is priced as it is imported; a restart in the middle of the import
    leaves no gap and no double in cost or compensation."""
    sim_state.settings.offline_after = 1 + 3 + 2 * 3  # master data, first update, two chunks
    entry = make_entry(simulator, [PHOTOVOLTAIC], history_years=1, tariff=TARIFF)
    await set_up(hass, entry)
    assert entry.runtime_data.history.summary()[PHOTOVOLTAIC].missing_days > 0
    assert await hass.config_entries.async_unload(entry.entry_id)
    sim_state.settings.offline = False
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert entry.runtime_data.history.summary()[PHOTOVOLTAIC].missing_days == 0

    history = (date(2025, 11, 21), WINDOW[1])
    consumption = truth_hours(sim_state, PHOTOVOLTAIC, *history, feed_in=False)
    assert_equal_hours(
        await stored_money(hass, PHOTOVOLTAIC, CONSUMPTION),
        expected_money(consumption, PRICE, CHARGE),
    )
    feed_in = truth_hours(sim_state, PHOTOVOLTAIC, *history, feed_in=True)
    assert_equal_hours(
        await stored_money(hass, PHOTOVOLTAIC, FEED_IN), expected_money(feed_in, FEED_IN_PRICE)
    )


async def test_a_day_switching_source_is_counted_once(
    hass: HomeAssistant, simulator: RunningSimulator, sim_state: Simulator
) -> None:
    """A settled day imported from quarter hours, then read again when Wiener Netze has only
    its day value (and back): the day is replaced whole, energy and money each count once."""
    day = date(2026, 11, 5)  # settled at NOW (the correction window starts on the 14th)
    await set_up(hass, make_entry(simulator, [HOUSEHOLD], tariff=TARIFF))
    total = sum(truth_hours(sim_state, HOUSEHOLD, day, day, feed_in=False).values())
    midnight = day_bounds(day)[0].astimezone(UTC)

    async def read_again() -> tuple[dict[datetime, Any], dict[datetime, Any]]:
        await hass.services.async_call(
            DOMAIN,
            "import_history",
            {"config_entry_id": entry_id, "start": str(day), "end": str(day)},
            blocking=True,
        )
        energy = await stored(hass, HOUSEHOLD, CONSUMPTION)
        money = await stored_money(hass, HOUSEHOLD, CONSUMPTION)
        return energy, money

    entry_id = hass.config_entries.async_entries(DOMAIN)[0].entry_id
    spec = sim_state.meters[HOUSEHOLD]
    sim_state.meters[HOUSEHOLD] = replace(spec, quarter_hours_from=day + timedelta(days=1))
    sim_state.views[HOUSEHOLD] = MeterView(
        MeterTruth(sim_state.meters[HOUSEHOLD], sim_state.seed), sim_state.settings
    )
    energy, money = await read_again()  # only the day value now
    hours = [start for start in energy if start.astimezone(VIENNA).date() == day]
    assert energy[midnight]["change"] == pytest.approx(total)
    assert sum(energy[start]["change"] for start in hours) == pytest.approx(total)
    assert money[midnight]["change"] == pytest.approx(total * PRICE + CHARGE)
    assert sum(money[start]["change"] for start in hours) == pytest.approx(total * PRICE + CHARGE)
    truth = truth_hours(sim_state, HOUSEHOLD, WINDOW[0], WINDOW[1], feed_in=False)
    last = max(truth)
    assert energy[last]["sum"] == pytest.approx(sum(truth.values()))

    sim_state.meters[HOUSEHOLD] = spec  # quarter hours again
    sim_state.views[HOUSEHOLD] = MeterView(MeterTruth(spec, sim_state.seed), sim_state.settings)
    energy, money = await read_again()
    assert_equal_hours(energy, truth)
    assert_equal_hours(money, expected_money(truth, PRICE, CHARGE))


async def test_a_day_value_costs_the_days_mean_price(
    hass: HomeAssistant, simulator: RunningSimulator, sim_state: Simulator
) -> None:
    """A meter with day values books each day at its first hour; priced by an entity, the
    day costs its energy times the mean of the day's hourly prices, not the midnight price."""
    first, last = day_bounds(WINDOW[0])[0].astimezone(UTC), day_bounds(WINDOW[1])[1]
    hours = []
    moment = first
    while moment < last:
        hours.append(moment)
        moment += timedelta(hours=1)
    async_import_statistics(
        hass,
        {
            "mean_type": StatisticMeanType.ARITHMETIC,
            "has_sum": False,
            "name": None,
            "source": "recorder",
            "statistic_id": SPOT,
            "unit_class": None,
            "unit_of_measurement": "ct/kWh",
        },
        [{"start": start, "mean": spot(start), "min": 0, "max": 50} for start in hours],
    )
    await async_wait_recording_done(hass)
    hass.states.async_set(SPOT, "12", {"unit_of_measurement": "ct/kWh"})
    await set_up(hass, make_entry(simulator, [DAILY], tariff={"price_entity": SPOT}))
    days = truth_days(sim_state, DAILY, *WINDOW)
    expected = {}
    for midnight, energy in days.items():
        day = midnight.astimezone(VIENNA).date()
        of_day = [hour for hour in hours if hour.astimezone(VIENNA).date() == day]
        expected[midnight] = energy * sum(spot(hour) for hour in of_day) / len(of_day) / 100
    assert_equal_hours(await stored_money(hass, DAILY, CONSUMPTION), expected)
