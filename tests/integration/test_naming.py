"""Meter names for devices and the selection list, from whatever master data exists."""

from __future__ import annotations

from custom_components.wiener_netze.api import Address, Installation, Meter
from custom_components.wiener_netze.naming import meter_label, meter_model, meter_title

NUMBER = "AT0010000000000000001000004392417"
ADDRESS = Address(street="Favoritenstraße", house_number="112", postal_code="1100", city="Wien")


def meter(name: str | None, address: Address | None, kind: str | None) -> Meter:
    """A meter with only the given master data."""
    installation = Installation("4400123456", "STROM", kind) if kind else None
    return Meter(NUMBER, name, installation, None, None, address)


def test_title_falls_back_to_address_then_number() -> None:
    """Name, else address, else the meter number."""
    assert meter_title(meter("Wohnung", ADDRESS, None), NUMBER) == "Wohnung"
    assert meter_title(meter(None, ADDRESS, None), NUMBER) == "Favoritenstraße 112, 1100 Wien"
    assert meter_title(meter(None, None, None), NUMBER) == NUMBER
    assert meter_title(None, NUMBER) == NUMBER


def test_model_from_installation_type() -> None:
    """Known types in Wiener Netze's words, unknown ones as given, none without a type."""
    assert meter_model(meter(None, None, "BEZUG")) == "Bezug"
    assert meter_model(meter(None, None, "SPEICHER")) == "SPEICHER"
    assert meter_model(meter(None, None, None)) is None


def test_label_marks_ferraris_meters() -> None:
    """A meter without a smart meter interface is labelled Ferraris; missing parts are left out."""
    assert meter_label(meter(None, None, None)) == f"{NUMBER} · Ferraris"
