"""The simulated accounts: which meters exist, their shapes, and their master data.

Real metering points come in shapes the default account shows all of: quarter hours switched
on partway through the history (day values and registers before), consumption and feed-in on one
point, PV added on a date, feed-in on a metering point of its own, day values only, and a
Ferraris meter without a smart meter interface. Other named accounts (``ACCOUNTS``) are selected
with the ``account`` setting, at start or while running.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date
from typing import Any


@dataclass(frozen=True, slots=True)
class MeterSpec:
    """One simulated metering point."""

    number: str
    name: str
    installation: str
    installation_type: str
    equipment: str
    device: str
    address: dict[str, str]
    installed: date
    granularity: str | None  # None: a Ferraris meter, no smart meter interface
    load_scale: float = 1.0
    pv_peak_kw: float = 0.0
    initial_import_wh: int = 0
    initial_export_wh: int = 0
    # Quarter hours switched on in the portal from this day (None: from installation); before
    # it the meter publishes day values and registers only.
    quarter_hours_from: date | None = None
    # A metering point of a PV plant of its own measures feed-in only.
    consumes: bool = True
    # PV added on this day (None: from installation): no feed-in before it.
    pv_from: date | None = None
    # The known standby power (W) of a meter that consumes: with the ``standby`` setting the
    # household load is this plus the day's peaks, so the night floor is exactly this.
    standby_w: float = 0.0

    @property
    def is_smart(self) -> bool:
        """Ferraris meters are listed with resultType=ALL only and deliver no readings."""
        return self.granularity is not None

    @property
    def feeds_in(self) -> bool:
        """Whether the meter has export registers (2.8.0 / 2.9.0)."""
        return self.pv_peak_kw > 0

    def feeds_in_on(self, day: date) -> bool:
        """Whether the meter measures feed-in on ``day`` (PV installed by then)."""
        return self.feeds_in and (self.pv_from is None or day >= self.pv_from)

    def quarter_hours_on(self, day: date) -> bool:
        """Whether quarter hours are published for ``day``."""
        if self.granularity != "QUARTER_HOUR":
            return False
        return self.quarter_hours_from is None or day >= self.quarter_hours_from

    def master_data(self, today: date | None = None) -> dict[str, Any]:
        """The ``Zaehlpunkt`` object on ``today``; Ferraris meters have no ``idex``."""
        data: dict[str, Any] = {
            "zaehlpunktnummer": self.number,
            "zaehlpunktname": self.name,
            "anlage": {
                "anlage": self.installation,
                "sparte": "STROM",
                "typ": self.installation_type,
            },
            "geraet": {"equipmentnummer": self.equipment, "geraetenummer": self.device},
            "verbrauchsstelle": dict(self.address),
        }
        if self.granularity is not None:
            granularity = self.granularity
            if today is not None and granularity == "QUARTER_HOUR":
                granularity = "QUARTER_HOUR" if self.quarter_hours_on(today) else "DAY"
            data["idex"] = {
                "customerInterface": "active",
                "displayLocked": True,
                "granularity": granularity,
            }
        return data


def _address(
    street: str, number: str, *, stair: str = "", floor: str = "", door: str = "", plz: str
) -> dict[str, str]:
    return {
        "strasse": street,
        "hausnummer1": number,
        "hausnummer2": "",
        "haus": stair,
        "stockwerk": floor,
        "tuernummer": door,
        "strasseZusatz": "",
        "postleitzahl": plz,
        "ort": "Wien",
        "land": "AT",
    }


HOUSEHOLD = "AT0010000000000000001000004392417"
PHOTOVOLTAIC = "AT0010000000000000001000009811290"
DAILY = "AT0010000000000000001000002275034"
FERRARIS = "AT0010000000000000001000000573190"
FEED_IN_ONLY = "AT0010000000000000001000007700221"

# The default account's dated shapes.
HOUSEHOLD_QUARTER_HOURS_FROM = date(2024, 3, 1)
PV_FROM = date(2024, 8, 1)


def default_account() -> list[MeterSpec]:
    """Every shape of metering point in one account.

    A flat that switched quarter hours on in March 2024, a house whose PV was added in August
    2024, a PV plant on a feed-in metering point of its own, a meter with day values only and
    a Ferraris meter.
    """
    plain = {spec.number: spec for spec in plain_account()}
    return [
        replace(plain[HOUSEHOLD], quarter_hours_from=HOUSEHOLD_QUARTER_HOURS_FROM),
        replace(plain[PHOTOVOLTAIC], pv_from=PV_FROM),
        MeterSpec(
            number=FEED_IN_ONLY,
            name="PV-Anlage Dach",
            installation="4400987700",
            installation_type="EINSPEISUNG",
            equipment="80098770",
            device="1KFM0200987700",
            address=_address("Siebenbürgerstraße", "27", plz="1220"),
            installed=date(2022, 6, 20),
            granularity="QUARTER_HOUR",
            load_scale=0.0,
            pv_peak_kw=9.8,
            initial_export_wh=3_120_000,
            consumes=False,
        ),
        plain[DAILY],
        plain[FERRARIS],
    ]


def plain_account() -> list[MeterSpec]:
    """The same meters, each unchanged since its installation, without the PV plant.

    A flat with quarter hours, a house with PV, a daily-only meter and a Ferraris meter.
    """
    return [
        MeterSpec(
            number=HOUSEHOLD,
            name="Wohnung",
            installation="4400123456",
            installation_type="BEZUG",
            equipment="80012345",
            device="1KFM0200345678",
            address=_address("Favoritenstraße", "112", stair="2", floor="3", door="14", plz="1100"),
            installed=date(2021, 9, 1),
            granularity="QUARTER_HOUR",
            load_scale=0.85,
            initial_import_wh=18_234_000,
            standby_w=85.0,
        ),
        MeterSpec(
            number=PHOTOVOLTAIC,
            name="Haus mit PV",
            installation="4400987654",
            installation_type="BEZUG_EINSPEISUNG",
            equipment="80098765",
            device="1KFM0200987654",
            address=_address("Siebenbürgerstraße", "27", plz="1220"),
            installed=date(2023, 4, 14),
            granularity="QUARTER_HOUR",
            load_scale=1.45,
            pv_peak_kw=7.2,
            initial_import_wh=41_002_000,
            standby_w=140.0,
        ),
        MeterSpec(
            number=DAILY,
            name="Ordination",
            installation="4400555123",
            installation_type="BEZUG",
            equipment="80055512",
            device="1KFM0200555123",
            address=_address("Hernalser Hauptstraße", "44", floor="1", door="5", plz="1170"),
            installed=date(2022, 1, 10),
            granularity="DAY",
            load_scale=0.8,
            initial_import_wh=2_500_000,
            standby_w=70.0,
        ),
        MeterSpec(
            number=FERRARIS,
            name="Garage",
            installation="4400000321",
            installation_type="BEZUG",
            equipment="10000321",
            device="AEG-0321",
            address=_address("Favoritenstraße", "112", door="G3", plz="1100"),
            installed=date(2009, 5, 4),
            granularity=None,
        ),
    ]


def _one(number: str) -> Callable[[], list[MeterSpec]]:
    """An account with one meter of the default account: one shape on its own."""
    return lambda: [spec for spec in default_account() if spec.number == number]


ACCOUNTS: dict[str, Callable[[], list[MeterSpec]]] = {
    "default": default_account,
    "plain": plain_account,
    # One shape each (double-tariff registers: the ``tariff_meters`` setting on any of them).
    "quarter_hours_opt_in": _one(HOUSEHOLD),
    "pv_added": _one(PHOTOVOLTAIC),
    "feed_in_only": _one(FEED_IN_ONLY),
    "day_values": _one(DAILY),
}


def account(name: str) -> list[MeterSpec]:
    """The meters of a named account."""
    try:
        return ACCOUNTS[name]()
    except KeyError:
        raise ValueError(f"unknown account {name!r}; known: {', '.join(ACCOUNTS)}") from None
