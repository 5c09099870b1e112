"""The recent complete days of each meter: what each consumed, and its base load.

Kept in the saved state for the last :data:`LEDGER_DAYS` days: the unusual-day event compares a
new day with the same weekday of the weeks before (:mod:`.unusual_watch`), the base-load sensor
shows the newest. A day enters once its consumption is complete and validated: a meter read by
quarter hours needs every quarter hour, none rejected, agreeing with the day value (then it also
has a base load, :mod:`.base_load`); a meter read by day needs its validated day value. Held,
released, estimated and incomplete days stay out. Each sync decides the days it wrote afresh, so
a day a later answer makes less leaves again. A day's base load goes into the base-load statistic
(:mod:`.base_load_statistics`) once the day is settled (out of the correction window, where
Wiener Netze may still change it: a row once written cannot be taken back), and before the
ledger records that it is there: a stalled recorder leaves the day to the next sync.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta

from .api import Flow
from .base_load import day_base_load
from .base_load_statistics import async_write_base_load
from .held_days import is_released
from .meter_store import MeterStore
from .saved_state import SavedState, SavedStateStore, day_key
from .statistics_writer import StatisticsWriter

# Eight weeks of references and a week of newly delivered days, with a little to spare.
LEDGER_DAYS = 70


@dataclass(frozen=True, slots=True)
class DayEntry:
    """One complete day of one meter: kWh consumed, and its base load in W (None: by day)."""

    kwh: float
    base_load: float | None
    # Whether the base load is in the statistic.
    written: bool = False


def day_entry(
    store: MeterStore, day: date, *, quarter_hours: bool, released: bool
) -> DayEntry | None:
    """What ``day`` adds to the ledger, or None while it is not complete and validated."""
    flow = Flow.CONSUMPTION
    if flow not in store.flows:
        return None
    if quarter_hours:
        base = None if released else day_base_load(store, day)
        if base is None:
            return None
        return DayEntry(store.quarter_hour_total(flow, day) or 0.0, base)
    reading = store.days[flow].get(day)
    if reading is None or not reading.is_validated:
        return None
    return DayEntry(reading.value, None)


def entries(state: SavedState, number: str) -> dict[date, DayEntry]:
    """The ledger of one meter, by day."""
    return {
        date.fromisoformat(day): DayEntry(
            float(values[0] or 0.0),
            None if values[1] is None else float(values[1]),
            bool(values[2]) if len(values) > 2 else False,
        )
        for day, values in state.ledger.get(number, {}).items()
    }


def newest_base_load(state: SavedState, number: str) -> tuple[date, float] | None:
    """The newest day of a meter with a base load, and the base load in W."""
    found = [
        (day, entry.base_load)
        for day, entry in entries(state, number).items()
        if entry.base_load is not None
    ]
    return max(found, default=None)


class DayLedger:
    """Keeps each meter's ledger, and writes the base load of the days it learns of."""

    def __init__(
        self,
        saved: SavedStateStore,
        writer: StatisticsWriter,
        names: Mapping[str, str],
        *,
        base_load: bool,
    ) -> None:
        self.saved = saved
        self.writer = writer
        self.names = names
        self.base_load = base_load

    async def async_follow(
        self,
        number: str,
        store: MeterStore,
        days: Iterable[date],
        *,
        quarter_hours: bool,
        settled_before: date,
        today: date,
    ) -> None:
        """Decide ``days`` of a meter afresh from its store; write settled base loads.

        Those not in the statistic yet, or changed. Raises
        :class:`.statistics_writer.RecorderStalledError` before anything is recorded.
        """
        state = self.saved.state
        found = {
            day: day_entry(
                store,
                day,
                quarter_hours=quarter_hours,
                released=is_released(state, day_key(number, Flow.CONSUMPTION, day)),
            )
            for day in days
        }
        known = entries(state, number)
        write: dict[date, float] = {}
        for day, entry in found.items():
            if not self.base_load or entry is None or entry.base_load is None:
                continue
            before = known.get(day)
            if day < settled_before and not (
                before is not None and before.written and before.base_load == entry.base_load
            ):
                write[day] = entry.base_load
        await async_write_base_load(self.writer, number, self.names.get(number, number), write)
        horizon = today - timedelta(days=LEDGER_DAYS)
        ledger = {
            day: values
            for day, values in state.ledger.get(number, {}).items()
            if date.fromisoformat(day) >= horizon
        }
        for day, entry in found.items():
            if entry is None:
                ledger.pop(day.isoformat(), None)
            elif day >= horizon:
                # A base load is in the ledger only while base load is switched on.
                base = entry.base_load if self.base_load else None
                before = known.get(day)
                written = day in write or (
                    before is not None and before.written and before.base_load == base
                )
                ledger[day.isoformat()] = [round(entry.kwh, 6), base, written]
        state.ledger[number] = dict(sorted(ledger.items()))
