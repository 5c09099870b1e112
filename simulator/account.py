"""The simulated account: which meters exist, and their master data as the API returns it."""

from __future__ import annotations

from dataclasses import dataclass
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

    @property
    def is_smart(self) -> bool:
        """Ferraris meters are listed with resultType=ALL only and deliver no readings."""
        return self.granularity is not None

    @property
    def feeds_in(self) -> bool:
        """Whether the meter has export registers (2.8.0 / 2.9.0)."""
        return self.pv_peak_kw > 0

    def master_data(self) -> dict[str, Any]:
        """The ``Zaehlpunkt`` object; Ferraris meters have no ``idex``."""
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
            data["idex"] = {
                "customerInterface": "active",
                "displayLocked": True,
                "granularity": self.granularity,
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


def default_account() -> list[MeterSpec]:
    """A flat with quarter hours, a house with PV, a daily-only meter and a Ferraris meter."""
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
