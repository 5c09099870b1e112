"""Money follows energy, always: no money write rewrites another hour's money, an hour that can
no longer be priced costs nothing, every day gets its daily charge, money a stop left behind is
priced after the start, and a day changing its source is never counted twice."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import pytest
from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.wiener_netze.api import Flow
from custom_components.wiener_netze.const import CONF_TARIFF, DOMAIN
from custom_components.wiener_netze.cost_sync import CostSync
from custom_components.wiener_netze.history_import import HistoryImport
from simulator.account import DAILY, HOUSEHOLD, PHOTOVOLTAIC
from simulator.app import Simulator
from simulator.profiles import VIENNA, day_bounds
from simulator.server import RunningSimulator
from tests.support import NOW

from .conftest import make_entry
from .statistics_support import assert_equal_hours, stored, stored_money, truth_hours
from .test_coordinator import tick_to
from .test_costs import CHARGE, PRICE, SPOT, TARIFF, expected_money, record_prices, spot

CONSUMPTION, FEED_IN = Flow.CONSUMPTION, Flow.FEED_IN
ONE_DAY = timedelta(days=1)
WINDOW = (date(2026, 11, 1), date(2026, 11, 20))


@pytest.fixture(autouse=True)
def _validated(sim_state: Simulator) -> None:
    """Validated values only, tokens that outlive the test's jumps."""
    sim_state.settings.estimate_share = 0.0
    sim_state.settings.token_lifetime = 200 * 24 * 3600


async def set_up(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    """Set up (again, after an unload) and wait for the background work."""
    if entry.entry_id not in {known.entry_id for known in hass.config_entries.async_entries()}:
        entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)


def morning(day: date) -> datetime:
    """08:05 in Vienna: the day before is published."""
    return datetime.combine(day, time(8, 5), tzinfo=VIENNA)


def hour(day: date, at: int) -> datetime:
    """The UTC start of a local hour."""
    return datetime.combine(day, time(at), tzinfo=VIENNA).astimezone(UTC)


def of_day(rows: dict[datetime, Any], day: date) -> dict[datetime, Any]:
    """The rows of one local day."""
    start, end = (moment.astimezone(UTC) for moment in day_bounds(day))
    return {moment: row for moment, row in rows.items() if start <= moment < end}


@pytest.mark.databases
async def test_pricing_two_hours_again_leaves_the_rest_of_their_day(
    hass: HomeAssistant,
    simulator: RunningSimulator,
    sim_state: Simulator,
    freezer: FrozenDateTimeFactory,
) -> None:
    """The price entity is unavailable for two hours of a day: they cost nothing and are
    reported. Each later sync prices them again; the day's midnight row keeps its energy's cost
    and the daily charge. Once the entity's history has them, they are priced."""
    day = date(2026, 11, 18)
    gap = (hour(day, 10), hour(day, 12))
    start, end = day_bounds(date(2026, 11, 1))[0], day_bounds(date(2026, 11, 21))[0]
    await record_prices(hass, freezer, start.astimezone(UTC), gap[0])
    freezer.move_to(gap[0])
    hass.states.async_set(SPOT, "unavailable", {"unit_of_measurement": "ct/kWh"})
    await hass.async_block_till_done()
    await record_prices(hass, freezer, gap[1], end.astimezone(UTC))
    freezer.move_to(NOW)
    tariff = {"price_entity": SPOT, "daily_charge": CHARGE}
    entry = make_entry(simulator, [HOUSEHOLD], tariff=tariff)
    await set_up(hass, entry)
    unpriced = (gap[0], gap[0] + timedelta(hours=1))
    energy = of_day(truth_hours(sim_state, HOUSEHOLD, day, day, feed_in=False), day)
    midnight = day_bounds(day)[0].astimezone(UTC)
    before = of_day(await stored_money(hass, HOUSEHOLD, CONSUMPTION), day)
    assert sorted(before) == sorted(energy)
    for start in unpriced:
        assert before[start]["change"] == 0.0  # no price: it costs nothing, and is reported
    assert entry.runtime_data.saved.state.unpriced == {
        f"{HOUSEHOLD}/consumption": [[gap[0].isoformat(), gap[1].isoformat()]]
    }
    for start, value in energy.items():
        if start not in unpriced:
            price = before[start]["change"] - (CHARGE if start == midnight else 0.0)
            assert price == pytest.approx(value * spot(start) / 100, rel=0.2), start

    for when in (morning(NOW.date() + ONE_DAY), morning(NOW.date() + 2 * ONE_DAY)):
        await tick_to(hass, freezer, sim_state, when)  # each sync prices the two hours again
        after = of_day(await stored_money(hass, HOUSEHOLD, CONSUMPTION), day)
        assert {start: row["change"] for start, row in after.items()} == {
            start: row["change"] for start, row in before.items()
        }
    assert after[midnight]["change"] > CHARGE  # the midnight row kept its energy's cost


