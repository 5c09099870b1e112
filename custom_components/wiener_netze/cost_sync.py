"""Keeps the cost and compensation statistics in step with the energy statistics.

Money follows energy: whenever energy rows are spliced (history import, continuation,
corrections, held days released or imported once fixed), the hours whose energy changed are
priced from the energy the statistic now holds and spliced into the money statistics, so their
later sums move with the energy. A money write names only the hours it prices, so it never
rewrites another hour's money; the daily charge goes with the hour a day starts, also on days
with no energy there. Days a sync was writing when it stopped (Home Assistant stopped, the
entry reloaded, the recorder stalled) are recorded before the energy is written and priced
again, whole, later. Tariff timelines and hours without a price live in the saved state.
"""

from __future__ import annotations

import logging
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime

from homeassistant.components.recorder.statistics import get_metadata
from homeassistant.core import HomeAssistant
from homeassistant.helpers.recorder import get_instance
from homeassistant.util import dt as dt_util

from .api import Flow
from .api.vienna_time import ONE_DAY, day_start, days_between, local_day, years_before
from .const import MAX_HISTORY_YEARS
from .cost_rows import async_cost_rows
from .issues import update_unpriced_issues
from .price_history import numeric
from .saved_state import SavedStateStore, flow_key, from_ranges, to_ranges
from .statistic_ids import cost_metadata, cost_statistic_id, statistic_id
from .statistics_writer import (
    HourRow,
    RecorderStalledError,
    SpliceResult,
    StatisticsWriter,
    async_read_rows,
    mark_day_values,
)
from .tariff import Tariff, TariffTimeline

_LOGGER = logging.getLogger(__name__)


@dataclass(slots=True)
class PriceReport:
    """Hours priced, hours whose money changed, and hours whose price was unknown."""

    hours: int = 0
    changed: int = 0
    unpriced: int = 0

    def add(self, other: PriceReport) -> None:
        """Count ``other``'s hours too."""
        self.hours += other.hours
        self.changed += other.changed
        self.unpriced += other.unpriced


