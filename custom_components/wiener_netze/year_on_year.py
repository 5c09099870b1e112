"""This month against the same days of the same month last year.

For each meter and flow: the energy from the first of the month of its newest complete day up
to that day (from the store, as the month-to-date sensor has it), the same days a year earlier (29
February compares with the 28th) from the recorder, and the change in per cent. When a day of
this month is not complete, or a day of last year's range has no row in the recorder (not
imported yet, before the history, a gap), there is no comparison: the sensors are unavailable,
never 0. Last year's sums are read once per range, in the background, and again while missing
when the history import moved.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from homeassistant.core import HomeAssistant

from .api import Flow
from .api.vienna_time import ONE_DAY, day_start, days_between, local_day, years_before
from .meter_store import MeterStore
from .statistic_ids import statistic_id
from .statistics_writer import async_read_rows

type Key = tuple[str, Flow]


@dataclass(frozen=True, slots=True)
class Comparison:
    """This month up to ``last`` against the same days last year, in kWh."""

    first: date
    last: date
    this_year: float
    last_year: float

    @property
    def change(self) -> float | None:
        """The change in per cent (None when last year had no energy)."""
        if self.last_year <= 0:
            return None
        return (self.this_year / self.last_year - 1) * 100

    @property
    def last_year_days(self) -> tuple[date, date]:
        """The first and last day of last year's range."""
        return last_year_range(self.last)


def last_year_range(last: date) -> tuple[date, date]:
    """The days a year before the first of ``last``'s month up to ``last``."""
    return years_before(last.replace(day=1), 1), years_before(last, 1)


def this_month(store: MeterStore, flow: Flow, last: date, quarter_hours: bool) -> float | None:
    """The energy of the first of the month up to ``last`` (None unless every day is there).

    As the month-to-date sensor sums it: a meter read by quarter hours by its quarter hours.
    """
    total = 0.0
    for day in days_between(last.replace(day=1), last):
        if quarter_hours:
            energy = store.quarter_hour_total(flow, day)
        else:
            reading = store.days[flow].get(day)
            energy = None if reading is None else reading.value
        if energy is None:
            return None
        total += energy
    return total


async def async_sum_of_days(
    hass: HomeAssistant, statistic: str, first: date, last: date
) -> float | None:
    """The energy of the local days ``first``..``last`` (None unless each has a row)."""
    rows = await async_read_rows(hass, statistic, day_start(first), day_start(last + ONE_DAY))
    if {local_day(row.start) for row in rows} != set(days_between(first, last)):
        return None
    return sum(row.change for row in rows)


class YearOnYear:
    """Last year's sums of an entry's meters and flows, and the comparisons made with them."""

    def __init__(self, hass: HomeAssistant) -> None:
        self.hass = hass
        # Per meter and flow: last year's range read, its energy (None: not all there), and the
        # generation it was read in (older than ``_generation``: to be read again, kept till then).
        self._last_year: dict[Key, tuple[tuple[date, date], float | None, int]] = {}
        self._generation = 0

    def _to_read(self, key: Key, last: date, missing_too: bool) -> bool:
        """Whether a range is not read yet (or, ``missing_too``, was read incomplete)."""
        known = self._last_year.get(key)
        if known is None or known[0] != last_year_range(last) or known[2] < self._generation:
            return True
        return missing_too and known[1] is None

    def wanted(self, targets: Mapping[Key, date], *, missing_too: bool) -> bool:
        """Whether any range is to be read."""
        return any(self._to_read(key, last, missing_too) for key, last in targets.items())

    async def async_read(self, targets: Mapping[Key, date], *, missing_too: bool) -> None:
        """Read last year's ranges that are new (or were incomplete) from the recorder."""
        for key, last in targets.items():
            if self._to_read(key, last, missing_too):
                wanted, generation = last_year_range(last), self._generation
                found = await async_sum_of_days(self.hass, statistic_id(*key), *wanted)
                self._last_year[key] = (wanted, found, generation)

    def forget(self) -> None:
        """Days of last year were imported again: read every range again, keep it till then.

        A read already running when this is called counts as old.
        """
        self._generation += 1

    def compare(
        self,
        stores: Mapping[str, MeterStore],
        quarter_hours: set[str],
        targets: Mapping[Key, date],
    ) -> dict[Key, Comparison]:
        """The comparisons whose both months are complete."""
        found: dict[Key, Comparison] = {}
        for (number, flow), last in targets.items():
            known = self._last_year.get((number, flow))
            if known is None or known[0] != last_year_range(last) or known[1] is None:
                continue
            this_year = this_month(stores[number], flow, last, number in quarter_hours)
            if this_year is not None:
                found[number, flow] = Comparison(last.replace(day=1), last, this_year, known[1])
        return found
