"""Whether a day lies outside what the same weekday of the weeks before makes expected.

The band is robust: the median ``m`` of the references, and ``s = 1.4826 x`` their median
absolute deviation (what the standard deviation of normal data would be, unmoved by one odd
week), at least 10 % of ``m`` and a small floor for rounding. Eight references give a narrow
deviation by chance, and a household's days differ by a tenth without anything out of the
ordinary (weather, a guest, the season moving on): with the default ``k`` of 3 a day must lie
at least 30 % from the median. A day is unusual when it lies more than ``k x s`` from ``m``
(``k`` is the band option). The references are the same weekday of the
last :data:`REFERENCE_WEEKS` weeks that are in the ledger; with fewer than
:data:`MIN_REFERENCES` nothing is judged. Consumption is compared per hour of the day, so the
23- and 25-hour days of the clock changes are not unusual by their length; the band is scaled
back to the day's hours for the event. A base load that stays raised is named once, on the first
day judged outside: :mod:`.unusual_watch` keeps the open step until a day is inside again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from statistics import median
from typing import Any

from homeassistant.const import UnitOfEnergy, UnitOfPower

from .api.vienna_time import day_starts
from .day_ledger import DayEntry

REFERENCE_WEEKS = 8
MIN_REFERENCES = 4
# Robust deviation per MAD; the least s as a share of the median; the floors (kWh/h, W).
MAD_TO_SIGMA = 1.4826
MIN_RELATIVE_SIGMA = 0.1
CONSUMPTION_FLOOR = 0.01
BASE_LOAD_FLOOR = 3.0


class Kind(StrEnum):
    """What was unusual about a day: the event types of the unusual-day event."""

    CONSUMPTION = "unusual_consumption"
    BASE_LOAD = "unusual_base_load"


@dataclass(frozen=True, slots=True)
class Band:
    """The expected range of a value, from its references."""

    median: float
    low: float
    high: float
    references: int

    def holds(self, value: float) -> bool:
        """Whether ``value`` lies inside the band."""
        return self.low <= value <= self.high


@dataclass(frozen=True, slots=True)
class Finding:
    """A day of a meter that lies outside its band: the event's data."""

    number: str
    day: date
    kind: Kind
    value: float
    band: Band

    @property
    def unit(self) -> str:
        """The unit: kWh for a day's consumption, W for its base load."""
        return UnitOfEnergy.KILO_WATT_HOUR if self.kind is Kind.CONSUMPTION else UnitOfPower.WATT

    @property
    def direction(self) -> str:
        """``high`` above the band, ``low`` below it."""
        return "high" if self.value > self.band.high else "low"

    def event_data(self) -> dict[str, Any]:
        """The event's attributes: the day, the value, the band and the ratio to its median."""
        band = self.band
        return {
            "day": self.day.isoformat(),
            "value": round(self.value, 3),
            "unit": self.unit,
            "expected": round(band.median, 3),
            "expected_low": round(band.low, 3),
            "expected_high": round(band.high, 3),
            "ratio": round(self.value / band.median, 2) if band.median else None,
            "direction": self.direction,
            "reference_days": band.references,
        }


def band(values: list[float], k: float, floor: float) -> Band | None:
    """The band of ``values`` (None with fewer than :data:`MIN_REFERENCES`)."""
    if len(values) < MIN_REFERENCES:
        return None
    middle = median(values)
    deviation = median(abs(value - middle) for value in values)
    sigma = max(MAD_TO_SIGMA * deviation, MIN_RELATIVE_SIGMA * abs(middle), floor)
    return Band(middle, max(middle - k * sigma, 0.0), middle + k * sigma, len(values))


def hours_of(day: date) -> float:
    """The hours of a local day: 23, 24 or 25."""
    return len(day_starts(day)) / 4


def _value(entry: DayEntry, day: date, kind: Kind) -> float | None:
    """Consumption per hour of the day, or the base load."""
    if kind is Kind.CONSUMPTION:
        return entry.kwh / hours_of(day)
    return entry.base_load


def _references(ledger: dict[date, DayEntry], day: date, kind: Kind) -> list[float]:
    """The values of ``kind`` on the same weekday of the weeks before ``day`` in the ledger."""
    return [
        found
        for week in range(1, REFERENCE_WEEKS + 1)
        if (other := ledger.get(day - timedelta(weeks=week))) is not None
        and (found := _value(other, day - timedelta(weeks=week), kind)) is not None
    ]


def _measured(
    ledger: dict[date, DayEntry], day: date, kind: Kind, k: float
) -> tuple[float, Band] | None:
    """The day's value of ``kind`` and its band (per hour for consumption), when both exist."""
    entry = ledger.get(day)
    value = None if entry is None else _value(entry, day, kind)
    floor = CONSUMPTION_FLOOR if kind is Kind.CONSUMPTION else BASE_LOAD_FLOOR
    expected = band(_references(ledger, day, kind), k, floor)
    if value is None or expected is None:
        return None
    return value, expected


def has_references(ledger: dict[date, DayEntry], day: date) -> bool:
    """Whether enough weeks before ``day`` are known to judge its consumption."""
    return len(_references(ledger, day, Kind.CONSUMPTION)) >= MIN_REFERENCES


def is_usual(ledger: dict[date, DayEntry], day: date, kind: Kind, k: float) -> bool:
    """Whether the day has a value of ``kind`` that lies inside its band."""
    measured = _measured(ledger, day, kind, k)
    return measured is not None and measured[1].holds(measured[0])


def judge_day(
    number: str, ledger: dict[date, DayEntry], day: date, k: float, kinds: tuple[Kind, ...]
) -> list[Finding]:
    """What is unusual about ``day`` of a meter, of ``kinds``."""
    findings: list[Finding] = []
    for kind in kinds:
        measured = _measured(ledger, day, kind, k)
        if measured is None or measured[1].holds(measured[0]):
            continue
        value, found = measured
        if kind is Kind.CONSUMPTION:
            hours = hours_of(day)
            value = value * hours
            found = Band(
                found.median * hours, found.low * hours, found.high * hours, found.references
            )
        findings.append(Finding(number, day, kind, value, found))
    return findings
