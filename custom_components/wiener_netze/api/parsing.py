"""Turn the API's JSON into models, accepting every form seen in the wild and nothing else.

Accepted (see docs/api.md): lists bare or wrapped in ``items``; times with ``Z``, ``+0000`` or
``+01:00``, with or without fractions of a second; units ``WH`` / ``KWH`` in any letter case;
integer or floating point values.

Readings are bulk answers for several meters, so one bad value costs that value only: a value
that cannot be read (null, negative or not a number, times missing or reversed), or a register
whose unit or OBIS code cannot be read, is left out and listed in the answer's ``dropped``, and
everything else is used. The answer is rejected whole, with :class:`MalformedResponseError`
naming the field and the offending value, only when its structure is wrong: no list of meters,
a meter without its number or without ``zaehlwerke``.
"""

from __future__ import annotations

import math
import re
from datetime import UTC, datetime
from typing import Any

from .errors import MalformedResponseError
from .models import (
    Address,
    Device,
    DroppedValue,
    Installation,
    Interface,
    Meter,
    MeterReadings,
    ObisCode,
    Reading,
    ReadingSeries,
)

_TIMESTAMP = re.compile(
    r"^(?P<base>\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?P<fraction>\.\d{1,9})?"
    r"(?P<zone>Z|[+-]\d{2}:?\d{2})$"
)
_OBIS = re.compile(r"^(?:\d+-\d+:)?(?P<c>\d+)\.(?P<d>\d+)\.(?P<e>\d+)(?:\*\d+)?$")
# Factor from the unit (upper-cased) to kWh.
_UNITS = {"WH": 0.001, "KWH": 1.0}


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:80] + "…"


def _fail(field: str, value: Any, expected: str) -> MalformedResponseError:
    return MalformedResponseError(
        f"malformed response: {field} is {_show(value)}, expected {expected}", field
    )


def unwrap_list(payload: Any, field: str) -> list[Any]:
    """A list, given bare, as ``{"items": [...]}``, or as ``{"items": {...}}`` (one element)."""
    if isinstance(payload, dict) and "items" in payload:
        payload = payload["items"]
        field = f"{field}.items"
        if isinstance(payload, dict):
            return [payload]
        if payload is None:
            return []
    if not isinstance(payload, list):
        raise _fail(field, payload, "a list or an object with 'items'")
    return payload


