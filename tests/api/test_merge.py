"""Merging chunks: one series per meter and register, one value per interval."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from custom_components.wiener_netze.api import MeterReadings, Reading, ReadingSeries
from custom_components.wiener_netze.api.merge import merge_readings
from custom_components.wiener_netze.api.parsing import parse_obis

T0 = datetime(2026, 1, 1, tzinfo=UTC)
Q = timedelta(minutes=15)


def part(obis: str, *values: tuple[int, float, str]) -> MeterReadings:
    readings = tuple(Reading(T0 + i * Q, T0 + (i + 1) * Q, v, q) for i, v, q in values)
    series = ReadingSeries("AT1", parse_obis(obis, "obisCode"), "WH", readings)
    return MeterReadings("AT1", (series,))


def test_validated_value_wins_over_estimate_in_either_order() -> None:
    merged = merge_readings(
        [
            part("1-1:1.9.0", (0, 1.0, "EST"), (1, 2.0, "VAL")),
            part("1-1:1.9.0", (0, 1.5, "VAL"), (1, 2.5, "EST"), (2, 3.0, "EST")),
        ]
    )
    series = merged["AT1"].get("1.9.0")
    assert series is not None
    assert [(r.value, r.quality) for r in series.readings] == [
        (1.5, "VAL"),
        (2.0, "VAL"),
        (3.0, "EST"),
    ]


def test_registers_matched_by_cde_not_by_full_code() -> None:
    merged = merge_readings(
        [part("1-1:1.8.0", (0, 5.0, "VAL")), part("1-2:1.8.0", (1, 6.0, "VAL"))]
    )
    [series] = merged["AT1"].series
    assert series.obis.raw == "1-1:1.8.0"
    assert [r.value for r in series.readings] == [5.0, 6.0]