class CostSync:
    """Prices energy rows with each meter's tariff timeline and writes the money statistics."""

    def __init__(
        self,
        hass: HomeAssistant,
        *,
        saved: SavedStateStore,
        writer: StatisticsWriter,
        names: Mapping[str, str],
    ) -> None:
        self.hass = hass
        self.saved = saved
        self.writer = writer
        self.names = names
        # Money statistics known to exist (their rows are kept in step even when no tariff
        # prices their flow any more).
        self._existing: dict[str, bool] = {}
        # Per statistic, how many running syncs are writing each day: a pending day is cleared
        # only when none is (one sync finishing must not clear another's).
        self._writing: dict[tuple[str, Flow], Counter[date]] = defaultdict(Counter)

    def begin(self, number: str, flow: Flow, days: Iterable[date]) -> set[date]:
        """A sync is about to write these days' energy: they are pending (save before writing).

        Returns those that were pending already and that no running sync is writing: an
        earlier sync left them behind, and every hour of them is priced.
        """
        days = set(days)
        writing = self._writing[(number, flow)]
        left_behind = {day for day in days if not writing[day]}
        writing.update(days)  # counted with or without a tariff: end() and release() undo it
        if not self.timeline(number):
            return set()
        state = self.saved.state
        pending = state.pending_days(number, flow)
        state.set_pending(number, flow, pending | days)
        return left_behind & pending

    def end(self, number: str, flow: Flow, days: Iterable[date]) -> None:
        """The sync wrote these days' energy and money: no longer pending.

        Unless another running sync is writing them too.
        """
        done = self.release(number, flow, days)
        state = self.saved.state
        state.set_pending(number, flow, state.pending_days(number, flow) - done)

    def release(self, number: str, flow: Flow, days: Iterable[date]) -> set[date]:
        """A sync no longer writes these days (done, or stopped: they stay pending).

        Returns those no running sync writes any more.
        """
        writing = self._writing[(number, flow)]
        done: set[date] = set()
        for day in set(days):
            writing[day] -= 1
            if writing[day] <= 0:
                del writing[day]
                done.add(day)
        return done

    def timeline(self, number: str) -> TariffTimeline:
        """The tariffs of one meter over time."""
        return TariffTimeline.from_list(self.saved.state.tariffs.get(number, []))

    def note_tariff(
        self, moment: datetime, tariff: Tariff | None, numbers: Iterable[str]
    ) -> list[str]:
        """The options' tariff applies from ``moment`` on.

        Returns the meters it is the first tariff of: everything already imported of them is
        to be priced with it (it covers all time before it).
        """
        first: list[str] = []
        changed = False
        for number in numbers:
            timeline = self.timeline(number)
            had = bool(timeline)
            if timeline.change(moment, tariff):
                self.saved.state.tariffs[number] = timeline.as_list()
                changed = True
                if not had and tariff is not None:
                    first.append(number)
        if changed:
            _LOGGER.info("Tariff in effect from %s: %s", moment.isoformat(), tariff)
        return first

    def unpriced_hours(self, number: str, flow: Flow) -> set[datetime]:
        """The hours of a meter's flow that had no price when last priced."""
        return from_ranges(self.saved.state.unpriced.get(flow_key(number, flow), []))

    async def async_follow(
        self,
        number: str,
        flow: Flow,
        energy: SpliceResult,
        days: Iterable[date],
        *,
        interrupted: set[date],
        day_values: set[datetime],
    ) -> PriceReport:
        """Price what an energy splice over ``days`` leaves to price.

        The hours whose energy changed, hours still without a price, every hour of the days an
        earlier sync left behind (``interrupted``), and the first hour of each day that has no
        energy there, for its daily charge. ``day_values``: the hours just written from a day
        value (those not written now are told by their shape). Called under the energy
        statistic's lock.
        """
        timeline = self.timeline(number)
        if not timeline:
            return PriceReport()
        written = {row.start for row in energy.hours} & day_values
        hours = [
            replace(row, day_value=True) if row.start in written else row
            for row in mark_day_values(list(energy.hours))
        ]
        unpriced = self.unpriced_hours(number, flow)
        to_price = [
            row
            for row in hours
            if row.start in energy.changed
            or row.start in unpriced
            or local_day(row.start) in interrupted
        ]
        to_price += self._charge_rows(number, flow, timeline, days, hours)
        return await self.async_price(number, flow, to_price)

    def _charge_rows(
        self,
        number: str,
        flow: Flow,
        timeline: TariffTimeline,
        days: Iterable[date],
        energy: list[HourRow],
    ) -> list[HourRow]:
        """No energy at the first hour of each day that has no row there and a daily charge.

        From the statistic's first day with data on: the charge is due on every day the meter
        is read, with or without energy (a gap, a day still waiting for its data).
        """
        known = self.saved.state.first_day(number, flow)
        with_energy = [local_day(row.start) for row in energy if row.change]
        since = min([day for day in (known, *with_energy) if day is not None], default=None)
        have = {row.start for row in energy}
        return [
            HourRow(midnight, 0.0, None)
            for day in sorted(set(days))
            if since is not None
            and day >= since
            and (midnight := day_start(day)) not in have
            and (tariff := timeline.in_effect(midnight)) is not None
            and tariff.charge(flow) > 0
        ]

    async def async_price(
        self,
        number: str,
        flow: Flow,
        energy: list[HourRow],
        whole_days: Iterable[date] = (),
    ) -> PriceReport:
        """Write the money of these energy rows, one money row each.

        ``whole_days``: the rows are every hour with energy of these days; money the days hold
        at other hours goes (it belonged to energy no longer there).
        """
        timeline = self.timeline(number)
        if not energy or not timeline or not await self._keeps_money(number, flow, timeline):
            return PriceReport()
        result = await async_cost_rows(
            self.hass, timeline, flow, energy, self._in_effect_since(timeline.entities())
        )
        unpriced = self.saved.state.unpriced
        key = flow_key(number, flow)
        hours = (from_ranges(unpriced.get(key, [])) - {row.start for row in energy}) | (
            result.unpriced
        )
        if hours:
            unpriced[key] = to_ranges(hours)
        else:
            unpriced.pop(key, None)
        meta = cost_metadata(
            number, flow, self.names.get(number, number), self.hass.config.currency
        )
        outcome = await self.writer.async_splice(meta, result.rows, whole_days)
        self._existing[meta["statistic_id"]] = True
        return PriceReport(len(result.rows), len(outcome.changed), len(result.unpriced))

    async def _keeps_money(self, number: str, flow: Flow, timeline: TariffTimeline) -> bool:
        """Whether the flow has money: a tariff prices it, or its money statistic exists.

        A flow no tariff ever priced gets no money statistic; one that was priced keeps its
        statistic in step with the energy even after the price is removed (it goes to 0).
        """
        if timeline.ever_prices(flow):
            return True
        money = cost_statistic_id(number, flow)
        if money not in self._existing:
            found = await get_instance(self.hass).async_add_executor_job(
                lambda: get_metadata(self.hass, statistic_ids={money})
            )
            self._existing[money] = bool(found)
        return self._existing[money]

    def _in_effect_since(self, entities: Iterable[str]) -> dict[str, datetime]:
        """Since when each price entity has had its current value, as far as pricing saw it.

        Home Assistant gives a restored helper a new ``last_changed`` at every start; the saved
        state remembers the value and the earliest time it was seen in effect.
        """
        known = self.saved.state.prices_in_effect
        since: dict[str, datetime] = {}
        for entity in entities:
            state = self.hass.states.get(entity)
            if state is None or numeric(state.state) is None:
                continue  # not restored yet, or unavailable: keep what was seen before
            value, seen = known.get(entity, [None, None])
            start = state.last_changed
            if value == state.state and seen is not None:
                start = min(start, datetime.fromisoformat(seen))
            known[entity] = [state.state, start.isoformat()]
            since[entity] = start
        return since

    async def async_price_days(self, number: str, flow: Flow, days: set[date]) -> PriceReport:
        """Price every hour of these days from the energy the statistic holds now."""
        if not days or not self.timeline(number):
            return PriceReport()
        energy = statistic_id(number, flow)
        # Energy must not change between reading it and writing its money.
        async with self.writer.locked(energy):
            stored = await async_read_rows(
                self.hass, energy, day_start(min(days)), day_start(max(days) + ONE_DAY)
            )
            hours = [row for row in mark_day_values(stored) if local_day(row.start) in days]
            hours += self._charge_rows(number, flow, self.timeline(number), days, hours)
            return await self.async_price(number, flow, hours, whole_days=days)

    async def async_recalculate(
        self, numbers: Iterable[str], first: date, last: date, tariff: Tariff | None = None
    ) -> PriceReport:
        """Price ``first``..``last`` again.

        With ``tariff`` the range is priced with it (it overrides the timeline there); without,
        with the timeline as it is. Every hour is written, so an hour the tariff no longer
        prices costs nothing from now on.
        """
        days = set(days_between(first, last))
        report = PriceReport()
        for number in numbers:
            if tariff is not None:
                timeline = self.timeline(number)
                timeline.override(day_start(first), day_start(last + ONE_DAY), tariff)
                self.saved.state.tariffs[number] = timeline.as_list()
            for flow in Flow:
                report.add(await self.async_price_days(number, flow, days))
        _LOGGER.info(
            "Priced %d hours from %s to %s again: %d changed, %d without a price",
            report.hours,
            first,
            last,
            report.changed,
            report.unpriced,
        )
        return report

    async def async_price_what_waits(self, numbers: Iterable[str]) -> None:
        """Price what waits for it (at start, in the background).

        The days a sync that did not finish left behind, and everything the recorder holds of
        the meters whose first tariff was just entered (as far back as any history goes: what
        an earlier load of the entry imported may not be in the saved state yet). What a
        stalled recorder keeps from being written stays pending for the next start.
        """
        state = self.saved.state
        first = list(state.price_pending)
        today = local_day(dt_util.utcnow())
        try:
            for number in numbers:
                for flow in Flow:
                    writing = self._writing[(number, flow)]
                    days = {day for day in state.pending_days(number, flow) if not writing[day]}
                    if days:
                        await self.async_price_days(number, flow, days)
                        done = {day for day in days if not writing[day]}
                        state.set_pending(number, flow, state.pending_days(number, flow) - done)
            if first:
                await self.async_recalculate(
                    first, years_before(today, MAX_HISTORY_YEARS), today - ONE_DAY
                )
                state.price_pending = [n for n in state.price_pending if n not in first]
        except RecorderStalledError:
            pass  # still pending: tried again at the next start
        self.update_issues(numbers)
        await self.saved.async_save()

    def update_issues(self, numbers: Iterable[str]) -> None:
        """Report the hours left out of the cost, per meter."""
        update_unpriced_issues(self.hass, numbers, self.saved.state.unpriced, self.names)