def _object(value: Any, field: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise _fail(field, value, "an object")
    return value


def _text(obj: dict[str, Any], key: str, field: str, *, required: bool = False) -> str | None:
    value = obj.get(key)
    if value is None:
        if required:
            raise _fail(f"{field}.{key}", value, "a string")
        return None
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise _fail(f"{field}.{key}", value, "a string")
    text = str(value).strip()
    if required and not text:
        raise _fail(f"{field}.{key}", value, "a non-empty string")
    return text or None


def parse_timestamp(value: Any, field: str) -> datetime:
    """An ISO 8601 timestamp with an explicit offset, as an aware UTC datetime."""
    if not isinstance(value, str) or not (match := _TIMESTAMP.match(value.strip())):
        raise _fail(field, value, "a timestamp like 2025-01-01T00:00:00.000Z")
    zone = match["zone"]
    if zone == "Z":
        zone = "+00:00"
    elif ":" not in zone:
        zone = f"{zone[:3]}:{zone[3:]}"
    fraction = (match["fraction"] or "")[:7]  # datetime keeps microseconds
    try:
        parsed = datetime.fromisoformat(f"{match['base']}{fraction}{zone}")
    except ValueError:
        raise _fail(field, value, "a valid date and time") from None
    return parsed.astimezone(UTC)


def parse_obis(value: Any, field: str) -> ObisCode:
    """An OBIS code; only its C.D.E part carries meaning here."""
    if not isinstance(value, str) or not (match := _OBIS.match(value.strip())):
        raise _fail(field, value, "an OBIS code like 1-1:1.9.0")
    return ObisCode(raw=value.strip(), c=int(match["c"]), d=int(match["d"]), e=int(match["e"]))


def unit_factor(value: Any, field: str) -> float:
    """Factor that converts values in this unit to kWh."""
    factor = _UNITS.get(value.strip().upper()) if isinstance(value, str) else None
    if factor is None:
        raise _fail(field, value, "an energy unit WH or KWH")
    return factor


def parse_number(value: Any, field: str) -> float:
    """A finite, non-negative number (int or float, never a string or a boolean)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise _fail(field, value, "a number")
    number = float(value)
    if not math.isfinite(number) or number < 0:
        raise _fail(field, value, "a finite, non-negative number")
    return number


def parse_meter(payload: Any, field: str = "zaehlpunkt") -> Meter:
    """Master data of one meter (``Zaehlpunkt``); only the number is strictly required."""
    obj = _object(payload, field)
    number = _text(obj, "zaehlpunktnummer", field, required=True)
    assert number is not None  # noqa: S101 - required=True guarantees it
    installation = device = interface = address = None
    if (anlage := obj.get("anlage")) is not None:
        sub = _object(anlage, f"{field}.anlage")
        installation = Installation(
            number=_text(sub, "anlage", f"{field}.anlage") or "",
            division=_text(sub, "sparte", f"{field}.anlage"),
            type=_text(sub, "typ", f"{field}.anlage"),
        )
    if (geraet := obj.get("geraet")) is not None:
        sub = _object(geraet, f"{field}.geraet")
        device = Device(
            equipment_number=_text(sub, "equipmentnummer", f"{field}.geraet"),
            device_number=_text(sub, "geraetenummer", f"{field}.geraet"),
        )
    if (idex := obj.get("idex")) is not None:
        sub = _object(idex, f"{field}.idex")
        locked = sub.get("displayLocked")
        if locked is not None and not isinstance(locked, bool):
            raise _fail(f"{field}.idex.displayLocked", locked, "true or false")
        granularity = _text(sub, "granularity", f"{field}.idex")
        interface = Interface(
            customer_interface=_text(sub, "customerInterface", f"{field}.idex"),
            display_locked=locked,
            granularity=granularity.upper() if granularity else None,
        )
    if (stelle := obj.get("verbrauchsstelle")) is not None:
        sub = _object(stelle, f"{field}.verbrauchsstelle")
        where = f"{field}.verbrauchsstelle"
        address = Address(
            street=_text(sub, "strasse", where),
            house_number=_text(sub, "hausnummer1", where),
            house_number_2=_text(sub, "hausnummer2", where),
            house=_text(sub, "haus", where),
            floor=_text(sub, "stockwerk", where),
            door=_text(sub, "tuernummer", where),
            street_addition=_text(sub, "strasseZusatz", where),
            postal_code=_text(sub, "postleitzahl", where),
            city=_text(sub, "ort", where),
            country=_text(sub, "land", where),
        )
    return Meter(
        number=number,
        name=_text(obj, "zaehlpunktname", field),
        installation=installation,
        device=device,
        interface=interface,
        address=address,
    )


def parse_meters(payload: Any) -> list[Meter]:
    """The meter list: a bare array or ``{"items": [...]}``."""
    return [
        parse_meter(item, f"zaehlpunkte[{index}]")
        for index, item in enumerate(unwrap_list(payload, "zaehlpunkte"))
    ]


def _dropped(
    meter: str,
    err: MalformedResponseError,
    obis: ObisCode | None = None,
    start: datetime | None = None,
) -> DroppedValue:
    """A value left out, from the error that reading it raised."""
    reason = str(err).removeprefix("malformed response: ")
    shown, _, expected = reason.partition(", expected ")
    return DroppedValue(
        meter=meter,
        field=err.field or "",
        value=shown.split(" is ", 1)[-1],
        reason=expected or reason,
        obis=obis.raw if obis else None,
        start=start,
    )


def _parse_reading(value: Any, where: str, factor: float) -> Reading:
    """One ``messwert`` object; raises for anything that cannot be read."""
    value_obj = _object(value, where)
    start = parse_timestamp(value_obj.get("zeitVon"), f"{where}.zeitVon")
    end = parse_timestamp(value_obj.get("zeitBis"), f"{where}.zeitBis")
    if end <= start:
        raise _fail(f"{where}.zeitBis", value_obj.get("zeitBis"), "a time after zeitVon")
    number = parse_number(value_obj.get("messwert"), f"{where}.messwert")
    quality = value_obj.get("qualitaet")
    if quality is not None and not isinstance(quality, str):
        raise _fail(f"{where}.qualitaet", quality, "a quality code such as VAL or EST")
    return Reading(start=start, end=end, value=number * factor, quality=(quality or "").strip())


def _start_of(value: Any) -> datetime | None:
    """The interval start of a value that could not be read, if that part can be.

    The earlier of ``zeitVon`` and ``zeitBis``, so a reversed interval names its own day.
    """
    if not isinstance(value, dict):
        return None
    times = []
    for key in ("zeitVon", "zeitBis"):
        try:
            times.append(parse_timestamp(value.get(key), ""))
        except MalformedResponseError:
            continue
    return min(times, default=None)


def _parse_series(
    meter: str, payload: Any, field: str, dropped: list[DroppedValue]
) -> ReadingSeries | None:
    """One register; None when it cannot be assigned (no readable OBIS code)."""
    try:
        obj = _object(payload, field)
        obis = parse_obis(obj.get("obisCode"), f"{field}.obisCode")
        values = obj.get("messwerte")
        if values is None:
            values = []
        if not isinstance(values, list):
            raise _fail(f"{field}.messwerte", values, "a list")
    except MalformedResponseError as err:
        dropped.append(_dropped(meter, err))
        return None
    unit = obj.get("einheit")
    if not values and (unit is None or unit == ""):
        # Seen after opting in to quarter hours: no values and no unit means "no data yet".
        return ReadingSeries(meter=meter, obis=obis, unit=None, readings=())
    try:
        factor = unit_factor(unit, f"{field}.einheit")
    except MalformedResponseError as err:  # the values cannot be converted: none is used
        dropped.append(_dropped(meter, err, obis))
        return ReadingSeries(meter=meter, obis=obis, unit=None, readings=())
    readings = []
    for index, item in enumerate(values):
        try:
            readings.append(_parse_reading(item, f"{field}.messwerte[{index}]", factor))
        except MalformedResponseError as err:
            dropped.append(_dropped(meter, err, obis, _start_of(item)))
    readings.sort(key=lambda reading: (reading.start, reading.end))
    return ReadingSeries(meter=meter, obis=obis, unit=str(unit).strip(), readings=tuple(readings))


def parse_meter_readings(payload: Any, field: str = "messwerte") -> MeterReadings:
    """Readings of one meter: ``{"zaehlpunkt": ..., "zaehlwerke": [...]}``."""
    obj = _object(payload, field)
    meter = _text(obj, "zaehlpunkt", field, required=True)
    assert meter is not None  # noqa: S101 - required=True guarantees it
    if "zaehlwerke" not in obj:
        raise _fail(f"{field}.zaehlwerke", None, "a list of registers")
    registers = obj["zaehlwerke"]
    if registers is None:
        registers = []
    if not isinstance(registers, list):
        raise _fail(f"{field}.zaehlwerke", registers, "a list")
    dropped: list[DroppedValue] = []
    series = tuple(
        parsed
        for index, item in enumerate(registers)
        if (parsed := _parse_series(meter, item, f"{field}.zaehlwerke[{index}]", dropped))
    )
    return MeterReadings(meter=meter, series=series, dropped=tuple(dropped))


def parse_bulk_readings(payload: Any) -> list[MeterReadings]:
    """Readings of several meters: a bare array or ``{"items": ...}``."""
    return [
        parse_meter_readings(item, f"messwerte[{index}]")
        for index, item in enumerate(unwrap_list(payload, "messwerte"))
    ]
