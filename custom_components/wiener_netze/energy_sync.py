"""From the readings of some days to energy statistics: rows per meter and flow, and findings.

Used for the coordinator's window after each update (continuation and corrections), for each
round of the history import, and for the re-import action. Each meter's days are those read for
it: a day not read for a meter keeps its state. The hours whose energy a write changed are priced
right after it (:mod:`.cost_sync`), so cost and compensation move with it; the days being written
are recorded as pending first, so a stop between energy and money leaves nothing unpriced. What
each day turned out to be (data, waiting, held, a gap) is :mod:`.day_life`'s; meter replacements
are remembered in the saved state, and held days and gaps shown as repair issues. Complete days
go into the ledger, and their base load into its statistic (:mod:`.day_ledger`), before a day
can settle.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date

from homeassistant.core import HomeAssistant
from homeassistant.util import dt as dt_util

from .api import Flow
from .api.vienna_time import ONE_DAY, local_day
from .cost_sync import CostSync
from .day_ledger import DayLedger
from .day_life import DayState, is_final, note_day, settle
from .energy_rows import DayRows, closing_registers, day_rows
from .held_days import is_released
from .issues import update_gap_issues, update_held_issues
from .meter_store import MeterStore
from .saved_state import SavedStateStore, day_key
from .statistic_ids import FLOW_NAMES, metadata
from .statistics_writer import StatisticsWriter

_LOGGER = logging.getLogger(__name__)


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
        ledger: DayLedger,
        names: Mapping[str, str],
    ) -> None:
        self.hass = hass
        self.ledger = ledger
        self.entry_id = entry_id
        self.writer = writer
        self.saved = saved
        self.cost_sync = cost_sync
        self.names = names

    async def async_sync(
        self,
        stores: Mapping[str, MeterStore],
        days: Mapping[str, Iterable[date]],
        quarter_hour_meters: set[str],
        settled_before: date,
        today: date | None = None,
    ) -> SyncReport:
        """Import each meter's days read (``days``) from its store.

        Days before ``settled_before`` are settled: imported in their final form, and final
        once none of the meter's statistics waits for its data or is held (:mod:`.day_life`).
        Raises :class:`.statistics_writer.RecorderStalledError` when the recorder does not confirm
        a write in time; what was not written is written by a later sync.
        """
        today = today or local_day(dt_util.utcnow())
        wanted = {number: sorted(set(days[number])) for number in stores if days.get(number)}
        # Before any energy is written: the days whose money a stop could leave behind.
        interrupted = self._mark_pending(stores, wanted)
        await self.saved.async_save()
        report = SyncReport()
        ended: set[tuple[str, Flow]] = set()
        try:
            for number, meter_days in wanted.items():
                store = stores[number]
                self._note_replacements(number, store)
                self._note_quarter_hours(number, store)
                results = {
                    flow: self._rows(
                        number,
                        store,
                        flow,
                        meter_days,
                        quarter_hours=number in quarter_hour_meters,
                        settled_before=settled_before,
                    )
                    for flow in sorted(store.flows)
                }
                for flow, found in results.items():
                    await self._write_and_price(
                        number,
                        flow,
                        found,
                        meter_days,
                        interrupted=interrupted.get((number, flow), set()),
                        report=report,
                    )
                    ended.add((number, flow))
                await self.ledger.async_follow(
                    number,
                    store,
                    meter_days,
                    quarter_hours=number in quarter_hour_meters,
                    settled_before=settled_before,
                    today=today,
                )
                self._note_days(number, results, meter_days, settled_before, today)
        finally:
            # A sync that stopped short leaves its days pending, no longer written by it.
            for number, flow in interrupted.keys() - ended:
                self.cost_sync.release(number, flow, wanted[number])
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

    def _mark_pending(
        self, stores: Mapping[str, MeterStore], wanted: Mapping[str, list[date]]
    ) -> dict[tuple[str, Flow], set[date]]:
        """The days about to be written are pending money.

        Returns those an earlier sync left behind (every hour of them is priced).
        """
        return {
            (number, flow): self.cost_sync.begin(number, flow, meter_days)
            for number, meter_days in wanted.items()
            for flow in stores[number].flows
        }

    def _rows(
        self,
        number: str,
        store: MeterStore,
        flow: Flow,
        days: list[date],
        *,
        quarter_hours: bool,
        settled_before: date,
    ) -> dict[date, DayRows]:
        """What each of ``days`` of one statistic contributes, from its best source."""
        closing = closing_registers(store, flow, days)
        known = self.saved.state.quarter_hours_from.get(number)
        since = date.fromisoformat(known) if known else None
        return {
            day: day_rows(
                store,
                flow,
                day,
                closing,
                settled=day < settled_before,
                quarter_hours_expected=quarter_hours,
                quarter_hours_since=since,
                released=is_released(self.saved.state, day_key(number, flow, day)),
            )
            for day in days
        }

    async def _write_and_price(
        self,
        number: str,
        flow: Flow,
        found: dict[date, DayRows],
        days: list[date],
        *,
        interrupted: set[date],
        report: SyncReport,
    ) -> None:
        """Write one statistic's rows, then the money of what changed.

        Under the energy lock: two syncs of one statistic cannot price from each other's stale
        energy.
        """
        rows = [row for result in found.values() for row in result.rows]
        whole_days = [day for day, result in found.items() if result.whole_day]
        meta = metadata(number, flow, self.names.get(number, number))
        async with self.writer.locked(meta["statistic_id"]):
            outcome = await self.writer.async_splice(
                meta, rows, whole_days, covering=days, locked=True
            )
            report.written += outcome.written
            report.corrected += outcome.corrected
            day_values = {row.start for row in rows if row.day_value}
            money = await self.cost_sync.async_follow(
                number, flow, outcome, days, interrupted=interrupted, day_values=day_values
            )
            report.unpriced += money.unpriced
        self.cost_sync.end(number, flow, days)

    def _note_days(
        self,
        number: str,
        results: Mapping[Flow, dict[date, DayRows]],
        days: list[date],
        settled_before: date,
        today: date,
    ) -> None:
        """What each day of the meter turned out to be; settled days that are final settle."""
        state = self.saved.state
        final: list[date] = []
        for day in days:
            settled = day < settled_before
            with_data = any(found[day].rows or found[day].held for found in results.values())
            states: list[DayState | None] = [
                note_day(
                    state,
                    number,
                    flow,
                    day,
                    found[day],
                    settled=settled,
                    meter_has_data=with_data,
                    today=today,
                )
                for flow, found in results.items()
            ]
            if settled and is_final(states, day, today):
                final.append(day)
        settle(state, number, final)

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
