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
from .settings import Settings


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
    seed: str,
    number: str,
    day: date,
    *,
    load_scale: float,
    pv_peak_kw: float,
    consumes: bool,
    standby_w: float | None = None,
    extra_wh: int = 0,
    raise_w: float = 0.0,
) -> DayValues:
    imports, exports = day_profile(
        seed,
        number,
        day,
        load_scale,
        pv_peak_kw,
        standby_w=standby_w,
        extra_wh=extra_wh,
        raise_w=raise_w,
    )
    if not consumes:  # a feed-in metering point measures export only
        imports = [0] * len(imports)
    return DayValues(tuple(quarter_starts(day)), array("I", imports), array("I", exports))


# What of the settings changes day totals; registers are accumulated once per shape.
type Shape = tuple[object, ...] | None


class MeterTruth:
    """True values of one meter, with registers accumulated from the installation day.

    ``settings`` is the simulator's live :class:`Settings` (None: no known standby, no unusual
    days): the ``standby`` and unusual-day settings shape the load, and a change of them while
    running starts a fresh accumulation of the registers.
    """

    def __init__(self, spec: MeterSpec, seed: str, settings: Settings | None = None) -> None:
        self.spec = spec
        self.seed = seed
        self.settings = settings
        # _cumulative[shape, flow][i]: register (Wh) at the end of installed + i days.
        self._cumulative: dict[tuple[Shape, bool], array[int]] = {}
        self._tariff_cumulative: dict[tuple[Shape, int], array[int]] = {}

    def _shape(self) -> Shape:
        """The settings that change day totals, as a key of the registers' accumulation."""
        settings = self.settings
        if settings is None:
            return None
        return (
            settings.standby,
            self.spec.standby_w,
            tuple(settings.unusual_meters),
            tuple(settings.extra_kwh_days),
            settings.extra_kwh,
            settings.standby_raised_from,
            settings.standby_raise_w,
            settings.standby_raise_days,
        )

    def _unusual(self) -> bool:
        """Whether the unusual-day settings apply: a meter that consumes, of ``unusual_meters``.

        An empty ``unusual_meters`` means every meter.
        """
        settings = self.settings
        if settings is None or not self.spec.consumes:
            return False
        return not settings.unusual_meters or self.spec.number in settings.unusual_meters

    def _raise_w(self, day: date) -> float:
        """W the standby is raised by on ``day`` (``standby_raised_from`` and the days after)."""
        settings = self.settings
        if settings is None or settings.standby_raised_from is None or not self._unusual():
            return 0.0
        offset = (day - settings.standby_raised_from).days
        lasts = settings.standby_raise_days
        if offset < 0 or (lasts and offset >= lasts):
            return 0.0
        return settings.standby_raise_w

    def standby_w(self, day: date) -> float | None:
        """The known base load (W) on ``day``, a raise included; None with ``standby`` off.

        0.0 for a meter that does not consume.
        """
        settings = self.settings
        if settings is None or not settings.standby:
            return None
        if not self.spec.consumes:
            return 0.0
        return self.spec.standby_w + self._raise_w(day)

    def extra_wh(self, day: date) -> int:
        """Wh consumed on ``day`` on top of the profile (``extra_kwh_days``), 0 on most days."""
        settings = self.settings
        if settings is None or day not in settings.extra_kwh_days or not self._unusual():
            return 0
        return round(settings.extra_kwh * 1000)

    def day(self, day: date) -> DayValues:
        """Quarter hours of a local day; no feed-in before the PV was added."""
        spec = self.spec
        pv_peak_kw = spec.pv_peak_kw if spec.feeds_in_on(day) else 0.0
        standby_w = self.standby_w(day)
        return _day(
            self.seed,
            spec.number,
            day,
            load_scale=spec.load_scale,
            pv_peak_kw=pv_peak_kw,
            consumes=spec.consumes,
            standby_w=standby_w,
            extra_wh=self.extra_wh(day),
            # With standby on the raise is part of it; off, it is added to the load alone.
            raise_w=self._raise_w(day) if standby_w is None else 0.0,
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
        cumulative = self._tariff_cumulative.setdefault((self._shape(), tariff), array("Q"))
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
        cumulative = self._cumulative.setdefault((self._shape(), feed_in), array("Q"))
        initial = self.spec.initial_export_wh if feed_in else self.spec.initial_import_wh
        while len(cumulative) <= index:
            previous = cumulative[-1] if cumulative else initial
            next_day = self.spec.installed + timedelta(days=len(cumulative))
            cumulative.append(previous + self.day_total(next_day, feed_in))
        return cumulative[index]
