"""Parsing is per zone, per product and per point: one bad entry costs itself."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from custom_components.radialight_cloud.api import (
    MalformedResponseError,
    parse_usage,
    parse_zones,
    report,
)

ZONE = {
    "id": "3f0c0d52-0000-4000-8000-000000000001",
    "name": "Soggiorno",
    "tComfort": 211,
    "tECO": 170,
    "program": {"id": 4},
    "mode": 1,
    "infoMode": 0,
    "window": 1,
    "pir": 0,
    "lock": 0,
    "override": None,
    "newField": {"anything": True},
    "products": [
        {"id": "1000000000000001", "model": "ICON", "serial": "A0B0C0D000000001",
         "detectedTemperature": 205, "isOffline": False, "isWarming": True},
        {"id": "1000000000000002", "detectedTemperature": 215, "isOffline": True},
        {"name": "no id"},
        "not an object",
    ],
}  # fmt: skip


def test_a_zone_with_bad_products_keeps_the_good_ones() -> None:
    zones = parse_zones({"zones": [ZONE, {"name": "no id"}, 7]})
    assert [zone.name for zone in zones.zones] == ["Soggiorno"]
    assert zones.dropped == 4  # two products, two zones
    zone = zones.zones[0]
    assert [product.id for product in zone.products] == ["1000000000000001", "1000000000000002"]
    assert zone.current_temperature == 20.5  # the offline product does not count
    assert zone.warming is True
    assert zone.program_id == 4
    assert zone.configuration["programId"] == 4


def test_a_field_of_the_wrong_type_is_unknown() -> None:
    zone = parse_zones({"zones": [{**ZONE, "tComfort": "warm", "products": "none"}]}).zones[0]
    assert zone.t_comfort is None
    assert zone.products == ()
    assert zone.current_temperature is None


@pytest.mark.parametrize("payload", [None, [], {"zones": None}, {"zone": []}])
def test_an_answer_without_zones_is_rejected(payload: object) -> None:
    with pytest.raises(MalformedResponseError):
        parse_zones(payload)


def test_a_bad_usage_point_costs_itself() -> None:
    usage = parse_usage(
        {
            "values": [
                {"date": "2026-02-02T05:00:00Z", "usage": 7},
                {"date": "2026-02-02T04:00:00Z", "usage": 0},
                {"date": "yesterday", "usage": 3},
                {"date": "2026-02-02T06:00:00Z", "usage": -1},
                {"date": "2026-02-02T07:00:00Z", "usage": "3"},
                {"date": "2026-02-02T08:00:00Z", "usage": True},
                None,
            ]
        }
    )
    assert [(p.start.hour, p.usage) for p in usage.points] == [(4, 0.0), (5, 7.0)]
    assert usage.points[0].start == datetime(2026, 2, 2, 4, tzinfo=UTC)
    assert usage.dropped == 5


def test_a_point_off_the_hour_or_not_finite_costs_itself() -> None:
    """Hourly statistics can only take hourly points: a start off the hour is dropped, as are
    infinite and undefined values (Python's JSON reader accepts them)."""
    usage = parse_usage(
        {
            "values": [
                {"date": "2026-02-02T05:00:00Z", "usage": 7},
                {"date": "2026-02-02T05:30:00+05:30", "usage": 1},  # 00:00 UTC
                {"date": "2026-02-02T06:00:00.500Z", "usage": 1},
                {"date": "2026-02-02T07:15:00Z", "usage": 1},
                {"date": "2026-02-02T08:00:00Z", "usage": float("inf")},
                {"date": "2026-02-02T09:00:00Z", "usage": float("nan")},
            ]
        }
    )
    assert [(p.start.hour, p.usage) for p in usage.points] == [(0, 1.0), (5, 7.0)]
    assert usage.dropped == 4


def test_the_shape_report_has_no_values() -> None:
    shapes = report({"GET /zones": {"zones": [ZONE]}})
    text = repr(shapes)
    for secret in ("Soggiorno", "3f0c0d52", "1000000000000001", "A0B0C0D000000001", "211"):
        assert secret not in text
    assert "tComfort" in text
