"""Home Assistant's start never waits for the statistics: the recorder writes only after it.

The recorder processes its queue once Home Assistant has started. Work that waits for the
recorder to confirm a write (the statistics sync after a correction) must therefore run in the
background: if the start waited for it, it would wait for itself until its 300 s timeout.
"""

from __future__ import annotations

import asyncio
from datetime import date

from homeassistant.core import CoreState, HomeAssistant

from custom_components.wiener_netze.api import Flow
from custom_components.wiener_netze.statistics_writer import PENDING_WRITES
from simulator.account import HOUSEHOLD
from simulator.app import Simulator
from simulator.server import RunningSimulator
from tests.recorder_hold import HOLD_SECONDS, eventually, hold_recorder, returns_within

from .conftest import make_entry
from .statistics_support import assert_equal_hours, stored, truth_hours

FIRST, LAST = date(2026, 11, 1), date(2026, 11, 20)  # the window at NOW
# Real seconds a set-up, and then the start, may take while the recorder is held: ample on a
# busy machine, and both together well short of the hold, so one that waits for it is caught.
WITHIN = HOLD_SECONDS // 3


async def test_start_with_a_correction_pending_does_not_wait_for_the_recorder(
    hass: HomeAssistant, simulator: RunningSimulator, sim_state: Simulator
) -> None:
    """Estimates imported, validated while Home Assistant was off: the start completes while
    the recorder still holds its queue, and the correction lands once it writes."""
    sim_state.settings.estimate_share = 1.0
    entry = make_entry(simulator, [HOUSEHOLD])
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)
    truth = truth_hours(sim_state, HOUSEHOLD, FIRST, LAST, feed_in=False)
    before = await stored(hass, HOUSEHOLD, Flow.CONSUMPTION)
    off = [hour for hour in truth if abs(before[hour]["change"] - truth[hour]) > 1e-6]
    assert len(off) == 48  # 19 and 20 November are still estimates

    assert await hass.config_entries.async_unload(entry.entry_id)
    sim_state.settings.estimate_share = 0.0  # validated while Home Assistant was off
    hold = hold_recorder(hass)
    hass.set_state(CoreState.starting)
    try:
        assert await returns_within(WITHIN, hass.config_entries.async_setup(entry.entry_id))
        # What Home Assistant's start waits for: every task that is not a background task.
        assert await returns_within(WITHIN, hass.async_block_till_done()), "the start waits"
        assert await stored(hass, HOUSEHOLD, Flow.CONSUMPTION) == before  # not yet written
    finally:
        hold.released.set()
        hass.set_state(CoreState.running)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert_equal_hours(await stored(hass, HOUSEHOLD, Flow.CONSUMPTION), truth)


async def test_unload_cancels_the_first_statistics(
    hass: HomeAssistant, simulator: RunningSimulator, sim_state: Simulator
) -> None:
    """Unloading while the first sync waits for the recorder cancels it, and a later set-up
    writes the window."""
    entry = make_entry(simulator, [HOUSEHOLD])
    entry.add_to_hass(hass)
    hold = hold_recorder(hass)
    try:
        assert await returns_within(WITHIN, hass.config_entries.async_setup(entry.entry_id))
        assert await returns_within(WITHIN, hass.async_block_till_done()), "the set-up waits"
        [first_sync] = [
            task
            for task in asyncio.all_tasks()
            if task.get_name() == "wiener_netze first statistics"
        ]
        assert not first_sync.done()  # waiting for the recorder
        assert await hass.config_entries.async_unload(entry.entry_id)
        await asyncio.sleep(0)
        assert first_sync.cancelled()
    finally:
        hold.released.set()
    await hass.async_block_till_done(wait_background_tasks=True)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)
    truth = truth_hours(sim_state, HOUSEHOLD, FIRST, LAST, feed_in=False)
    assert_equal_hours(await stored(hass, HOUSEHOLD, Flow.CONSUMPTION), truth)


def _ours(task: asyncio.Task[object]) -> bool:
    """Whether a task runs code of the integration."""
    code = getattr(task.get_coro(), "cr_code", None)
    return code is not None and "custom_components/wiener_netze" in code.co_filename


def _running() -> list[asyncio.Task[object]]:
    """The integration's tasks that have not ended."""
    return [task for task in asyncio.all_tasks() if _ours(task) and not task.done()]


def _waiting_for_a_write(hass: HomeAssistant) -> bool:
    """Whether a statistics write waits for the recorder's confirmation."""
    return any(not barrier.done() for barrier in hass.data.get(PENDING_WRITES, {}).values())


async def test_removing_the_entry_ends_every_task_it_started(
    hass: HomeAssistant, simulator: RunningSimulator
) -> None:
    """Removed while its first sync waits for the recorder to confirm a write: no task of the
    integration is left behind (nothing outlives the entry; what the sync did not finish is
    found again by the next set-up)."""
    entry = make_entry(simulator, [HOUSEHOLD], tariff={"energy_price": 0.2})
    entry.add_to_hass(hass)
    hold = hold_recorder(hass)
    try:
        assert await returns_within(WITHIN, hass.config_entries.async_setup(entry.entry_id))
        assert await returns_within(WITHIN, hass.async_block_till_done())
        # The first sync reaches its write, and waits for the recorder to confirm it.
        assert await eventually(hass, lambda: _waiting_for_a_write(hass), WITHIN)
        assert _running(), "the first sync waits"
        await hass.config_entries.async_remove(entry.entry_id)
        assert await eventually(hass, lambda: not _running(), WITHIN), _running()
    finally:
        hold.released.set()
    await hass.async_block_till_done(wait_background_tasks=True)
