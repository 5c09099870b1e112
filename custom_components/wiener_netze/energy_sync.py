"""From the readings of some days to energy statistics: rows per meter and flow, and findings.

Used for the coordinator's window after each update (continuation and corrections), for each
chunk of the history import, and for the re-import action. The same hours are priced right
after their energy is written (:mod:`.cost_sync`), so cost and compensation move with it.
Held-back days, gaps and meter replacements are remembered in the saved state and shown as
repair issues.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime

from homeassistant.components.recorder.models import StatisticMetaData
from homeassistant.core import HomeAssistant

from .api import Flow
from .api.vienna_time import ONE_DAY, local_day, local_midnight
from .cost_sync import CostSync
from .energy_rows import DayRows, closing_registers, day_rows
from .held_days import is_released, note_held
from .issues import update_gap_issues, update_held_issues
from .meter_store import MeterStore
from .saved_state import SavedStateStore, day_key
from .statistic_ids import metadata
from .statistics_writer import HourRow, StatisticsWriter

_LOGGER = logging.getLogger(__name__)


def day_start(moment: datetime) -> datetime:
    """The UTC hour the local day of ``moment`` starts at."""
    return local_midnight(local_day(moment)).astimezone(UTC)


FLOW_NAMES = {Flow.CONSUMPTION: "consumption", Flow.FEED_IN: "feed-in"}


@dataclass(slots=True)
class SyncReport:
    """Rows written, stored hours corrected, and hours whose price was unknown."""

    written: int = 0
    corrected: int = 0
    unpriced: int = 0

    def add(self, other: SyncReport) -> None:
        """Count ``other``'s rows and hours too (a range read in several rounds)."""
        self.written += other.written
        self.corrected += other.corrected
        self.unpriced += other.unpriced