@pytest.mark.databases
async def test_an_hour_no_tariff_prices_any_more_costs_nothing(
    hass: HomeAssistant,
    simulator: RunningSimulator,
    sim_state: Simulator,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The feed-in price is removed and the window priced again: every hour's compensation is
    0 from then on, and the log says how many hours changed."""
    entry = make_entry(simulator, [PHOTOVOLTAIC], tariff=TARIFF)
    await set_up(hass, entry)
    feed_in = truth_hours(sim_state, PHOTOVOLTAIC, *WINDOW, feed_in=True)
    assert_equal_hours(
        await stored_money(hass, PHOTOVOLTAIC, FEED_IN), expected_money(feed_in, 0.08)
    )
    options = {**entry.options, CONF_TARIFF: {"energy_price": PRICE, "daily_charge": CHARGE}}
    hass.config_entries.async_update_entry(entry, options=options)
    await hass.async_block_till_done(wait_background_tasks=True)
    caplog.set_level(logging.INFO, logger="custom_components.wiener_netze")
    await hass.services.async_call(
        DOMAIN,
        "recalculate_costs",
        {"config_entry_id": entry.entry_id, "start": str(WINDOW[0]), "end": str(WINDOW[1])},
        blocking=True,
    )
    money = await stored_money(hass, PHOTOVOLTAIC, FEED_IN)
    assert sorted(money) == sorted(feed_in)
    assert all(row["change"] == pytest.approx(0.0, abs=1e-9) for row in money.values())
    with_energy = sum(1 for value in feed_in.values() if value > 0)
    assert f"{with_energy} changed" in caplog.text
    consumption = truth_hours(sim_state, PHOTOVOLTAIC, *WINDOW, feed_in=False)
    assert_equal_hours(
        await stored_money(hass, PHOTOVOLTAIC, CONSUMPTION),
        expected_money(consumption, PRICE, CHARGE),
    )


@pytest.mark.databases
async def test_a_day_without_energy_gets_its_daily_charge(
    hass: HomeAssistant,
    simulator: RunningSimulator,
    sim_state: Simulator,
    freezer: FrozenDateTimeFactory,
) -> None:
    """A day Wiener Netze never delivers has no energy rows; its daily charge is booked all the
    same, once, at its local midnight."""
    lost = date(2026, 11, 10)
    sim_state.settings.undelivered_days = [lost]
    await set_up(hass, make_entry(simulator, [HOUSEHOLD], tariff=TARIFF))
    energy = await stored(hass, HOUSEHOLD, CONSUMPTION)
    assert not of_day(energy, lost)
    money = await stored_money(hass, HOUSEHOLD, CONSUMPTION)
    midnight = day_bounds(lost)[0].astimezone(UTC)
    assert of_day(money, lost) == {midnight: money[midnight]}
    assert money[midnight]["change"] == pytest.approx(CHARGE)
    truth = {
        start: value
        for start, value in truth_hours(sim_state, HOUSEHOLD, *WINDOW, feed_in=False).items()
        if start.astimezone(VIENNA).date() != lost
    }
    expected = expected_money(truth, PRICE, CHARGE) | {midnight: CHARGE}
    assert_equal_hours(money, expected)


@pytest.mark.databases
async def test_money_a_stop_left_behind_is_priced_after_the_start(
    hass: HomeAssistant,
    simulator: RunningSimulator,
    sim_state: Simulator,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Home Assistant stops while the history import writes a round: its energy is written,
    its money not. After the start, with nothing else reading those days again, the money of
    every day the round was writing is priced from the stored energy."""
    entry = make_entry(simulator, [HOUSEHOLD], history_years=1, tariff=TARIFF)

    async def stop(*args: Any, **kwargs: Any) -> None:
        raise asyncio.CancelledError  # Home Assistant stops here

    monkeypatch.setattr(CostSync, "async_price", stop)
    await set_up(hass, entry)
    first_round = (date(2026, 8, 4), date(2026, 10, 31))  # the history's newest round
    energy = truth_hours(sim_state, HOUSEHOLD, *first_round, feed_in=False)
    rows = await stored(hass, HOUSEHOLD, CONSUMPTION)
    assert_equal_hours({start: rows[start] for start in energy}, energy)
    money = await stored_money(hass, HOUSEHOLD, CONSUMPTION)
    assert not {start for start in money if start in energy}
    assert entry.runtime_data.saved.state.money_pending
    monkeypatch.undo()
    assert await hass.config_entries.async_unload(entry.entry_id)
    # Nothing reads those days again: only the money left pending prices them.
    monkeypatch.setattr(HistoryImport, "start", lambda *args: None)
    await set_up(hass, entry)
    money = await stored_money(hass, HOUSEHOLD, CONSUMPTION)
    assert_equal_hours(
        {start: money[start] for start in money if start in energy},
        expected_money(energy, PRICE, CHARGE),
    )
    assert entry.runtime_data.saved.state.money_pending == {}


@pytest.mark.databases
async def test_a_day_switching_to_quarter_hours_counts_once_while_it_is_recent(
    hass: HomeAssistant,
    simulator: RunningSimulator,
    sim_state: Simulator,
    freezer: FrozenDateTimeFactory,
) -> None:
    """The day-values meter switches to quarter hours at 14:00: that day is booked from its day
    value first; when its quarter hours (from 14:00) arrive a day later, the day value goes,
    so the day never counts more than once, energy or money; settled, it is the day's total."""
    switch = date(2026, 11, 22)
    sim_state.settings.update(
        {"opt_in_meter": DAILY, "opt_in_at": f"{switch.isoformat()}T14:00:00+01:00"}
    )
    await set_up(hass, make_entry(simulator, [DAILY], tariff=TARIFF))
    total = sim_state.views[DAILY].truth.day_total(switch, False) / 1000

    async def day_sums() -> tuple[float, float]:
        energy = of_day(await stored(hass, DAILY, CONSUMPTION), switch)
        money = of_day(await stored_money(hass, DAILY, CONSUMPTION), switch)
        return (
            sum(row["change"] for row in energy.values()),
            sum(row["change"] for row in money.values()),
        )

    await tick_to(hass, freezer, sim_state, morning(switch + ONE_DAY))  # the day value
    today = switch + 2 * ONE_DAY
    assert (await day_sums())[0] == pytest.approx(total)
    while today <= switch + 8 * ONE_DAY:  # through the correction window
        await tick_to(hass, freezer, sim_state, morning(today))
        energy, money = await day_sums()
        assert energy <= total + 1e-6, today
        # Money is rounded per hour, to the millionth.
        assert money == pytest.approx(energy * PRICE + CHARGE, abs=1e-4), today
        today += ONE_DAY
    energy, money = await day_sums()
    assert energy == pytest.approx(total)
    assert money == pytest.approx(total * PRICE + CHARGE, abs=1e-4)
    truth = truth_hours(sim_state, DAILY, switch, switch, feed_in=False)
    rows = of_day(await stored(hass, DAILY, CONSUMPTION), switch)
    from_switch = [start for start in truth if start >= hour(switch, 14)]
    for start in from_switch:
        assert rows[start]["change"] == pytest.approx(truth[start], abs=1e-6)
