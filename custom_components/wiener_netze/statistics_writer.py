"""Writes hour rows into the recorder's long-term statistics, keeping every later sum right.

Rows are spliced in: where new rows replace or add hours, every later row's ``sum`` moves by the
difference, so the total stays equal to the source. Rows that already hold the right values are
not written again. Energy and money statistics go through the same splice.
"""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

from homeassistant.components.recorder.core import Recorder
from homeassistant.components.recorder.models import StatisticData, StatisticMetaData
from homeassistant.components.recorder.statistics import (
    async_add_external_statistics,
    statistics_during_period,
)
from homeassistant.components.recorder.tasks import SynchronizeTask
from homeassistant.core import HomeAssistant
from homeassistant.helpers.recorder import get_instance
from homeassistant.util import dt as dt_util
from homeassistant.util.hass_dict import HassKey

from .api.vienna_time import HOUR, ONE_DAY, local_day, local_midnight
from .const import DOMAIN

_LOGGER = logging.getLogger(__name__)

EPSILON = 1e-6
LOOKBACK = timedelta(days=32)
EPOCH = datetime(2000, 1, 1, tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class HourRow:
    """One statistics row: the change of the hour (kWh or money) and the register at its end."""

    start: datetime
    change: float
    state: float | None
    # The energy of a whole local day booked at its first hour (from its day value).
    day_value: bool = False


@dataclass(frozen=True, slots=True)
class SpliceResult:
    """Rows written, stored hours whose value changed, and stored hours a day emptied.

    A whole-day replacement sets the stored hours it does not name to nothing; their money
    must follow.
    """

    written: int
    corrected: int
    emptied: tuple[datetime, ...] = ()
    # How far every later row's sum moved.
    shift: float = 0.0
    # The hours whose energy is new or changed (their money must follow).
    changed_hours: frozenset[datetime] = frozenset()


def _read(hass: HomeAssistant, statistic: str, start: datetime, end: datetime | None) -> list[Any]:
    rows = statistics_during_period(hass, start, end, {statistic}, "hour", None, {"sum", "state"})
    return list(rows.get(statistic, []))


def _sum_before(hass: HomeAssistant, statistic: str, start: datetime) -> float:
    """The sum of the last row before ``start`` (0 when there is none)."""
    for since in (start - LOOKBACK, EPOCH):
        rows = _read(hass, statistic, since, start)
        if rows:
            return float(rows[-1]["sum"] or 0.0)
    return 0.0


def _hour_rows(
    hass: HomeAssistant, statistic: str, start: datetime, end: datetime
) -> list[HourRow]:
    previous = _sum_before(hass, statistic, start)
    rows: list[HourRow] = []
    for row in _read(hass, statistic, start, end):
        total = float(row["sum"] or 0.0)
        rows.append(
            HourRow(dt_util.utc_from_timestamp(row["start"]), round(total - previous, 6), None)
        )
        previous = total
    return rows


def _recorded_days(
    hass: HomeAssistant, statistic: str, start: datetime, end: datetime
) -> set[date]:
    rows = statistics_during_period(hass, start, end, {statistic}, "hour", None, {"sum"})
    return {local_day(dt_util.utc_from_timestamp(row["start"])) for row in rows.get(statistic, [])}


async def async_recorded_days(
    hass: HomeAssistant, statistic: str, first: date, last: date
) -> set[date]:
    """The local days ``first``..``last`` on which a statistic has at least one row."""
    start = local_midnight(first).astimezone(UTC)
    end = local_midnight(last + ONE_DAY).astimezone(UTC)
    return await get_instance(hass).async_add_executor_job(
        _recorded_days, hass, statistic, start, end
    )


def mark_day_values(rows: list[HourRow]) -> list[HourRow]:
    """Rows read back, with the days booked from their day value marked.

    Such a day has one row with energy, at the hour the local day starts.
    """
    with_energy: dict[date, list[HourRow]] = {}
    for row in rows:
        if abs(row.change) > EPSILON:
            with_energy.setdefault(local_day(row.start), []).append(row)
    marked = {
        found[0].start
        for day, found in with_energy.items()
        if len(found) == 1 and found[0].start == local_midnight(day).astimezone(UTC)
    }
    return [replace(row, day_value=True) if row.start in marked else row for row in rows]


async def async_read_rows(
    hass: HomeAssistant, statistic: str, start: datetime, end: datetime
) -> list[HourRow]:
    """The stored hours ``start``..``end`` of a statistic, each with its change."""
    return await get_instance(hass).async_add_executor_job(_hour_rows, hass, statistic, start, end)


# One writer per statistic for the whole instance, shared by every entry and reload: a splice
# reads what it rewrites, so two at once on one statistic would leave a step in its sum.
STATISTIC_LOCKS: HassKey[defaultdict[str, asyncio.Lock]] = HassKey(f"{DOMAIN}_statistic_locks")
# How long a splice waits for the recorder to confirm its write before going on (logged).
BARRIER_TIMEOUT = 60.0
# Per statistic, the barrier of its last write: the next writer waits for it before reading.
PENDING_WRITES: HassKey[dict[str, asyncio.Future[None]]] = HassKey(f"{DOMAIN}_pending_writes")


def statistic_lock(hass: HomeAssistant, statistic: str) -> asyncio.Lock:
    """The lock every writer of ``statistic`` holds while reading and writing it."""
    return hass.data.setdefault(STATISTIC_LOCKS, defaultdict(asyncio.Lock))[statistic]


class StatisticsWriter:
    """Splices rows into statistics: one writer per statistic, each reads what it rewrites."""

    def __init__(self, hass: HomeAssistant) -> None:
        self.hass = hass
        self._barrier_expired = False

    @asynccontextmanager
    async def locked(self, statistic: str) -> AsyncIterator[None]:
        """The statistic's lock, its queued write done: a reader sees it whole and current.

        A write queued by a writer that was cancelled meanwhile (the entry reloaded) lands
        before anything is read.
        """
        async with statistic_lock(self.hass, statistic):
            await self._wait_for_pending(statistic)
            yield

    async def async_splice(
        self,
        meta: StatisticMetaData,
        rows: list[HourRow],
        whole_days: Iterable[date] = (),
        *,
        locked: bool = False,
    ) -> SpliceResult:
        """Write ``rows`` and move every later sum by what they change.

        On the local days of ``whole_days`` the rows replace the day: a stored hour they do not
        name is set to no energy (the day was booked from another source before). ``locked``:
        the caller holds the statistic's lock (:meth:`locked`) already.
        """
        if not rows:
            return SpliceResult(0, 0)
        ordered = sorted(rows, key=lambda row: row.start)
        if locked:
            return await self._splice(meta, ordered, set(whole_days))
        async with self.locked(meta["statistic_id"]):
            return await self._splice(meta, ordered, set(whole_days))

    async def _splice(
        self, meta: StatisticMetaData, rows: list[HourRow], whole_days: set[date]
    ) -> SpliceResult:
        """Write the rows that change; move the rows after each run of them in one statement.

        Inside the span the rows cover, only rows whose change or state differs are written,
        in runs; after each run the recorder moves every later sum by the run's change
        (``Recorder.async_adjust_statistics``). The recorder runs the queued imports and
        adjustments in order, so a row written later in the span gets its final sum. A
        correction costs the rows it changes, not every row after them, and older rows can be
        placed before newer ones.
        """
        instance = get_instance(self.hass)
        statistic = meta["statistic_id"]
        first, end = rows[0].start, rows[-1].start + HOUR
        if whole_days:
            first = min(first, local_midnight(min(whole_days)).astimezone(UTC))
            end = max(end, local_midnight(max(whole_days) + ONE_DAY).astimezone(UTC))
        base = await instance.async_add_executor_job(_sum_before, self.hass, statistic, first)
        stored = await instance.async_add_executor_job(_read, self.hass, statistic, first, end)
        old: dict[datetime, tuple[float, float | None]] = {}
        entries: dict[datetime, tuple[float, float | None]] = {}
        previous = base
        for row in stored:
            start = dt_util.utc_from_timestamp(row["start"])
            total = float(row["sum"] or 0.0)
            old[start] = (total, row["state"])
            entries[start] = (total - previous, row["state"])
            previous = total
        old_changes = {start: change for start, (change, _) in entries.items()}
        old_end = previous  # the sum the span ended with: every later sum builds on it
        corrected = 0
        for row in rows:
            known = entries.get(row.start)
            if known is not None and abs(known[0] - row.change) > EPSILON:
                corrected += 1
            kept = row.state if row.state is not None else (known[1] if known else None)
            entries[row.start] = (row.change, kept)
        given = {row.start for row in rows}
        emptied = {
            start for start in entries if start not in given and local_day(start) in whole_days
        }
        for start in emptied:
            if abs(entries[start][0]) > EPSILON:
                corrected += 1
            entries[start] = (0.0, None)
        total, applied, old_running = base, 0.0, base
        runs: list[tuple[list[StatisticData], datetime, float]] = []
        run: list[StatisticData] = []
        run_end, run_shift = first, 0.0
        state: float | None = None
        for start in sorted(entries):
            change, own_state = entries[start]
            # An emptied hour keeps the register the hour before it ended with.
            state = state if start in emptied else own_state
            total = round(total + change, 6)
            before = old.get(start)
            if before is not None:
                old_running = before[0]
            # How far this row's sum moves. A row that moves by as much as the adjustments
            # before it will (the open run's, once it ends here) needs no write of its own.
            moved = round(total - old_running, 6)
            pending = run_shift if run else applied
            if before is None or abs(moved - pending) > EPSILON or _differs(before[1], state):
                row = StatisticData(start=start, sum=total)
                if state is not None:
                    row["state"] = state
                run.append(row)
                run_end, run_shift = start, moved
            elif run:
                runs.append((run, run_end, run_shift - applied))
                applied, run = run_shift, []
        if run:
            runs.append((run, run_end, run_shift - applied))
            applied = run_shift
        # Rows after the span move by the span's change (the runs' adjustments add up to it).
        rest = round(total - old_end - applied, 6)
        unit = meta["unit_of_measurement"] or ""
        queued = False
        for rows_of_run, last, shift in runs:
            async_add_external_statistics(self.hass, meta, rows_of_run)
            if abs(shift) > EPSILON:
                instance.async_adjust_statistics(statistic, last + HOUR, shift, unit)
            queued = True
        if abs(rest) > EPSILON:
            instance.async_adjust_statistics(statistic, end, rest, unit)
            queued = True
        if queued:
            await self._barrier(instance, statistic)
        changed_hours = {
            row.start
            for row in rows
            if (was := old_changes.get(row.start)) is None or abs(was - row.change) > EPSILON
        } | {start for start in emptied if abs(old_changes.get(start, 0.0)) > EPSILON}
        return SpliceResult(
            sum(len(found) for found, _, _ in runs),
            corrected,
            tuple(sorted(emptied)),
            round(total - old_end, 6),
            frozenset(changed_hours),
        )

    def _pending(self) -> dict[str, asyncio.Future[None]]:
        return self.hass.data.setdefault(PENDING_WRITES, {})

    async def _wait_for_pending(self, statistic: str) -> None:
        """Wait for a write of this statistic that is still queued.

        Its writer was cancelled or stopped waiting; the recorder must run it before this
        splice reads, or this one reads a stale base.
        """
        pending = self._pending().get(statistic)
        if pending is None or pending.done():
            return
        # Reading before it lands would build on a stale sum and leave a step for good: wait
        # as long as it takes (logged once), however long the recorder is busy.
        while True:
            try:
                await asyncio.wait_for(asyncio.shield(pending), BARRIER_TIMEOUT)
            except TimeoutError:
                self._report_expired()
            else:
                return

    async def _barrier(self, instance: Recorder, statistic: str) -> None:
        """Wait until the recorder has run what was queued: the next splice reads it.

        The recorder's own ``async_block_till_done`` returns at once while it is still running
        an import, so a barrier of our own goes after it. Bounded, so a stalled recorder does
        not stop polling for good; kept as the statistic's pending write, so that a writer that
        is cancelled meanwhile (a reload) does not let the next one read a stale base.
        """
        barrier: asyncio.Future[None] = self.hass.loop.create_future()
        instance.queue_task(SynchronizeTask(barrier))
        self._pending()[statistic] = barrier
        try:
            await asyncio.wait_for(asyncio.shield(barrier), BARRIER_TIMEOUT)
        except TimeoutError:
            self._report_expired()
        else:
            self._barrier_expired = False

    def _report_expired(self) -> None:
        if not self._barrier_expired:
            _LOGGER.warning(
                "The recorder has not confirmed writing statistics within %.0f s; polling goes "
                "on, the next write of that statistic waits until it has",
                BARRIER_TIMEOUT,
            )
        self._barrier_expired = True


def _differs(old: float | None, new: float | None) -> bool:
    if old is None or new is None:
        return old is not new
    return abs(old - new) > EPSILON
