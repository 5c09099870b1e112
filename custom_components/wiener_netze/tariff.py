"""The tariff (prices) from the options, which tariff applied when per meter, price units.

A tariff change applies from the moment it is made: each meter keeps a timeline of tariffs,
and an hour is priced with the tariff in effect at its start. The first tariff ever entered
also covers every earlier hour (there is nothing before it). ``recalculate_costs`` overrides a
past range with the current tariff. The timelines are persisted in the saved state, so a
correction of an old hour is priced as that hour was priced before.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any

from .api import Flow
from .const import (
    CONF_DAILY_CHARGE,
    CONF_ENERGY_PRICE,
    CONF_FEED_IN_PRICE,
    CONF_FEED_IN_PRICE_ENTITY,
    CONF_PRICE_ENTITY,
    CONF_TARIFF,
)

ALWAYS = datetime.min.replace(tzinfo=UTC)
ENERGY_UNITS = {"Wh": 1000.0, "kWh": 1.0, "MWh": 0.001}
SUBUNITS = ("ct", "c", "cent", "Cent", "¢")
# Currency symbols people write instead of the code.
SYMBOLS = {"€": "EUR", "$": "USD", "£": "GBP", "Fr.": "CHF"}


def price_factor(unit: str | None, currency: str) -> float | None:
    """What turns a price entity's value in ``unit`` into currency per kWh; None for no price."""
    if not unit or "/" not in unit:
        return None
    money, energy = (part.strip() for part in unit.split("/", 1))
    if energy not in ENERGY_UNITS:
        return None
    if SYMBOLS.get(money, money) == currency:
        return ENERGY_UNITS[energy]
    if money in SUBUNITS:
        return ENERGY_UNITS[energy] / 100
    return None


@dataclass(frozen=True, slots=True)
class Tariff:
    """Prices in the instance's currency: per kWh, or an entity whose history gives them."""

    energy_price: float | None = None
    price_entity: str | None = None
    daily_charge: float = 0.0
    feed_in_price: float | None = None
    feed_in_price_entity: str | None = None

    @classmethod
    def from_options(cls, options: Mapping[str, Any]) -> Tariff | None:
        """The tariff section of the options; None when it prices nothing."""
        section = options.get(CONF_TARIFF) or {}
        tariff = cls(
            energy_price=_number(section.get(CONF_ENERGY_PRICE)),
            price_entity=section.get(CONF_PRICE_ENTITY) or None,
            daily_charge=_number(section.get(CONF_DAILY_CHARGE)) or 0.0,
            feed_in_price=_number(section.get(CONF_FEED_IN_PRICE)),
            feed_in_price_entity=section.get(CONF_FEED_IN_PRICE_ENTITY) or None,
        )
        return tariff if tariff.prices_anything else None

    @property
    def prices_anything(self) -> bool:
        """Whether any cost or compensation follows from this tariff."""
        return any(self.prices(flow) for flow in Flow) or self.daily_charge > 0

    def prices(self, flow: Flow) -> bool:
        """Whether this tariff prices the energy of ``flow``."""
        if flow is Flow.CONSUMPTION:
            return self.energy_price is not None or self.price_entity is not None
        return self.feed_in_price is not None or self.feed_in_price_entity is not None

    def fixed_price(self, flow: Flow) -> float | None:
        """The fixed price per kWh of ``flow`` (None when an entity gives it, or none is set)."""
        return self.energy_price if flow is Flow.CONSUMPTION else self.feed_in_price

    def entity(self, flow: Flow) -> str | None:
        """The entity whose history gives the price of ``flow``."""
        return self.price_entity if flow is Flow.CONSUMPTION else self.feed_in_price_entity

    def charge(self, flow: Flow) -> float:
        """The fixed charge per local day, booked with consumption."""
        return self.daily_charge if flow is Flow.CONSUMPTION else 0.0


def _number(value: Any) -> float | None:
    return None if value is None or value == "" else float(value)


@dataclass(frozen=True, slots=True)
class TariffPeriod:
    """A tariff in effect from ``since`` (None: since always) until the next period."""

    since: datetime | None
    tariff: Tariff | None


class TariffTimeline:
    """The tariffs of one meter over time."""

    def __init__(self, periods: list[TariffPeriod] | None = None) -> None:
        self.periods = sorted(periods or [], key=_order)

    def __bool__(self) -> bool:
        """Whether any period has a tariff (otherwise nothing is priced)."""
        return any(period.tariff is not None for period in self.periods)

    def in_effect(self, moment: datetime) -> Tariff | None:
        """The tariff that priced an hour starting at ``moment``."""
        found: Tariff | None = None
        for period in self.periods:
            if period.since is not None and period.since > moment:
                break
            found = period.tariff
        return found

    @property
    def current(self) -> Tariff | None:
        """The tariff in effect now."""
        return self.periods[-1].tariff if self.periods else None

    def change(self, moment: datetime, tariff: Tariff | None) -> bool:
        """Record a tariff entered at ``moment``; False when it is the one in effect already."""
        if not self.periods:
            if tariff is None:
                return False
            self.periods = [TariffPeriod(None, tariff)]
            return True
        if self.current == tariff:
            return False
        self.periods.append(TariffPeriod(moment, tariff))
        return True

    def override(self, start: datetime, end: datetime, tariff: Tariff) -> None:
        """Let ``tariff`` price ``start``..``end``; what was in effect at ``end`` continues."""
        after = self.in_effect(end)
        kept = [
            period
            for period in self.periods
            if period.since is None or not start <= period.since <= end
        ]
        self.periods = sorted(
            [*kept, TariffPeriod(start, tariff), TariffPeriod(end, after)], key=_order
        )
        merged: list[TariffPeriod] = []
        for period in self.periods:
            if merged and merged[-1].tariff == period.tariff:
                continue
            merged.append(period)
        self.periods = merged

    def ever_prices(self, flow: Flow) -> bool:
        """Whether any period prices ``flow`` or charges for it (else it has no money)."""
        return any(
            period.tariff is not None
            and (period.tariff.prices(flow) or period.tariff.charge(flow) > 0)
            for period in self.periods
        )

    def entities(self) -> set[str]:
        """The price entities any period uses."""
        return {
            entity
            for period in self.periods
            if period.tariff is not None
            for entity in (period.tariff.price_entity, period.tariff.feed_in_price_entity)
            if entity
        }

    def as_list(self) -> list[dict[str, Any]]:
        """For the saved state (JSON)."""
        return [
            {
                "since": None if period.since is None else period.since.isoformat(),
                "tariff": None if period.tariff is None else asdict(period.tariff),
            }
            for period in self.periods
        ]

    @classmethod
    def from_list(cls, items: list[dict[str, Any]]) -> TariffTimeline:
        """From the saved state."""
        return cls(
            [
                TariffPeriod(
                    None if item["since"] is None else datetime.fromisoformat(item["since"]),
                    None if item["tariff"] is None else Tariff(**item["tariff"]),
                )
                for item in items
            ]
        )


def _order(period: TariffPeriod) -> datetime:
    return period.since or ALWAYS
