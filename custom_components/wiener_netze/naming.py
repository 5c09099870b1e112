"""How meters are named for people: in device names, flow labels and issue texts."""

from __future__ import annotations

from .api import Meter

INSTALLATION_TYPES = {
    "BEZUG": "Bezug",
    "EINSPEISUNG": "Einspeisung",
    "BEZUG_EINSPEISUNG": "Bezug und Einspeisung",
}


def meter_title(meter: Meter | None, number: str) -> str:
    """The meter's name from the portal, else its address, else its number."""
    if meter is not None:
        if meter.name:
            return meter.name
        if meter.address is not None and meter.address.one_line:
            return meter.address.one_line
    return number


def meter_model(meter: Meter | None) -> str | None:
    """The installation type as Wiener Netze names it (Bezug, Einspeisung, …)."""
    if meter is None or meter.installation is None or not meter.installation.type:
        return None
    kind = meter.installation.type
    return INSTALLATION_TYPES.get(kind.upper(), kind)


def meter_label(meter: Meter) -> str:
    """One line for the meter selection: name, number and address."""
    parts = [meter.name or "", meter.number]
    if meter.address is not None and meter.address.one_line:
        parts.append(meter.address.one_line)
    if not meter.is_smart_meter:
        parts.append("Ferraris")
    return " · ".join(part for part in parts if part)
