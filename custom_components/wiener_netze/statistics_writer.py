"""Writes hour rows into the recorder's long-term statistics, keeping every later sum right.

Rows are spliced in: where new rows replace or add hours, every later row's ``sum`` moves by the
difference, so the total stays equal to the source. Rows that already hold the right values are
not written again. Energy and money statistics go through the same splice. A write the recorder
does not confirm in time is not read over: the caller hears of it and tries again later, so a
stalled recorder never stops polling.
"""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field, replace
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

from .api.vienna_time import HOUR, ONE_DAY, day_start, local_day
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
    """What a splice wrote, and what the statistic holds afterwards on the days it touched."""

    written: int
    corrected: int
    # Every stored hour of the local days the splice covered, as the statistic holds it after
    # the write (an hour a whole-day replacement emptied has no change): what money follows.
    hours: tuple[HourRow, ...] = ()
    # The hours whose change is new or differs from before.
    changed: frozenset[datetime] = frozenset()


class RecorderStalledError(Exception):
    """The recorder has not confirmed a queued write of a statistic in time.

    Nothing is read over an unconfirmed write (it would build on a stale sum): the caller tries
    again later.
    """


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
    start, end = day_start(first), day_start(last + ONE_DAY)
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
        if len(found) == 1 and found[0].start == day_start(day)
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
# How long a splice waits for the recorder to confirm a write (its own, or an earlier one of
# the statistic before reading) before it gives up for now (RecorderStalledError, logged once).
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
        # The recorder did not confirm the last write in time (logged once).
        self._stalled = False

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
        covering: Iterable[date] = (),
        locked: bool = False,
    ) -> SpliceResult:
        """Write ``rows`` and move every later sum by what they change.

        On the local days of ``whole_days`` the rows replace the day: a stored hour they do not
        name is set to no energy (the day was booked from another source before). The result
        reports the stored hours of ``covering`` too. ``locked``: the caller holds the
        statistic's lock (:meth:`locked`) already. Raises :class:`RecorderStalledError` when the
        recorder does not confirm this write, or an earlier one of the statistic, in time.
        """
        whole = set(whole_days)
        days = {local_day(row.start) for row in rows} | whole | set(covering)
        if not days:
            return SpliceResult(0, 0)
        if locked:
            return await self._splice(meta, rows, whole, days)
        async with self.locked(meta["statistic_id"]):
            return await self._splice(meta, rows, whole, days)

    async def async_put(self, meta: StatisticMetaData, rows: list[StatisticData]) -> None:
        """Write rows of a statistic without a sum as they are, each replacing its hour.

        Raises :class:`RecorderStalledError` when the recorder does not confirm it in time.
        """
        if not rows:
            return
        async with self.locked(meta["statistic_id"]):
            async_add_external_statistics(self.hass, meta, rows)
            await self._barrier(get_instance(self.hass), meta["statistic_id"])

    async def _splice(
        self,
        meta: StatisticMetaData,
        rows: list[HourRow],
        whole_days: set[date],
        days: set[date],
    ) -> SpliceResult:
        """Write the rows that change; move the rows after each run of them in one statement.

        The span is the whole local days of ``days``. Inside it only rows
        whose change or state differs are written, in runs; after each run the recorder moves
        every later sum by the run's change (``Recorder.async_adjust_statistics``). The recorder
        runs the queued imports and adjustments in order, so a row written later in the span gets
        its final sum. A correction costs the rows it changes, not every row after them, and
        older rows can be placed before newer ones.
        """
        span = await self._read_span(meta["statistic_id"], min(days), max(days))
        merged = _merge(span, rows, whole_days)
        runs, rest = _runs(span, merged)
        await self._queue(meta, runs, rest, span.end)
        changed = frozenset(
            start
            for start, (change, _) in merged.entries.items()
            if abs(span.changes.get(start, 0.0) - change) > EPSILON or start not in span.stored
        )
        return SpliceResult(
            written=sum(len(found) for found, _, _ in runs),
            corrected=merged.corrected,
            hours=tuple(
                HourRow(start, change, state)
                for start, (change, state) in sorted(merged.entries.items())
            ),
            changed=changed,
        )

    async def _read_span(self, statistic: str, first: date, last: date) -> _Span:
        """The sum before the local days ``first``..``last`` and every stored row on them."""
        start, end = day_start(first), day_start(last + ONE_DAY)
        instance = get_instance(self.hass)
        base = await instance.async_add_executor_job(_sum_before, self.hass, statistic, start)
        found = await instance.async_add_executor_job(_read, self.hass, statistic, start, end)
        span = _Span(start, end, base)
        previous = base
        for row in found:
            hour = dt_util.utc_from_timestamp(row["start"])
            total = float(row["sum"] or 0.0)
            span.stored[hour] = (total, row["state"])
            span.changes[hour] = total - previous
            previous = total
        span.end_sum = previous
        return span

    async def _queue(
        self,
        meta: StatisticMetaData,
        runs: list[tuple[list[StatisticData], datetime, float]],
        rest: float,
        end: datetime,
    ) -> None:
        """Queue the runs, the adjustment after each and the one after the span; wait for them."""
        instance = get_instance(self.hass)
        statistic = meta["statistic_id"]
        unit = meta["unit_of_measurement"] or ""
        for rows_of_run, last, shift in runs:
            async_add_external_statistics(self.hass, meta, rows_of_run)
            if abs(shift) > EPSILON:
                instance.async_adjust_statistics(statistic, last + HOUR, shift, unit)
        if abs(rest) > EPSILON:
            instance.async_adjust_statistics(statistic, end, rest, unit)
        if runs or abs(rest) > EPSILON:
            await self._barrier(instance, statistic)

    def _pending(self) -> dict[str, asyncio.Future[None]]:
        return self.hass.data.setdefault(PENDING_WRITES, {})

    async def _wait_for_pending(self, statistic: str) -> None:
        """Wait, bounded, for a write of this statistic that is still queued.

        Its writer was cancelled or stopped waiting; reading before it lands would build on a
        stale sum and leave a step for good, so a write still unconfirmed after
        :data:`BARRIER_TIMEOUT` raises :class:`RecorderStalledError` and nothing is read.
        """
        pending = self._pending().get(statistic)
        if pending is None or pending.done():
            return
        await self._confirmed(pending, statistic)

    async def _barrier(self, instance: Recorder, statistic: str) -> None:
        """Wait until the recorder has run what was queued: the next splice reads it.

        The recorder's own ``async_block_till_done`` returns at once while it is still running
        an import, so a barrier of our own goes after it. Kept as the statistic's pending write,
        so that a writer cancelled meanwhile (a reload) does not let the next one read a stale
        base. Bounded: when the recorder does not confirm in time, :class:`RecorderStalledError`
        tells the caller that the write is queued but unconfirmed.
        """
        barrier: asyncio.Future[None] = self.hass.loop.create_future()
        instance.queue_task(SynchronizeTask(barrier))
        self._pending()[statistic] = barrier
        await self._confirmed(barrier, statistic)

    async def _confirmed(self, barrier: asyncio.Future[None], statistic: str) -> None:
        """Wait, bounded, for the recorder to confirm ``barrier``.

        A timeout that fires in the same turn of the loop as the confirmation is no stall.
        """
        try:
            await asyncio.wait_for(asyncio.shield(barrier), BARRIER_TIMEOUT)
        except TimeoutError:
            if not barrier.done():
                self._report(stalled=True)
                raise RecorderStalledError(statistic) from None
        self._report(stalled=False)

    def _report(self, *, stalled: bool) -> None:
        """Log once when the recorder stops confirming writes, and once when it does again."""
        if stalled and not self._stalled:
            _LOGGER.warning(
                "The recorder has not confirmed writing statistics within %.0f s; polling goes "
                "on, and the statistics are written once it has",
                BARRIER_TIMEOUT,
            )
        elif self._stalled and not stalled:
            _LOGGER.info("The recorder confirms writing statistics again")
        self._stalled = stalled


