"""Typed zones, products and usage, parsed field by field.

Nothing about these answers is documented: an unknown field is ignored, a field of the wrong
type reads as unknown (None), and a zone or product without an id costs itself, not the answer
(counted in ``dropped``). Only an answer without its list is rejected whole.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from .errors import MalformedResponseError

# The fields of a zone that POST /zone/{id} sends back, whole, with one of them changed.
CONFIGURATION_FIELDS = ("programId", "tECO", "window", "tComfort", "mode", "pir", "lock")


def _int(value: Any) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return int(value)


def _bool(value: Any) -> bool | None:
    return value if isinstance(value, bool) else None


def _text(value: Any) -> str | None:
    if isinstance(value, str):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return None


def tenths(value: int | None) -> float | None:
    """A temperature in the cloud's tenths of a degree, in °C."""
    return None if value is None else value / 10


@dataclass(frozen=True, slots=True)
class Product:
    """One radiator: only reached through its zone."""

    id: str
    name: str | None
    model: str | None
    serial: str | None
    detected_temperature: int | None  # tenths of °C
    offline: bool | None
    warming: bool | None
    in_override: bool | None
    led_on: bool | None

    @property
    def temperature(self) -> float | None:
        """The temperature it measures, °C."""
        return tenths(self.detected_temperature)


@dataclass(frozen=True, slots=True)
class Zone:
    """A group of radiators sharing setpoints and a program."""

    id: str
    name: str | None
    products: tuple[Product, ...]
    t_comfort: int | None  # tenths of °C
    t_eco: int | None
    mode: int | None
    info_mode: int | None
    window: int | None
    pir: int | None
    lock: int | None
    program_id: Any
    override: Mapping[str, Any] | None
    # The configuration as last read, sent back whole when one field changes.
    configuration: Mapping[str, Any] = field(default_factory=dict)

    @property
    def online(self) -> tuple[Product, ...]:
        """The products that are not offline."""
        return tuple(product for product in self.products if not product.offline)

    @property
    def current_temperature(self) -> float | None:
        """The mean of the online products' temperatures, °C."""
        found = [p.temperature for p in self.online if p.temperature is not None]
        return round(sum(found) / len(found), 2) if found else None

    @property
    def warming(self) -> bool:
        """Whether any product is warming now."""
        return any(product.warming for product in self.online)

    @property
    def override_active(self) -> bool:
        """Whether the zone (or one of its products) runs an override."""
        return bool(self.override) or any(p.in_override for p in self.products)

    def changed(self, **changes: int) -> dict[str, Any]:
        """The body of POST /zone/{id}: the configuration as read, with ``changes``."""
        unknown = set(changes) - set(CONFIGURATION_FIELDS)
        if unknown:
            raise ValueError(f"not a zone configuration field: {', '.join(sorted(unknown))}")
        return {**self.configuration, **changes}

    def with_configuration(self, body: Mapping[str, Any]) -> Zone:
        """This zone as it is after ``body`` was accepted."""
        return replace(
            self,
            t_comfort=_int(body.get("tComfort")),
            t_eco=_int(body.get("tECO")),
            configuration=dict(body),
        )


@dataclass(frozen=True, slots=True)
class Zones:
    """The answer of GET /zones: the zones read, and how many entries could not be."""

    zones: tuple[Zone, ...]
    dropped: int = 0


@dataclass(frozen=True, slots=True)
class UsagePoint:
    """One hourly bucket: its start (UTC) and its raw value (unit unknown, see docs)."""

    start: datetime
    usage: float


@dataclass(frozen=True, slots=True)
class Usage:
    """The answer of GET /usage: the buckets read, oldest first, and how many could not be."""

    points: tuple[UsagePoint, ...]
    dropped: int = 0


def _product(raw: Any) -> Product | None:
    if not isinstance(raw, Mapping):
        return None
    product_id = _text(raw.get("id"))
    if not product_id:
        return None
    return Product(
        id=product_id,
        name=_text(raw.get("name")),
        model=_text(raw.get("model")),
        serial=_text(raw.get("serial")),
        detected_temperature=_int(raw.get("detectedTemperature")),
        offline=_bool(raw.get("isOffline")),
        warming=_bool(raw.get("isWarming")),
        in_override=_bool(raw.get("isInOverride")),
        led_on=_bool(raw.get("isLedOn")),
    )


def _zone(raw: Any) -> tuple[Zone | None, int]:
    """A zone and the number of its products that could not be read."""
    if not isinstance(raw, Mapping):
        return None, 0
    zone_id = _text(raw.get("id"))
    if not zone_id:
        return None, 0
    products_raw = raw.get("products")
    products_raw = products_raw if isinstance(products_raw, list) else []
    products = [_product(item) for item in products_raw]
    program = raw.get("program")
    program_id = program.get("id") if isinstance(program, Mapping) else raw.get("programId")
    # The program's id is read from "program", the other fields as they came.
    configuration = {"programId": program_id} | {
        name: raw[name] for name in CONFIGURATION_FIELDS if name in raw and name != "programId"
    }
    override = raw.get("override")
    zone = Zone(
        id=zone_id,
        name=_text(raw.get("name")),
        products=tuple(product for product in products if product is not None),
        t_comfort=_int(raw.get("tComfort")),
        t_eco=_int(raw.get("tECO")),
        mode=_int(raw.get("mode")),
        info_mode=_int(raw.get("infoMode")),
        window=_int(raw.get("window")),
        pir=_int(raw.get("pir")),
        lock=_int(raw.get("lock")),
        program_id=program_id,
        override=override if isinstance(override, Mapping) and override else None,
        configuration=configuration,
    )
    return zone, products.count(None)


def parse_zones(payload: Any) -> Zones:
    """GET /zones: ``{"zones": [...]}``; raises when there is no list of zones."""
    if not isinstance(payload, Mapping) or not isinstance(payload.get("zones"), list):
        raise MalformedResponseError("GET /zones: no list of zones")
    zones: list[Zone] = []
    dropped = 0
    for raw in payload["zones"]:
        zone, lost = _zone(raw)
        dropped += lost
        if zone is None:
            dropped += 1
        else:
            zones.append(zone)
    return Zones(tuple(zones), dropped)


def parse_time(value: Any) -> datetime | None:
    """An ISO 8601 time as UTC; None when it is not one (a naive one is taken as UTC)."""
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def parse_usage(payload: Any) -> Usage:
    """GET /usage: ``{"values": [{"date", "usage"}, ...]}``; a bad point costs itself.

    A point is hourly: its start on the hour, its value a finite number of at least 0. Points
    come back oldest first, one per start (a repeated start: the later one counts).
    """
    if not isinstance(payload, Mapping) or not isinstance(payload.get("values"), list):
        raise MalformedResponseError("GET /usage: no list of values")
    points: dict[datetime, UsagePoint] = {}
    dropped = 0
    for raw in payload["values"]:
        start = parse_time(raw.get("date")) if isinstance(raw, Mapping) else None
        value = raw.get("usage") if isinstance(raw, Mapping) else None
        if (
            start is None
            or start.minute
            or start.second
            or start.microsecond
            or isinstance(value, bool)
            or not isinstance(value, int | float)
            or not math.isfinite(value)
            or value < 0
        ):
            dropped += 1
            continue
        points[start] = UsagePoint(start, float(value))
    return Usage(tuple(points[start] for start in sorted(points)), dropped)
