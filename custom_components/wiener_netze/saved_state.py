"""What the integration remembers across restarts, in Home Assistant's storage, per entry.

The history import's next day (so a restart continues where it stopped), how far back data
exists, days held back and days the user released, gaps, meter replacements, each meter's
tariff timeline, and the hours that had no price. Keys of the day maps are
``<meter>/<flow>/<YYYY-MM-DD>``; hour ranges are ``[first start, last end)`` pairs of ISO text.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.helpers.storage import Store

from .api import Flow
from .api.vienna_time import HOUR
from .const import DOMAIN

STORAGE_VERSION = 1
# 2: "forced" (days imported although held back) renamed "released".
STORAGE_MINOR_VERSION = 2


def day_key(number: str, flow: Flow, day: date) -> str:
    """The key of one day of one flow of one meter."""
    return f"{number}/{flow.value}/{day.isoformat()}"


def parse_key(key: str) -> tuple[str, Flow, date]:
    """The meter, flow and day of a key."""
    number, flow, day = key.split("/")
    return number, Flow(flow), date.fromisoformat(day)


def flow_key(number: str, flow: Flow) -> str:
    """The key of one meter's flow."""
    return f"{number}/{flow.value}"


def to_ranges(hours: set[datetime]) -> list[list[str]]:
    """Consecutive hours as ``[first start, last end)`` pairs of ISO strings."""
    ranges: list[list[datetime]] = []
    for hour in sorted(hours):
        if ranges and ranges[-1][1] == hour:
            ranges[-1][1] = hour + HOUR
        else:
            ranges.append([hour, hour + HOUR])
    return [[start.isoformat(), end.isoformat()] for start, end in ranges]


def from_ranges(ranges: list[list[str]]) -> set[datetime]:
    """The hours of :func:`to_ranges`' pairs."""
    hours: set[datetime] = set()
    for first, last in ranges:
        hour, end = datetime.fromisoformat(first), datetime.fromisoformat(last)
        while hour < end:
            hours.add(hour)
            hour += HOUR
    return hours


@dataclass(slots=True)
class SavedState:
    """Persisted progress and findings of the statistics import."""

    backfill_start: str | None = None
    backfill_next: str | None = None
    backfill_done: bool = False
    first_data: str | None = None
    held: dict[str, dict[str, float | None]] = field(default_factory=dict)
    released: list[str] = field(default_factory=list)
    gaps: dict[str, int] = field(default_factory=dict)
    replacements: list[dict[str, Any]] = field(default_factory=list)
    tariffs: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    unpriced: dict[str, list[list[str]]] = field(default_factory=dict)


def migrate(minor_version: int, data: dict[str, Any]) -> dict[str, Any]:
    """Saved state of an earlier minor version in today's form."""
    if minor_version < 2 and "forced" in data:
        data = {**data, "released": data["forced"]}
        del data["forced"]
    return data


class _VersionedStore(Store[dict[str, Any]]):
    """Home Assistant's storage, with this integration's migrations."""

    async def _async_migrate_func(
        self, old_major_version: int, old_minor_version: int, old_data: dict[str, Any]
    ) -> dict[str, Any]:
        return migrate(old_minor_version, old_data)


class SavedStateStore:
    """Loads and saves :class:`SavedState` for one config entry."""

    def __init__(self, hass: HomeAssistant, entry_id: str) -> None:
        self._store = _VersionedStore(
            hass,
            STORAGE_VERSION,
            f"{DOMAIN}.{entry_id}.import",
            minor_version=STORAGE_MINOR_VERSION,
        )
        self.state = SavedState()

    async def async_load(self) -> SavedState:
        """Read the saved state (a fresh one the first time)."""
        data = await self._store.async_load() or {}
        known = set(SavedState.__dataclass_fields__)
        self.state = SavedState(**{key: value for key, value in data.items() if key in known})
        return self.state

    async def async_save(self) -> None:
        """Write the state now (progress must survive a restart right after)."""
        await self._store.async_save(asdict(self.state))

    async def async_remove(self) -> None:
        """Delete the stored state (the entry is being removed)."""
        await self._store.async_remove()
