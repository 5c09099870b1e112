"""Response forms the simulator does not produce by itself: accepted ones and rejected ones."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from custom_components.wiener_netze.api import MalformedResponseError
from custom_components.wiener_netze.api.parsing import (
    parse_bulk_readings,
    parse_meter,
    parse_meters,
    parse_timestamp,
)
from custom_components.wiener_netze.api.responses import error_text, parse_retry_after


def series(**changes: Any) -> dict[str, Any]:
    value = {"messwert": 250, "qualitaet": "VAL", "zeitVon": "2025-01-01T00:00:00.000Z"}
    value["zeitBis"] = "2025-01-01T00:15:00.000Z"
    register = {"obisCode": "1-1:1.9.0", "einheit": "WH", "messwerte": [value]}
    for key, new in changes.items():
        if key in value:
            value[key] = new
        else:
            register[key] = new
    return {"zaehlpunkt": "AT1", "zaehlwerke": [register]}


@pytest.mark.parametrize(
    "text",
    [
        "2025-01-01T00:00:00.000Z",
        "2025-01-01T00:00:00Z",
        "2025-01-01T00:00:00+0000",
        "2025-01-01T01:00:00+01:00",
        "2025-01-01T01:00:00.123456789+0100",
        "2024-12-31T19:00:00-05:00",
    ],
)
def test_timestamp_forms(text: str) -> None:
    parsed = parse_timestamp(text, "zeitVon")
    assert parsed.replace(microsecond=0) == datetime(2025, 1, 1, tzinfo=UTC)
    assert parsed.tzinfo is UTC


@pytest.mark.parametrize(
    "text", ["2025-01-01T00:00:00", "2025-01-01", "01.01.2025 00:00", "2025-13-01T00:00:00Z", 5]
)
def test_timestamps_without_offset_or_invalid_are_rejected(text: Any) -> None:
    with pytest.raises(MalformedResponseError) as caught:
        parse_timestamp(text, "messwerte[0].zeitVon")
    assert caught.value.field == "messwerte[0].zeitVon"
    assert repr(text) in str(caught.value)


@pytest.mark.parametrize(("unit", "factor"), [("WH", 0.001), ("Wh", 0.001), ("KWH", 1), ("kWh", 1)])
@pytest.mark.parametrize("number", [250, 250.0])
def test_units_and_numbers(unit: str, factor: float, number: float) -> None:
    [result] = parse_bulk_readings([series(einheit=unit, messwert=number)])
    assert result.series[0].readings[0].value == pytest.approx(250 * factor)


@pytest.mark.parametrize(
    ("changes", "field", "shown"),
    [
        ({"einheit": "W"}, "einheit", "'W'"),
        ({"einheit": None}, "einheit", "None"),
        ({"messwert": "250"}, "messwert", "'250'"),
        ({"messwert": None}, "messwert", "None"),
        ({"messwert": True}, "messwert", "True"),
        ({"messwert": -1}, "messwert", "-1"),
        ({"messwert": float("nan")}, "messwert", "nan"),
        ({"zeitBis": "2025-01-01T00:00:00.000Z"}, "zeitBis", "'2025-01-01T00:00:00.000Z'"),
        ({"qualitaet": 1}, "qualitaet", "1"),
        ({"obisCode": "energy"}, "obisCode", "'energy'"),
        ({"messwerte": {}}, "messwerte", "{}"),
    ],
)
def test_a_value_that_cannot_be_read_is_left_out(
    changes: dict[str, Any], field: str, shown: str
) -> None:
    """One bad value (or register) costs that value: it is listed, the next meter is used."""
    good = series()
    good["zaehlpunkt"] = "AT2"
    bad, other = parse_bulk_readings([series(**changes), good])
    assert [value for series_ in bad.series for value in series_.readings] == []
    [dropped] = bad.dropped
    assert dropped.meter == "AT1"
    assert dropped.field.endswith(field)
    assert dropped.value == shown
    assert other.dropped == ()
    assert other.series[0].readings[0].value == pytest.approx(0.25)


def test_left_out_value_keeps_its_interval_when_readable() -> None:
    """The dropped value names its interval start, for the day it makes incomplete."""
    [result] = parse_bulk_readings([series(messwert=None)])
    assert result.dropped[0].start == datetime(2025, 1, 1, tzinfo=UTC)
    assert result.dropped[0].obis == "1-1:1.9.0"


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ([{"zaehlwerke": []}], "zaehlpunkt"),
        ([{"zaehlpunkt": "AT1"}], "zaehlwerke"),
        ([{"zaehlpunkt": "AT1", "zaehlwerke": {}}], "zaehlwerke"),
        (["AT1"], "messwerte[0]"),
    ],
)
def test_a_wrong_structure_rejects_the_answer(payload: Any, field: str) -> None:
    """No meter number, no list of registers: the answer cannot be assigned at all."""
    with pytest.raises(MalformedResponseError) as caught:
        parse_bulk_readings(payload)
    assert caught.value.field is not None
    assert caught.value.field.endswith(field)


def test_series_without_values_and_unit_means_no_data_yet() -> None:
    [result] = parse_bulk_readings({"items": [series(einheit=None, messwerte=[])]})
    assert result.series[0].unit is None
    assert result.series[0].readings == ()


def test_odd_but_harmless_shapes() -> None:
    # "items" holding one object (as the YAML export models it), null lists, unknown quality.
    [result] = parse_bulk_readings({"items": series(qualitaet="XYZ")})
    assert result.series[0].readings[0].quality == "XYZ"
    assert not result.series[0].readings[0].is_validated
    assert parse_bulk_readings({"items": None}) == []
    [empty] = parse_bulk_readings([{"zaehlpunkt": "AT1", "zaehlwerke": None}])
    assert empty.series == ()
    [no_values] = parse_bulk_readings([series(messwerte=None, einheit="WH")])
    assert no_values.series[0].readings == ()
    obis = parse_bulk_readings([series(obisCode="1.8.1")])[0].series[0].obis
    assert (obis.cde, obis.is_register) == ("1.8.1", True)
    assert parse_bulk_readings([series(obisCode="3-1:3.8.0")])[0].series[0].obis.flow == "other"


@pytest.mark.parametrize("payload", [None, "x", 5, {"zaehlpunkte": []}])
def test_meter_list_must_be_a_list(payload: Any) -> None:
    with pytest.raises(MalformedResponseError, match="zaehlpunkte"):
        parse_meters(payload)


def test_minimal_meter_and_bad_meter_fields() -> None:
    meter = parse_meter({"zaehlpunktnummer": "AT1"})
    assert (meter.name, meter.device, meter.address, meter.is_smart_meter) == (
        None,
        None,
        None,
        False,
    )
    with pytest.raises(MalformedResponseError, match="zaehlpunktnummer"):
        parse_meter({"zaehlpunktnummer": " "})
    with pytest.raises(MalformedResponseError, match=r"idex\.displayLocked"):
        parse_meter({"zaehlpunktnummer": "AT1", "idex": {"displayLocked": "yes"}})
    with pytest.raises(MalformedResponseError, match=r"zaehlpunkt\.anlage"):
        parse_meter({"zaehlpunktnummer": "AT1", "anlage": []})
    with pytest.raises(MalformedResponseError, match=r"verbrauchsstelle\.ort"):
        parse_meter({"zaehlpunktnummer": "AT1", "verbrauchsstelle": {"ort": {"x": 1}}})
    with pytest.raises(MalformedResponseError, match="an object"):
        parse_meter([])


def test_error_texts_and_retry_after() -> None:
    assert error_text('{"Exception": "Gateway says no"}') == "Gateway says no"
    assert error_text('{"error": "invalid_client"}') == "invalid_client"
    assert error_text("plain text") == "plain text"
    assert error_text("[1]") == "[1]"
    assert error_text("") == "no details"
    assert parse_retry_after("7") == 7
    assert parse_retry_after(None) is None
    assert parse_retry_after("soon") is None
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT") == 0
    assert 0 < parse_retry_after("Wed, 21 Oct 2099 07:28:00 GMT") <= 3e9  # type: ignore[operator]
