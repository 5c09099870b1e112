"""From the readings of some days to statistics: rows per meter and flow, and what was found.

Used for the coordinator's window after each update (continuation and corrections), for each
chunk of the backfill, and for the re-import action. The same hours are priced right after
their energy is written, so cost and compensation move with it. Held-back days, gaps and meter
replacements are remembered in the import state and shown as repair issues.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date

from homeassistant.core import HomeAssistant

from .api import Direction
from .hourly import DayRows, HourRow, day_value_day, quarter_hour_day
from .import_state import ImportStateStore, day_key
from .importer import StatisticsImporter, metadata
from .issues import update_gap_issues, update_held_issues
from .pricing import Pricing
from .store import MeterStore

_LOGGER = logging.getLogger(__name__)

FLOW_NAMES = {Direction.CONSUMPTION: "consumption", Direction.FEED_IN: "feed-in"}


@dataclass(slots=True)
class SyncReport:
    """Rows written, stored hours corrected, and hours whose price was unknown."""

    written: int = 0
    corrected: int = 0
    unpriced: int = 0


class StatisticsSync:
    """Turns stores into statistics rows and keeps the import state."""

    def __init__(
        self,
        hass: HomeAssistant,
        entry_id: str,
        state: ImportStateStore,
        title: Callable[[str], str],
    ) -> None:
        self.hass = hass
        self.entry_id = entry_id
        self.importer = StatisticsImporter(hass)
        self.state_store = state
        self.title = title
        self.pricing = Pricing(hass, state, self.importer, title)

    async def async_sync(
        self,
        stores: dict[str, MeterStore],
        days: Iterable[date],
        quarter_hour_meters: set[str],
        settled_before: date,
    ) -> SyncReport:
        """Import the given days of every store; days before ``settled_before`` are settled."""
        days = sorted(days)
        report = SyncReport()
        for number, store in stores.items():
            self._note_replacements(number, store)
            for flow in sorted(store.flows):
                rows: list[HourRow] = []
                for day in days:
                    if number in quarter_hour_meters:
                        result = quarter_hour_day(
                            store,
                            flow,
                            day,
                            settled=day < settled_before,
                            force=day_key(number, flow, day) in self.state_store.state.forced,
                        )
                    else:
                        result = day_value_day(store, flow, day)
                    self._note(number, flow, day, result)
                    rows.extend(result.rows)
                name = f"{self.title(number)} {FLOW_NAMES[flow]}"
                outcome = await self.importer.async_splice(metadata(number, flow, name), rows)
                report.written += outcome.written
                report.corrected += outcome.corrected
                report.unpriced += await self.pricing.async_price(number, flow, rows)
        if report.corrected:
            _LOGGER.info(
                "Corrected %d hours in the statistics to match Wiener Netze", report.corrected
            )
        update_held_issues(self.hass, self.entry_id, self.state_store.state.held, self.title)
        update_gap_issues(self.hass, stores, self.state_store.state.gaps, self.title)
        self.pricing.update_issues(stores)
        await self.state_store.async_save()
        return report

    def _note(self, number: str, flow: Direction, day: date, result: DayRows) -> None:
        state = self.state_store.state
        key = day_key(number, flow, day)
        if result.held is not None:
            state.held[key] = {
                "quarter_hours": round(result.held.quarter_hour_total, 3),
                "day": None if result.held.day_total is None else round(result.held.day_total, 3),
            }
            return
        if not result.rows:
            return  # nothing known of this day here: keep what was found before
        state.held.pop(key, None)
        if result.missing:
            state.gaps[key] = result.missing
        else:
            state.gaps.pop(key, None)
        if state.first_data is None or day.isoformat() < state.first_data:
            state.first_data = day.isoformat()

    def _note_replacements(self, number: str, store: MeterStore) -> None:
        """A register that goes down means a new meter: record it once, and log it."""
        state = self.state_store.state
        for flow in store.flows:
            registers = store.registers[flow]
            for day in sorted(registers):
                before = registers.get(date.fromordinal(day.toordinal() - 1))
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
                        self.title(number),
                        FLOW_NAMES[flow],
                        before.value,
                        registers[day].value,
                        day.isoformat(),
                    )
