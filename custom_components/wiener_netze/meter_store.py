"""What the coordinator knows of one meter's recent readings, and which days are complete.

Readings are kept by interval start (quarter hours), by local day (day values) and as the newest
register reading. Later answers replace earlier ones, except that an estimate never replaces a
validated value and a value missing from a later answer is kept: nothing already known is lost.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum

from .api import DroppedValue, Flow, MeterReadings, Reading, ValueType
from .api.vienna_time import HOUR, ONE_DAY, day_ending_at, day_starts, local_day, local_midnight

FLOWS = (Flow.CONSUMPTION, Flow.FEED_IN)

_LOGGER = logging.getLogger(__name__)


class DayStatus(StrEnum):
    """How much of a local day the store holds."""

    MISSING = "missing"
    PARTIAL = "partial"
    ESTIMATED = "estimated"
    FINAL = "final"

    @property
    def complete(self) -> bool:
        """Every interval is there (validated or not)."""
        return self in (DayStatus.ESTIMATED, DayStatus.FINAL)


def report_dropped(name: str, dropped: list[DroppedValue]) -> None:
    """Log each value left out of an answer, once: meter, day, field and what it was."""
    for value in dropped:
        _LOGGER.warning(
            "%s: left out a value Wiener Netze sent that cannot be read (%s%s%s is %s, expected "
            "%s); the rest of the answer is used, its day counts as incomplete",
            name,
            f"{value.obis} " if value.obis else "",
            f"{local_day(value.start)}: " if value.start else "",
            value.field,
            value.value,
            value.reason,
        )


def report_rejected(name: str, rejected: list[Reading], limit: float) -> None:
    """Log each implausible value ignored, once: meter, interval, value and the limit."""
    for reading in rejected:
        _LOGGER.warning(
            "%s: ignored an implausible value of %.3f kWh for %s..%s (more than the "
            "plausibility limit of %.0f W)",
            name,
            reading.value,
            reading.start.isoformat(),
            reading.end.isoformat(),
            limit,
        )


def read_by_quarter_hours(stores: Mapping[str, MeterStore], known: Iterable[str]) -> set[str]:
    """The meters read by quarter hour.

    Those ``known`` to be (the portal says so), and those with quarter hours in their store.
    """
    return {number for number, store in stores.items() if store.has_quarter_hours} | set(known)


def _plausible(reading: Reading, max_power_w: float) -> bool:
    """Not negative, and no more energy than the connection can carry in the interval."""
    hours = (reading.end - reading.start) / HOUR
    return 0 <= reading.value * 1000 <= max_power_w * hours


def _put[K](store: dict[K, Reading], key: K, reading: Reading) -> None:
    """Store ``reading`` unless it is an estimate for a validated value."""
    old = store.get(key)
    if old is None or old.is_validated <= reading.is_validated:
        store[key] = reading


@dataclass(slots=True)
class IngestResult:
    """What one answer brought for the first time: implausible values."""

    rejected: list[Reading] = field(default_factory=list)


@dataclass(slots=True)
class MeterStore:
    """Recent readings of one meter, per flow (consumption, feed-in)."""

    number: str
    intervals: dict[Flow, dict[datetime, Reading]] = field(
        default_factory=lambda: {flow: {} for flow in FLOWS}
    )
    days: dict[Flow, dict[date, Reading]] = field(
        default_factory=lambda: {flow: {} for flow in FLOWS}
    )
    registers: dict[Flow, dict[date, Reading]] = field(
        default_factory=lambda: {flow: {} for flow in FLOWS}
    )
    tariff_registers: dict[str, dict[date, Reading]] = field(default_factory=dict)
    rejected: dict[Flow, dict[datetime, Reading]] = field(
        default_factory=lambda: {flow: {} for flow in FLOWS}
    )
    # The flows the meter has: learned from the series of its answers (a feed-in metering
    # point has no consumption, PV added later brings feed-in).
    flows: set[Flow] = field(default_factory=set)
    # Each flow's first day with a value: before it, the flow does not count for a day's
    # status (PV added on a day has no feed-in before it).
    first_seen: dict[Flow, date] = field(default_factory=dict)
    # Starts of the implausible values ever rejected, so each interval is reported once.
    reported: set[datetime] = field(default_factory=set)
    # Values that could not be read, so each is reported once.
    dropped: set[DroppedValue] = field(default_factory=set)
    # OBIS codes of registers that are neither consumption nor feed-in (energy-community
    # shares, other registers): kept out of the statistics, listed in diagnostics.
    other_registers: set[str] = field(default_factory=set)

    @property
    def has_quarter_hours(self) -> bool:
        """Whether any quarter-hour value has arrived."""
        return any(self.intervals[flow] for flow in FLOWS)

    def ingest(
        self, value_type: ValueType, readings: MeterReadings, max_power_w: float
    ) -> IngestResult:
        """Store one meter's part of an answer; values above ``max_power_w`` are rejected."""
        result = IngestResult()
        self.dropped.update(readings.dropped)
        for series in readings.series:
            flow = series.obis.flow
            if flow not in FLOWS:
                self.other_registers.add(series.obis.cde)
                continue
            if series.obis.e != 0:
                if value_type is ValueType.METER_READ and series.obis.is_register:
                    register = self.tariff_registers.setdefault(series.obis.cde, {})
                    for reading in series.readings:
                        _put(register, day_ending_at(reading.end), reading)
                continue
            self.flows.add(flow)
            if value_type is ValueType.METER_READ:
                if series.obis.is_register:
                    self._store_register(flow, series.readings)
                continue
            if series.obis.is_register:
                continue
            if series.readings:
                first = local_day(min(reading.start for reading in series.readings))
                if flow not in self.first_seen or first < self.first_seen[flow]:
                    self.first_seen[flow] = first
            for reading in series.readings:
                if not _plausible(reading, max_power_w):
                    if reading.start not in self.reported:
                        self.reported.add(reading.start)
                        result.rejected.append(reading)
                    if value_type is ValueType.QUARTER_HOUR:
                        self.rejected[flow][reading.start] = reading
                elif value_type is ValueType.QUARTER_HOUR:
                    self.rejected[flow].pop(reading.start, None)
                    _put(self.intervals[flow], reading.start, reading)
                else:
                    _put(self.days[flow], local_day(reading.start), reading)
        return result

    def _store_register(self, flow: Flow, readings: tuple[Reading, ...]) -> None:
        for reading in readings:
            _put(self.registers[flow], day_ending_at(reading.end), reading)

    def newest_tariff_registers(self) -> dict[str, Reading]:
        """The newest reading of each tariff register (``1.8.1``, ``1.8.2``, …)."""
        return {cde: days[max(days)] for cde, days in sorted(self.tariff_registers.items()) if days}

    def newest_register(self, flow: Flow) -> Reading | None:
        """The most recent register reading of a flow."""
        registers = self.registers[flow]
        return registers[max(registers)] if registers else None

    def newest_register_day(self) -> date | None:
        """The day at whose end every flow's register was last read (the earliest of them)."""
        found = [self.newest_register(flow) for flow in self.flows]
        if not found or None in found:
            return None
        return min(day_ending_at(register.end) for register in found if register is not None)

    def has_registers(self, day: date) -> bool:
        """Whether the register of every flow begun by ``day`` was read at its end."""
        return all(
            day in self.registers[flow]
            for flow in self.flows
            if flow not in self.first_seen or self.first_seen[flow] <= day
        )

    def day_energy(self, flow: Flow, day: date) -> float | None:
        """The energy of a day: its day value, else its quarter hours if all arrived."""
        if (reading := self.days[flow].get(day)) is not None:
            return reading.value
        return self.quarter_hour_total(flow, day)

    def quarter_hour_total(self, flow: Flow, day: date) -> float | None:
        """The sum of a day's quarter hours, if all arrived."""
        starts = day_starts(day)
        found = [reading for start in starts if (reading := self.intervals[flow].get(start))]
        return sum(reading.value for reading in found) if len(found) == len(starts) else None

    def newest_day(self, days: Iterable[date], quarter_hours: bool) -> date | None:
        """The newest of ``days`` the store has any value for."""
        found = [
            day for day in days if self.day_status(day, quarter_hours) is not DayStatus.MISSING
        ]
        return max(found, default=None)

    def newest_complete_day(self, days: Iterable[date], quarter_hours: bool) -> date | None:
        """The newest of ``days`` the store holds complete (validated or estimated)."""
        found = [day for day in days if self.day_status(day, quarter_hours).complete]
        return max(found, default=None)

    def rejected_on(self, flow: Flow, day: date) -> list[Reading]:
        """Implausible quarter hours of ``day`` that were rejected and not replaced since."""
        start, end = local_midnight(day), local_midnight(day + ONE_DAY)
        return [r for moment, r in self.rejected[flow].items() if start <= moment < end]

    def day_status(self, day: date, quarter_hours: bool) -> DayStatus:
        """The worst status of the meter's flows on ``day``, of those that had begun by then."""
        statuses = [
            self._interval_status(flow, day) if quarter_hours else self._day_value_status(flow, day)
            for flow in FLOWS
            if flow in self.flows and (flow not in self.first_seen or self.first_seen[flow] <= day)
        ]
        order = list(DayStatus)
        return min(statuses, key=order.index, default=DayStatus.MISSING)

    def _interval_status(self, flow: Flow, day: date) -> DayStatus:
        intervals = self.intervals[flow]
        starts = day_starts(day)
        found = [reading for start in starts if (reading := intervals.get(start))]
        if not found:
            return DayStatus.MISSING
        if len(found) < len(starts):
            return DayStatus.PARTIAL
        if all(reading.is_validated for reading in found):
            return DayStatus.FINAL
        return DayStatus.ESTIMATED

    def _day_value_status(self, flow: Flow, day: date) -> DayStatus:
        reading = self.days[flow].get(day)
        if reading is None:
            return DayStatus.MISSING
        return DayStatus.FINAL if reading.is_validated else DayStatus.ESTIMATED

    def prune(self, first: date) -> None:
        """Forget values of days before ``first`` (the newest register is kept)."""
        cutoff = local_midnight(first)
        for flow in FLOWS:
            self.intervals[flow] = {
                start: reading for start, reading in self.intervals[flow].items() if start >= cutoff
            }
            self.days[flow] = {day: value for day, value in self.days[flow].items() if day >= first}
            newest = self.newest_register(flow)
            self.registers[flow] = {
                day: value
                for day, value in self.registers[flow].items()
                if day >= first - ONE_DAY or value is newest
            }
            self.rejected[flow] = {
                start: reading for start, reading in self.rejected[flow].items() if start >= cutoff
            }
