"""Keeps the cost and compensation statistics in step with the energy statistics.

Whenever energy rows are spliced (history import, continuation, corrections, held days
released or imported once fixed), the same hours are priced and spliced into the money
statistics, so their later sums move with the energy. Tariff timelines and hours without a
price live in the saved state.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from datetime import date, datetime

from homeassistant.core import HomeAssistant

from .api import Flow
from .api.vienna_time import ONE_DAY, local_midnight
from .cost_rows import async_cost_rows
from .issues import update_unpriced_issues
from .price_history import numeric
from .saved_state import SavedStateStore, flow_key, from_ranges, to_ranges
from .statistic_ids import cost_metadata, statistic_id
from .statistics_writer import HourRow, StatisticsWriter, async_read_rows, mark_day_values
from .tariff import Tariff, TariffTimeline

_LOGGER = logging.getLogger(__name__)

COST_NAMES = {Flow.CONSUMPTION: "consumption cost", Flow.FEED_IN: "feed-in compensation"}


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

    async def async_price(self, number: str, flow: Flow, energy: list[HourRow]) -> int:
        """Write the money of these energy rows; returns how many hours had no price."""
        timeline = self.timeline(number)
        if not energy or not timeline:
            return 0
        result = await async_cost_rows(
            self.hass, timeline, flow, energy, self._in_effect_since(timeline.entities())
        )
        unpriced = self.saved.state.unpriced
        key = flow_key(number, flow)
        hours = (from_ranges(unpriced.get(key, [])) - result.priced) | result.unpriced
        if hours:
            unpriced[key] = to_ranges(hours)
        else:
            unpriced.pop(key, None)
        name = f"{self.names.get(number, number)} {COST_NAMES[flow]}"
        meta = cost_metadata(number, flow, name, self.hass.config.currency)
        await self.writer.async_splice(meta, result.rows)
        return len(result.unpriced)

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

    async def async_recalculate(
        self, numbers: Iterable[str], first: date, last: date, tariff: Tariff | None = None
    ) -> int:
        """Price ``first``..``last`` again; returns the hours re-priced.

        With ``tariff`` the range is priced with it (it overrides the timeline there); without,
        with the timeline as it is.
        """
        start = local_midnight(first)
        end = local_midnight(last + ONE_DAY)
        repriced = 0
        for number in numbers:
            if tariff is not None:
                timeline = self.timeline(number)
                timeline.override(start, end, tariff)
                self.saved.state.tariffs[number] = timeline.as_list()
            for flow in COST_NAMES:
                energy = statistic_id(number, flow)
                # Energy must not change between reading it and writing its money.
                async with self.writer.locked(energy):
                    rows = mark_day_values(await async_read_rows(self.hass, energy, start, end))
                    await self.async_price(number, flow, rows)
                repriced += len(rows)
        _LOGGER.info("Re-priced %d hours from %s to %s", repriced, first, last)
        return repriced

    def update_issues(self, numbers: Iterable[str]) -> None:
        """Report the hours left out of the cost, per meter."""
        update_unpriced_issues(self.hass, numbers, self.saved.state.unpriced, self.names)