class EnergySync:
    """Turns stores into energy statistics rows, has them priced, and keeps the findings."""

    def __init__(
        self,
        hass: HomeAssistant,
        entry_id: str,
        *,
        saved: SavedStateStore,
        writer: StatisticsWriter,
        cost_sync: CostSync,
        names: Mapping[str, str],
    ) -> None:
        self.hass = hass
        self.entry_id = entry_id
        self.writer = writer
        self.saved = saved
        self.cost_sync = cost_sync
        self.names = names

    async def async_sync(
        self,
        stores: Mapping[str, MeterStore],
        days: Mapping[str, Iterable[date]] | Iterable[date],
        quarter_hour_meters: set[str],
        settled_before: date,
    ) -> SyncReport:
        """Import the given days of every store (the same days, or each meter's own).

        Days before ``settled_before`` are settled: imported in their final form and recorded
        as such, once every flow of the meter is written.
        """
        shared = None if isinstance(days, Mapping) else sorted(days)
        report = SyncReport()
        for number, store in stores.items():
            meter_days = shared if shared is not None else sorted(days[number])  # type: ignore[index]
            if not meter_days:
                continue
            self._note_replacements(number, store)
            self._note_quarter_hours(number, store)
            for flow in sorted(store.flows):
                await self._sync_flow(
                    number,
                    store,
                    flow,
                    meter_days,
                    expected=number in quarter_hour_meters,
                    settled_before=settled_before,
                    report=report,
                )
            self.saved.state.settle(number, (day for day in meter_days if day < settled_before))
        if report.corrected:
            _LOGGER.info(
                "Corrected %d hours in the statistics to match Wiener Netze", report.corrected
            )
        self.update_issues(stores)
        self.cost_sync.update_issues(stores)
        await self.saved.async_save()
        return report

    def update_issues(self, numbers: Iterable[str]) -> None:
        """The held-day and gap issues of these meters, as the saved state has them."""
        update_held_issues(self.hass, self.entry_id, self.saved.state.held, self.names)
        update_gap_issues(self.hass, numbers, self.saved.state.gaps, self.names)

    async def _sync_flow(
        self,
        number: str,
        store: MeterStore,
        flow: Flow,
        days: list[date],
        *,
        expected: bool,
        settled_before: date,
        report: SyncReport,
    ) -> None:
        """Rows of one statistic for ``days``, written, priced, their findings noted."""
        closing = closing_registers(store, flow, days)
        known = self.saved.state.quarter_hours_from.get(number)
        since = date.fromisoformat(known) if known else None
        rows: list[HourRow] = []
        whole_days: list[date] = []
        for day in days:
            result = day_rows(
                store,
                flow,
                day,
                closing,
                settled=day < settled_before,
                quarter_hours_expected=expected,
                quarter_hours_since=since,
                released=is_released(self.saved.state, day_key(number, flow, day)),
            )
            self._note(number, flow, day, result)
            rows.extend(result.rows)
            if result.whole_day:
                whole_days.append(day)
        name = f"{self.names.get(number, number)} {FLOW_NAMES[flow]}"
        # Energy and its money are one step: shielded, so a reload that cancels this sync does
        # not leave energy written whose money never follows (a later sync sees the energy
        # unchanged and prices nothing); under the energy lock, so two syncs of one statistic
        # cannot price from each other's stale energy.
        await asyncio.shield(
            self._write_and_price(
                number, flow, metadata(number, flow, name), rows, whole_days, report=report
            )
        )

    async def _write_and_price(
        self,
        number: str,
        flow: Flow,
        meta: StatisticMetaData,
        rows: list[HourRow],
        whole_days: list[date],
        *,
        report: SyncReport,
    ) -> None:
        async with self.writer.locked(meta["statistic_id"]):
            outcome = await self.writer.async_splice(meta, rows, whole_days, locked=True)
            report.written += outcome.written
            report.corrected += outcome.corrected
            # Money follows the energy that changed: its hours, each of their days' first hour
            # (the daily charge), hours still without a price; hours a day emptied cost nothing.
            emptied = [HourRow(start, 0.0, None) for start in outcome.emptied]
            unpriced = self.cost_sync.unpriced_hours(number, flow)
            changed_days = {local_day(hour) for hour in outcome.changed_hours}
            to_price = [
                row
                for row in rows
                if row.start in outcome.changed_hours
                or row.start in unpriced
                or (local_day(row.start) in changed_days and row.start == day_start(row.start))
            ]
            if to_price or emptied:
                report.unpriced += await self.cost_sync.async_price(
                    number, flow, to_price + emptied
                )

    def _note(self, number: str, flow: Flow, day: date, result: DayRows) -> None:
        """Remember what a day turned out to be: held, a gap, or the first day with data."""
        state = self.saved.state
        key = day_key(number, flow, day)
        if result.held is not None:
            note_held(state, key, result.held)
            return
        if result.rows:
            note_held(state, key, None)
            state.note_data(number, flow, day)
        elif not result.missing:
            return  # nothing known of this day here: keep what was found before
        first = state.first_day(number, flow)
        if result.missing and first is not None and day > first:
            state.gaps[key] = result.missing  # no day before the first with data is a gap
        else:
            state.gaps.pop(key, None)

    def _note_quarter_hours(self, number: str, store: MeterStore) -> None:
        """Remember the first day the meter had quarter hours.

        A later day without them is a gap; an earlier one a day of day values.
        """
        starts = [min(store.intervals[flow]) for flow in store.flows if store.intervals[flow]]
        if not starts:
            return
        first = local_day(min(starts))
        known = self.saved.state.quarter_hours_from.get(number)
        if known is None or first.isoformat() < known:
            self.saved.state.quarter_hours_from[number] = first.isoformat()

    def _note_replacements(self, number: str, store: MeterStore) -> None:
        """A register that goes down means a new meter: record it once, and log it."""
        state = self.saved.state
        for flow in store.flows:
            registers = store.registers[flow]
            for day in sorted(registers):
                before = registers.get(day - ONE_DAY)
                if before is None or registers[day].value >= before.value:
                    continue
                record = {
                    "meter": number,
                    "flow": flow.value,
                    "day": day.isoformat(),
                    "old_register": before.value,
                    "new_register": registers[day].value,
                }
                if record not in state.replacements:
                    state.replacements.append(record)
                    _LOGGER.warning(
                        "%s: the %s register went from %.3f to %.3f kWh on %s; treating it as "
                        "a meter replacement (sums follow the intervals, the state the new "
                        "register)",
                        self.names.get(number, number),
                        FLOW_NAMES[flow],
                        before.value,
                        registers[day].value,
                        day.isoformat(),
                    )
