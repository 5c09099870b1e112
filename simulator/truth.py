"""What the simulated meters really measured: quarter hours, day totals and registers.

Pure and deterministic from the seed. Publication, estimates and faults are applied on top of
this by :mod:`simulator.readings`; tests and benchmarks compare against this truth.
"""

from __future__ import annotations

import functools
from array import array
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from .account import MeterSpec
from .profiles import VIENNA, day_profile, quarter_starts


@dataclass(frozen=True, slots=True)
class DayValues:
    """Quarter-hour starts (UTC) and Wh per quarter hour, import and export, for a local day."""

    starts: tuple[datetime, ...]
    imports: array[int]
    exports: array[int]

    def values(self, feed_in: bool) -> array[int]:
        """Import (consumption) or export (feed-in) values."""
        return self.exports if feed_in else self.imports


@functools.lru_cache(maxsize=16384)
def _day(
    seed: str, number: str, day: date, *, load_scale: float, pv_peak_kw: float, consumes: bool
) -> DayValues:
    imports, exports = day_profile(seed, number, day, load_scale, pv_peak_kw)
    if not consumes:  # a feed-in metering point measures export only
        imports = [0] * len(imports)
    return DayValues(tuple(quarter_starts(day)), array("I", imports), array("I", exports))


class MeterTruth:
    """True values of one meter, with registers accumulated from the installation day."""

    def __init__(self, spec: MeterSpec, seed: str) -> None:
        self.spec = spec
        self.seed = seed
        # _cumulative[flow][i]: register (Wh) at the end of installed + i days.
        self._cumulative: dict[bool, array[int]] = {False: array("Q"), True: array("Q")}
        self._tariff_cumulative: dict[int, array[int]] = {}

    def day(self, day: date) -> DayValues:
        """Quarter hours of a local day; no feed-in before the PV was added."""
        spec = self.spec
        pv_peak_kw = spec.pv_peak_kw if spec.feeds_in_on(day) else 0.0
        return _day(
            self.seed,
            spec.number,
            day,
            load_scale=spec.load_scale,
            pv_peak_kw=pv_peak_kw,
            consumes=spec.consumes,
        )

    def day_total(self, day: date, feed_in: bool) -> int:
        """Wh of a local day: the sum of its quarter hours."""
        return sum(self.day(day).values(feed_in))

    def tariff_total(self, day: date, tariff: int) -> int:
        """Wh consumed on ``day`` in a tariff: 1 from 06:00 to 22:00 local time, 2 otherwise."""
        values = self.day(day)
        return sum(
            wh
            for start, wh in zip(values.starts, values.values(False), strict=True)
            if (6 <= start.astimezone(VIENNA).hour < 22) == (tariff == 1)
        )

    def tariff_register(self, day: date, tariff: int) -> int:
        """The tariff register (Wh) at the end of ``day``; together they make the 1.8.0 one."""
        first = round(self.spec.initial_import_wh * 0.6)
        initial = first if tariff == 1 else self.spec.initial_import_wh - first
        cumulative = self._tariff_cumulative.setdefault(tariff, array("Q"))
        index = (day - self.spec.installed).days
        while len(cumulative) <= index:
            previous = cumulative[-1] if cumulative else initial
            next_day = self.spec.installed + timedelta(days=len(cumulative))
            cumulative.append(previous + self.tariff_total(next_day, tariff))
        return cumulative[index]

    def register(self, day: date, feed_in: bool) -> int:
        """The register (Wh) at the end of ``day``: initial value plus every day since."""
        index = (day - self.spec.installed).days
        if index < 0:
            raise ValueError(f"{self.spec.number} was installed on {self.spec.installed}")
        cumulative = self._cumulative[feed_in]
        initial = self.spec.initial_export_wh if feed_in else self.spec.initial_import_wh
        while len(cumulative) <= index:
            previous = cumulative[-1] if cumulative else initial
            next_day = self.spec.installed + timedelta(days=len(cumulative))
            cumulative.append(previous + self.day_total(next_day, feed_in))
        return cumulative[index]