@dataclass(slots=True)
class _Span:
    """The stored rows of the whole local days a splice covers, and the sums around them."""

    first: datetime
    end: datetime
    # The sum of the last row before the span.
    base: float
    # Start → (sum, state) of each stored row, and its change.
    stored: dict[datetime, tuple[float, float | None]] = field(default_factory=dict)
    changes: dict[datetime, float] = field(default_factory=dict)
    # The sum the span ended with: every later sum builds on it.
    end_sum: float = 0.0


@dataclass(slots=True)
class _Merged:
    """The span's rows with the new ones in: start → (change, state)."""

    entries: dict[datetime, tuple[float, float | None]]
    # Stored hours a whole-day replacement did not name: no change any more.
    emptied: set[datetime]
    # Stored hours whose change differs.
    corrected: int


def _merge(span: _Span, rows: list[HourRow], whole_days: set[date]) -> _Merged:
    """The new rows over the stored ones; a row without a state keeps the stored one."""
    entries = {start: (span.changes[start], state) for start, (_, state) in span.stored.items()}
    corrected = 0
    for row in rows:
        known = entries.get(row.start)
        if known is not None and abs(known[0] - row.change) > EPSILON:
            corrected += 1
        kept = row.state if row.state is not None else (known[1] if known else None)
        entries[row.start] = (row.change, kept)
    given = {row.start for row in rows}
    emptied = {start for start in entries if start not in given and local_day(start) in whole_days}
    for start in emptied:
        if abs(entries[start][0]) > EPSILON:
            corrected += 1
        entries[start] = (0.0, None)
    return _Merged(entries, emptied, corrected)


def _runs(
    span: _Span, merged: _Merged
) -> tuple[list[tuple[list[StatisticData], datetime, float]], float]:
    """The runs of rows to write and how far the rows after the span move.

    Each run comes with its last hour and how far the rows after it move; the second value is
    what the rows after the span move beyond the runs' adjustments.

    A row that moves by as much as the adjustments before it will (the open run's, once it
    ends there) and keeps its state needs no write of its own.
    """
    total, applied, old_running = span.base, 0.0, span.base
    runs: list[tuple[list[StatisticData], datetime, float]] = []
    run: list[StatisticData] = []
    run_end, run_shift = span.first, 0.0
    state: float | None = None
    for start in sorted(merged.entries):
        change, own_state = merged.entries[start]
        # An emptied hour keeps the register the hour before it ended with.
        state = state if start in merged.emptied else own_state
        total = round(total + change, 6)
        before = span.stored.get(start)
        if before is not None:
            old_running = before[0]
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
    return runs, round(total - span.end_sum - applied, 6)


def _differs(old: float | None, new: float | None) -> bool:
    if old is None or new is None:
        return old is not new
    return abs(old - new) > EPSILON
