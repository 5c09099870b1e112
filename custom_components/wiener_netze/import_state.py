"""What the statistics import has to remember across restarts, in Home Assistant's storage.

The backfill's next day (so a restart continues where it stopped), how far back data exists,
days held back as implausible, days the user imported anyway, gaps, meter replacements, each
meter's tariff timeline, and the hours that had no price (``<meter>/<flow>`` → hour ranges).
Keys of the day maps are ``<meter>/<flow>/<YYYY-MM-DD>``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.helpers.storage import Store

from .api import Direction
from .const import DOMAIN

STORAGE_VERSION = 1


def day_key(number: str, flow: Direction, day: date) -> str:
    """The key of one day of one flow of one meter."""
    return f"{number}/{flow.value}/{day.isoformat()}"


def parse_key(key: str) -> tuple[str, Direction, date]:
    """The meter, flow and day of a key."""
    number, flow, day = key.split("/")
    return number, Direction(flow), date.fromisoformat(day)


@dataclass(slots=True)
class ImportState:
    """Persisted progress and findings of the statistics import."""

    backfill_start: str | None = None
    backfill_next: str | None = None
    backfill_done: bool = False
    first_data: str | None = None
    held: dict[str, dict[str, float | None]] = field(default_factory=dict)
    forced: list[str] = field(default_factory=list)
    gaps: dict[str, int] = field(default_factory=dict)
    replacements: list[dict[str, Any]] = field(default_factory=list)
    tariffs: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    unpriced: dict[str, list[list[str]]] = field(default_factory=dict)


class ImportStateStore:
    """Loads and saves :class:`ImportState` for one config entry."""

    def __init__(self, hass: HomeAssistant, entry_id: str) -> None:
        self._store: Store[dict[str, Any]] = Store(
            hass, STORAGE_VERSION, f"{DOMAIN}.{entry_id}.import"
        )
        self.state = ImportState()

    async def async_load(self) -> ImportState:
        """Read the saved state (a fresh one the first time)."""
        data = await self._store.async_load() or {}
        known = set(ImportState.__dataclass_fields__)
        self.state = ImportState(**{key: value for key, value in data.items() if key in known})
        return self.state

    async def async_save(self) -> None:
        """Write the state now (progress must survive a restart right after)."""
        await self._store.async_save(asdict(self.state))

    async def async_remove(self) -> None:
        """Delete the stored state (the entry is being removed)."""
        await self._store.async_remove()
