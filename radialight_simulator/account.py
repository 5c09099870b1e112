"""The simulated account: zones of radiators with a thermal model and hourly usage.

Each minute every online product warms while its zone's temperature is below the setpoint in
effect (comfort by day, eco from 22:00 to 06:00 UTC; a little hysteresis), and the room cools
toward the outdoor temperature. A warming product draws its power; that energy is the usage,
kept per zone and hour. Deterministic: the same account and clock give the same answers.
"""

from __future__ import annotations

import math
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

MINUTE = timedelta(minutes=1)
HOUR = timedelta(hours=1)
HEAT_PER_MINUTE = 0.04  # °C a warming product adds to its room each minute
LOSS_PER_MINUTE = 0.004  # share of the gap to the outdoor temperature lost each minute
HYSTERESIS = 0.2
# Accounts: per zone, its name and its products' (model, power in W).
ACCOUNTS: dict[str, list[tuple[str, list[tuple[str, int]]]]] = {
    "small": [("Soggiorno", [("KLIMA", 1000)])],
    "home": [
        ("Soggiorno", [("KLIMA", 1500), ("ICON", 1000)]),
        ("Camera da letto", [("ICON", 750)]),
        ("Bagno ’ospiti", [("KLIMA", 500)]),  # noqa: RUF001 - typographic, as seen in the wild
    ],
    "large": [(f"Stanza {index + 1}", [("KLIMA", 1000)]) for index in range(10)],
    # An account whose radiators are in no zone yet.
    "empty": [],
}


@dataclass(slots=True)
class SimProduct:
    """One radiator."""

    id: str
    name: str
    model: str
    serial: str
    power_w: int
    led_on: bool = True
    warming: bool = False


@dataclass(slots=True)
class SimZone:
    """A zone: its setpoints (tenths of °C), its switches, its room's temperature."""

    id: str
    name: str
    products: list[SimProduct]
    t_comfort: int = 210
    t_eco: int = 170
    program_id: int = 1
    mode: int = 1
    info_mode: int = 0
    window: int = 1
    pir: int = 0
    lock: int = 0
    temperature: float = 17.0
    # Per hour start (UTC): the energy of each of its minutes, Wh.
    minutes: dict[datetime, list[float]] = field(default_factory=dict)

    def configuration(self) -> dict[str, Any]:
        """The fields POST /zone/{id} takes."""
        return {
            "programId": self.program_id,
            "tECO": self.t_eco,
            "window": self.window,
            "tComfort": self.t_comfort,
            "mode": self.mode,
            "pir": self.pir,
            "lock": self.lock,
        }


def outdoor(moment: datetime) -> float:
    """A mild winter day: 2 °C at 03:00 UTC, 8 °C at 15:00."""
    return 5.0 + 3.0 * math.sin(2 * math.pi * (moment.hour + moment.minute / 60 - 9) / 24)


class Account:
    """The zones of one account, advanced minute by minute to the simulator's clock."""

    def __init__(self, kind: str, start: datetime) -> None:
        if kind not in ACCOUNTS:
            raise ValueError(f"unknown account {kind!r}; known: {', '.join(ACCOUNTS)}")
        self.zones: list[SimZone] = []
        self._serial = 0
        for name, products in ACCOUNTS[kind]:
            self.add_zone(name, products)
        self.time = start.astimezone(UTC).replace(second=0, microsecond=0)

    def add_zone(self, name: str, products: list[tuple[str, int]]) -> SimZone:
        """A zone created in the app."""
        zone_id = str(uuid.UUID(int=len(self.zones) * 7919 + 1 + self._serial, version=4))
        made = []
        for model, power in products:
            self._serial += 1
            made.append(
                SimProduct(
                    id=f"{1000000000000000 + self._serial}",
                    name=f"{model} {self._serial}",
                    model=model,
                    serial=f"{0xA0B0C0D000000000 + self._serial:016X}",
                    power_w=power,
                )
            )
        zone = SimZone(zone_id, name, made)
        self.zones.append(zone)
        return zone

    def remove_zone(self, zone_id: str) -> None:
        """A zone deleted in the app (its usage goes with it)."""
        self.zones = [zone for zone in self.zones if zone.id != zone_id]

    def zone(self, zone_id: str) -> SimZone | None:
        """The zone with this id."""
        return next((zone for zone in self.zones if zone.id == zone_id), None)

    def product(self, product_id: str) -> SimProduct | None:
        """The product with this id."""
        return next((p for zone in self.zones for p in zone.products if p.id == product_id), None)

    def advance(self, now: datetime, offline: set[str]) -> None:
        """Run the rooms minute by minute up to ``now`` (a clock set back changes nothing)."""
        while self.time + MINUTE <= now:
            for zone in self.zones:
                self._step(zone, self.time, offline)
            self.time += MINUTE

    @staticmethod
    def _step(zone: SimZone, moment: datetime, offline: set[str]) -> None:
        eco = moment.hour >= 22 or moment.hour < 6
        target = (zone.t_eco if eco else zone.t_comfort) / 10
        energy = 0.0
        heat = 0.0
        for product in zone.products:
            if product.id in offline:
                product.warming = False
                continue
            if zone.temperature < target - HYSTERESIS:
                product.warming = True
            elif zone.temperature >= target + HYSTERESIS:
                product.warming = False
            if product.warming:
                energy += product.power_w / 60
                heat += HEAT_PER_MINUTE * product.power_w / 1000
        zone.temperature += heat - LOSS_PER_MINUTE * (zone.temperature - outdoor(moment))
        hour = moment.replace(minute=0)
        zone.minutes.setdefault(hour, [0.0] * 60)[moment.minute] += energy

    def usage(
        self, zone: SimZone | None, now: datetime, *, hours: int, shows_after: int, grows_for: int
    ) -> list[tuple[datetime, float]]:
        """The buckets (hour start, Wh) a /usage answer shows at ``now``.

        A bucket shows ``shows_after`` minutes after its hour; a minute's energy is in it
        ``grows_for - 60`` minutes after that minute ended (so it grows until then).
        """
        zones = [zone] if zone is not None else self.zones
        current = now.replace(minute=0, second=0, microsecond=0)
        lag = timedelta(minutes=grows_for - 60)
        found = []
        for back in range(hours - 1, -1, -1):
            hour = current - back * HOUR
            if now < hour + timedelta(minutes=shows_after):
                continue
            total = 0.0
            for each in zones:
                minutes = each.minutes.get(hour, [])
                total += sum(
                    energy
                    for index, energy in enumerate(minutes)
                    if hour + (index + 1) * MINUTE + lag <= now
                )
            found.append((hour, total))
        return found

    def truth(self, zone: SimZone | None = None) -> dict[datetime, float]:
        """Every hour's whole energy so far (Wh), account or zone: what statistics must hold."""
        zones = [zone] if zone is not None else self.zones
        hours: dict[datetime, float] = {}
        for each in zones:
            for hour, minutes in each.minutes.items():
                hours[hour] = hours.get(hour, 0.0) + sum(minutes)
        return dict(sorted(hours.items()))
