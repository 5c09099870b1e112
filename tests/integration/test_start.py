"""Home Assistant's start never waits for the statistics: the recorder writes only after it.

The recorder processes its queue once Home Assistant has started. Work that waits for the
recorder to confirm a write (the statistics sync after a correction) must therefore run in the
background: if the start waited for it, it would wait for itself until its 300 s timeout.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable
from datetime import date

from homeassistant.core import CoreState, HomeAssistant
from homeassistant.helpers.recorder import get_instance

from custom_components.wiener_netze.api import Flow
from simulator.account import HOUSEHOLD
from simulator.app import Simulator
from simulator.server import RunningSimulator
from tests.recorder_hold import HoldQueue

from .conftest import make_entry
from .statistics_support import assert_equal_hours, stored, truth_hours

FIRST, LAST = date(2026, 11, 1), date(2026, 11, 20)  # the window at NOW
# Real seconds a set-up or start may take while the recorder is held: ample on a busy machine,
# and well short of the hold's two minutes, so one that waits for the recorder is caught.
WITHIN = 60


async def returns_within(seconds: float, awaitable: Awaitable[object]) -> bool:
    """Whether ``awaitable`` finishes within ``seconds`` of real time (the test's clock is
    frozen, so asyncio's own timeouts would never fire)."""
    task = asyncio.ensure_future(awaitable)
    expired = asyncio.Event()
    loop = asyncio.get_running_loop()
    timer = threading.Timer(seconds, loop.call_soon_threadsafe, (expired.set,))
    timer.start()
    waiter = asyncio.ensure_future(expired.wait())
    try:
        await asyncio.wait({task, waiter}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        timer.cancel()
        waiter.cancel()
    if not task.done():
        task.cancel()
        return False
    return True


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
    hold = HoldQueue()
    get_instance(hass).queue_task(hold)
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
    hold = HoldQueue()
    get_instance(hass).queue_task(hold)
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


async def test_removing_the_entry_ends_every_task_it_started(
    hass: HomeAssistant, simulator: RunningSimulator
) -> None:
    """Removed while its first sync waits for the recorder to confirm a write: no task of the
    integration is left behind (nothing outlives the entry; what the sync did not finish is
    found again by the next set-up)."""
    entry = make_entry(simulator, [HOUSEHOLD], tariff={"energy_price": 0.2})
    entry.add_to_hass(hass)
    hold = HoldQueue()
    get_instance(hass).queue_task(hold)
    try:
        assert await returns_within(WITHIN, hass.config_entries.async_setup(entry.entry_id))
        assert await returns_within(WITHIN, hass.async_block_till_done())
        for _ in range(200):  # the first sync reaches its write, and waits
            await asyncio.sleep(0)
        assert [task for task in asyncio.all_tasks() if _ours(task) and not task.done()]
        await hass.config_entries.async_remove(entry.entry_id)
        for _ in range(20):
            await asyncio.sleep(0)
        assert [task for task in asyncio.all_tasks() if _ours(task) and not task.done()] == []
    finally:
        hold.released.set()
    await hass.async_block_till_done(wait_background_tasks=True)
