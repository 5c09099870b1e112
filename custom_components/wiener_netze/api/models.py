"""Typed, immutable models of what the WN Smart Meter API returns.

Energies are converted to kWh and times to aware UTC datetimes when parsed; everything else is
kept as the API gave it (quality codes, OBIS codes, the original unit).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum


class ValueType(StrEnum):
    """The ``wertetyp`` of a readings request."""

    QUARTER_HOUR = "QUARTER_HOUR"
    DAY = "DAY"
    METER_READ = "METER_READ"


class ResultType(StrEnum):
    """The ``resultType`` of a meter list request."""

    ALL = "ALL"
    SMART_METER = "SMART_METER"


class Flow(StrEnum):
    """Which way a register's energy flows (consumption or feed-in), from OBIS value group C."""

    CONSUMPTION = "consumption"
    FEED_IN = "feed_in"
    OTHER = "other"


QUALITY_VALIDATED = "VAL"
QUALITY_ESTIMATED = "EST"


@dataclass(frozen=True, slots=True)
class Installation:
    """The ``anlage`` of a meter: installation number, division and type."""

    number: str
    division: str | None
    type: str | None


@dataclass(frozen=True, slots=True)
class Device:
    """The ``geraet`` of a meter."""

    equipment_number: str | None
    device_number: str | None


@dataclass(frozen=True, slots=True)
class Interface:
    """The ``idex`` customer interface; ``granularity`` is e.g. QUARTER_HOUR or DAY."""

    customer_interface: str | None
    display_locked: bool | None
    granularity: str | None


@dataclass(frozen=True, slots=True)
class Address:
    """The ``verbrauchsstelle``: where the meter is."""

    street: str | None = None
    house_number: str | None = None
    house_number_2: str | None = None
    house: str | None = None
    floor: str | None = None
    door: str | None = None
    street_addition: str | None = None
    postal_code: str | None = None
    city: str | None = None
    country: str | None = None

    @property
    def one_line(self) -> str:
        """Vienna style: ``Street 12/3/4, 1100 Wien`` (whatever parts exist)."""
        number = "/".join(
            part
            for part in (self.house_number, self.house_number_2, self.house, self.floor, self.door)
            if part
        )
        street = " ".join(part for part in (self.street, number) if part)
        place = " ".join(part for part in (self.postal_code, self.city) if part)
        return ", ".join(part for part in (street, place) if part)


@dataclass(frozen=True, slots=True)
class Meter:
    """A metering point (``Zaehlpunkt``) with its master data."""

    number: str
    name: str | None
    installation: Installation | None
    device: Device | None
    interface: Interface | None
    address: Address | None

    @property
    def is_smart_meter(self) -> bool:
        """Smart meters have an IDEX customer interface; Ferraris meters have none."""
        return self.interface is not None

    @property
    def granularity(self) -> str | None:
        """The finest interval the meter delivers (QUARTER_HOUR or DAY), if known."""
        return self.interface.granularity if self.interface else None


@dataclass(frozen=True, slots=True)
class ObisCode:
    """An OBIS code such as ``1-1:1.9.0``; meaning is carried by its C.D.E part."""

    raw: str
    c: int
    d: int
    e: int

    @property
    def cde(self) -> str:
        """The ``C.D.E`` part, e.g. ``1.8.0``: what identifies a register across sources."""
        return f"{self.c}.{self.d}.{self.e}"

    @property
    def flow(self) -> Flow:
        """Import (C=1) is consumption, export (C=2) is feed-in."""
        return {1: Flow.CONSUMPTION, 2: Flow.FEED_IN}.get(self.c, Flow.OTHER)

    @property
    def is_register(self) -> bool:
        """D=8 is a cumulative register (meter reading); D=9 holds interval energies."""
        return self.d == 8


@dataclass(frozen=True, slots=True)
class Reading:
    """One value: an interval's energy, or a register at ``end``; energy in kWh."""

    start: datetime
    end: datetime
    value: float
    quality: str

    @property
    def is_estimated(self) -> bool:
        """EST: an estimated or calculated value that may be replaced later."""
        return self.quality == QUALITY_ESTIMATED

    @property
    def is_validated(self) -> bool:
        """VAL: a validated actual value."""
        return self.quality == QUALITY_VALIDATED


@dataclass(frozen=True, slots=True)
class ReadingSeries:
    """One register (``zaehlwerk``) of one meter, readings sorted by start."""

    meter: str
    obis: ObisCode
    unit: str | None
    readings: tuple[Reading, ...]


@dataclass(frozen=True, slots=True)
class DroppedValue:
    """A value of an answer that could not be read: left out, the rest of the answer used."""

    meter: str
    # Where in the answer, e.g. ``messwerte[0].zaehlwerke[1].messwerte[17].messwert``; not
    # compared, so the same value in answers over different ranges is one value.
    field: str = field(compare=False)
    value: str  # what it was, shortened
    reason: str  # what was expected
    obis: str | None = None
    start: datetime | None = None  # the interval's start, when that could be read


@dataclass(frozen=True, slots=True)
class MeterReadings:
    """All registers one meter returned for a request, and the values that could not be read."""

    meter: str
    series: tuple[ReadingSeries, ...]
    dropped: tuple[DroppedValue, ...] = ()

    def get(self, cde: str) -> ReadingSeries | None:
        """The series whose OBIS code has the C.D.E part ``cde`` (e.g. ``1.9.0``)."""
        return next((series for series in self.series if series.obis.cde == cde), None)
