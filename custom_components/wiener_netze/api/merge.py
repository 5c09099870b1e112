"""Merge readings from several responses (chunks) into one series per meter and register."""

from __future__ import annotations

import logging

from .models import DroppedValue, MeterReadings, ObisCode, Reading, ReadingSeries

_LOGGER = logging.getLogger(__name__)


def _dedupe(readings: list[Reading]) -> tuple[Reading, ...]:
    """Sorted by start; of several values for the same interval, a validated one, else the last."""
    chosen: dict[tuple[object, object], Reading] = {}
    for reading in readings:
        key = (reading.start, reading.end)
        previous = chosen.get(key)
        if previous is None or not (previous.is_validated and not reading.is_validated):
            chosen[key] = reading
    if len(chosen) != len(readings):
        _LOGGER.debug("dropped %s duplicated intervals", len(readings) - len(chosen))
    return tuple(sorted(chosen.values(), key=lambda reading: (reading.start, reading.end)))


def merge_readings(parts: list[MeterReadings]) -> dict[str, MeterReadings]:
    """One :class:`MeterReadings` per meter, registers matched by their OBIS C.D.E part."""
    collected: dict[str, dict[str, tuple[ObisCode, str | None, list[Reading]]]] = {}
    dropped: dict[str, list[DroppedValue]] = {}
    for part in parts:
        dropped.setdefault(part.meter, []).extend(part.dropped)
        registers = collected.setdefault(part.meter, {})
        for series in part.series:
            obis, unit, readings = registers.setdefault(series.obis.cde, (series.obis, None, []))
            readings.extend(series.readings)
            registers[series.obis.cde] = (obis, unit or series.unit, readings)
    return {
        meter: MeterReadings(
            meter=meter,
            series=tuple(
                ReadingSeries(meter=meter, obis=obis, unit=unit, readings=_dedupe(readings))
                for obis, unit, readings in registers.values()
            ),
            dropped=tuple(dropped.get(meter, ())),
        )
        for meter, registers in collected.items()
    }
