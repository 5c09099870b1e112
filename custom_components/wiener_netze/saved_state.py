"""What the integration remembers across restarts, in Home Assistant's storage, per entry.

Which days of each meter are final (settled), the first day with data of each statistic, days
waiting for their data and when they were asked for, days held back and days the user released,
gaps, meter replacements, each meter's tariff timeline, the hours that had no price and the days
whose money a stop may have left behind. What has been imported is what the recorder holds: the
settled days only say which of the days the recorder holds are final. What a day's state means
and how it changes is :mod:`.day_life`'s. Keys of the day maps are
``<meter>/<flow>/<YYYY-MM-DD>``; day ranges are ``[first, last]`` pairs of ISO days, hour ranges
``[first start, last end)`` pairs of ISO times.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.helpers.storage import Store

from .api import Flow
from .api.vienna_time import HOUR, ONE_DAY, days_between, local_midnight
from .const import DOMAIN

STORAGE_VERSION = 1
# 2: "forced" (days imported although held back) renamed "released".
# 3: per-meter settled days and per-statistic first days instead of one history import flag.
# 4: days failing, meters whose history awaits the first tariff's prices, prices in effect.
# 5: days waiting for their data and when they were asked for, days whose money is pending.
STORAGE_MINOR_VERSION = 5


def day_key(number: str, flow: Flow, day: date) -> str:
    """The key of one day of one flow of one meter."""
    return f"{number}/{flow.value}/{day.isoformat()}"


def meter_day(number: str, day: date) -> str:
    """The key of one day of one meter (a read covers all of its statistics)."""
    return f"{number}/{day.isoformat()}"


def parse_meter_day(key: str) -> tuple[str, date]:
    """The meter and day of a :func:`meter_day` key."""
    number, day = key.split("/")
    return number, date.fromisoformat(day)


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


def to_day_ranges(days: Iterable[date]) -> list[list[str]]:
    """Days as merged ``[first, last]`` pairs of ISO days."""
    ranges: list[list[date]] = []
    for day in sorted(set(days)):
        if ranges and ranges[-1][1] + ONE_DAY >= day:
            ranges[-1][1] = max(ranges[-1][1], day)
        else:
            ranges.append([day, day])
    return [[first.isoformat(), last.isoformat()] for first, last in ranges]


def from_day_ranges(ranges: Iterable[list[str]]) -> set[date]:
    """The days of :func:`to_day_ranges`' pairs."""
    days: set[date] = set()
    for first, last in ranges:
        days.update(days_between(date.fromisoformat(first), date.fromisoformat(last)))
    return days


@dataclass(slots=True)
class SavedState:
    """Persisted progress and findings of the statistics import."""

    # Meter → days that are final (data written, a gap, or before the meter's data), as day
    # ranges.
    settled: dict[str, list[list[str]]] = field(default_factory=dict)
    # Statistic (``<meter>/<flow>``) → the first day with data.
    data_from: dict[str, str] = field(default_factory=dict)
    # Meter → the day its data starts, concluded from an answer with its data whose days before
    # it were read empty (nothing older is asked for).
    data_start: dict[str, str] = field(default_factory=dict)
    # ``<meter>/<day>`` → [first day it failed, last day it failed, days it failed on]: a day
    # whose request keeps failing (400, too slow) on three days becomes a gap.
    failing: dict[str, list[Any]] = field(default_factory=dict)
    # ``<meter>/<flow>/<day>`` → quarter hours not there, of days asked for that came back
    # without (some of) their data while the meter still keeps it: not yet delivered.
    waiting: dict[str, int] = field(default_factory=dict)
    # ``<meter>/<day>`` → [first day asked, last day asked] of days still waiting or held: they
    # are asked for again with growing pauses.
    asked: dict[str, list[str]] = field(default_factory=dict)
    # Statistic (``<meter>/<flow>``) → days a sync was writing, as day ranges: left behind by a
    # sync that did not finish (a stop between energy and money), their money is priced again.
    money_pending: dict[str, list[list[str]]] = field(default_factory=dict)
    # Meters whose imported history is still to be priced with the first tariff entered.
    price_pending: list[str] = field(default_factory=list)
    # Price entity → [value, since]: the value it has had unchanged since then, as seen by
    # pricing (a restart gives a restored helper a new ``last_changed``).
    prices_in_effect: dict[str, list[Any]] = field(default_factory=dict)
    # Meter → the first day it had quarter hours: a later day without them is a gap.
    quarter_hours_from: dict[str, str] = field(default_factory=dict)
    # The smart meters the account listed when the entry was set up (None: not read yet): a
    # smart meter listed that is neither among them nor selected is new.
    known_meters: list[str] | None = None
    held: dict[str, dict[str, float | None]] = field(default_factory=dict)
    released: list[str] = field(default_factory=list)
    gaps: dict[str, int] = field(default_factory=dict)
    replacements: list[dict[str, Any]] = field(default_factory=list)
    tariffs: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    unpriced: dict[str, list[list[str]]] = field(default_factory=dict)
    # Meter → local day → [kWh consumed, base load in W or None, whether the base load is in
    # its statistic]: the recent complete days (:mod:`.day_ledger`).
    ledger: dict[str, dict[str, list[float | bool | None]]] = field(default_factory=dict)
    # Meter → the first day an unusual day may be named for: earlier days came with the set-up.
    unusual_from: dict[str, str] = field(default_factory=dict)
    # Meter → the days already judged usual or not, as day ranges: each is judged once.
    judged: dict[str, list[list[str]]] = field(default_factory=dict)
    # Meter → kind (``unusual_consumption``, ``unusual_base_load``) → [``high`` or ``low``, the
    # first and the last day found so]: the value left its band that way and has not come back
    # since (a lasting step is named once).
    steps: dict[str, dict[str, list[str]]] = field(default_factory=dict)
    # Whether the settled days were read with their base load. When it is switched on and they
    # were not, every day is read once more, so the base load reaches as far back as the history.
    base_load_read: bool = False

    def settled_days(self, number: str) -> set[date]:
        """The days of a meter read and written in their final form."""
        return from_day_ranges(self.settled.get(number, []))

    def settle(self, number: str, days: Iterable[date]) -> None:
        """Record days of a meter as read and written in their final form."""
        days = set(days)
        if days:
            self.settled[number] = to_day_ranges(self.settled_days(number) | days)

    def first_day(self, number: str, flow: Flow) -> date | None:
        """The first day with data of one statistic, as far as known."""
        found = self.data_from.get(flow_key(number, flow))
        return date.fromisoformat(found) if found else None

    def note_data(self, number: str, flow: Flow, day: date) -> None:
        """A statistic has data on ``day`` (its meter's data starts no later)."""
        first = self.first_day(number, flow)
        if first is None or day < first:
            self.data_from[flow_key(number, flow)] = day.isoformat()
        if (start := self.data_start.get(number)) is not None and day.isoformat() < start:
            del self.data_start[number]

    def pending_days(self, number: str, flow: Flow) -> set[date]:
        """Days of a statistic whose money a sync that did not finish may have left behind."""
        return from_day_ranges(self.money_pending.get(flow_key(number, flow), []))

    def set_pending(self, number: str, flow: Flow, days: set[date]) -> None:
        """Record the days of a statistic whose money is pending (none: forget them)."""
        key = flow_key(number, flow)
        if days:
            self.money_pending[key] = to_day_ranges(days)
        else:
            self.money_pending.pop(key, None)

    def prune(self, before: date) -> None:
        """Forget findings about days before ``before`` (older than any history kept)."""
        for mapping in (self.held, self.gaps, self.waiting):
            for key in [key for key in mapping if parse_key(key)[2] < before]:
                del mapping[key]
        self.released = [key for key in self.released if parse_key(key)[2] >= before]
        for days in (self.failing, self.asked):
            for key in [key for key in days if parse_meter_day(key)[1] < before]:
                del days[key]
        for key, ranges in list(self.money_pending.items()):
            number, flow = key.split("/")
            self.set_pending(
                number, Flow(flow), {d for d in from_day_ranges(ranges) if d >= before}
            )
        self.replacements = [
            record for record in self.replacements if record["day"] >= before.isoformat()
        ]
        horizon = local_midnight(before).isoformat()
        for key, ranges in list(self.unpriced.items()):
            kept = [pair for pair in ranges if pair[1] > horizon]
            if kept:
                self.unpriced[key] = kept
            else:
                del self.unpriced[key]
        for number in list(self.settled):
            self.settle_only_from(number, before)

    def unsettle_from(self, number: str, first: date) -> None:
        """Days of a meter from ``first`` on are no longer settled: they are read once more."""
        days = {day for day in self.settled_days(number) if day < first}
        self.settled[number] = to_day_ranges(days)

    def settle_only_from(self, number: str, first: date) -> None:
        """Keep the settled days of a meter from ``first`` on."""
        days = {day for day in self.settled_days(number) if day >= first}
        self.settled[number] = to_day_ranges(days)

    def meters(self) -> set[str]:
        """Every meter something is kept of."""
        keyed = [
            *self.data_from,
            *self.held,
            *self.gaps,
            *self.unpriced,
            *self.released,
            *self.failing,
            *self.waiting,
            *self.asked,
            *self.money_pending,
        ]
        per_meter = [
            *self.settled,
            *self.data_start,
            *self.ledger,
            *self.unusual_from,
            *self.judged,
        ]
        return set(per_meter) | {key.split("/")[0] for key in keyed}

    def forget_meters(self, numbers: Iterable[str]) -> None:
        """Drop what is kept of meters no longer in the entry (their statistics stay)."""
        numbers = set(numbers)
        for number in numbers:
            self.settled.pop(number, None)
            self.quarter_hours_from.pop(number, None)
            self.data_start.pop(number, None)
            self.ledger.pop(number, None)
            self.unusual_from.pop(number, None)
            self.judged.pop(number, None)
            self.steps.pop(number, None)
        mappings: tuple[dict[str, Any], ...] = (
            self.data_from,
            self.held,
            self.gaps,
            self.unpriced,
            self.failing,
            self.waiting,
            self.asked,
            self.money_pending,
        )
        for mapping in mappings:
            for key in [key for key in mapping if key.split("/")[0] in numbers]:
                del mapping[key]
        self.price_pending = [number for number in self.price_pending if number not in numbers]
        self.released = [key for key in self.released if key.split("/")[0] not in numbers]


def migrate(minor_version: int, data: dict[str, Any]) -> dict[str, Any]:
    """Saved state of an earlier minor version in today's form."""
    data = dict(data)
    if minor_version < 2 and "forced" in data:
        data["released"] = data.pop("forced")
    if minor_version < 3:
        # Version 1.2 imported quarter hours only: days before a meter's opt-in, days without
        # quarter hours and gaps were never imported as they are now. Nothing counts as settled,
        # so every day is read once more; rows that are already right are not written again.
        for key in ("backfill_start", "backfill_next", "backfill_done", "first_data"):
            data.pop(key, None)
    if minor_version < 5:
        # Up to 1.4 a day asked for before Wiener Netze had its data was settled (often as a
        # gap) and never asked for again. Nothing counts as settled: every day is read once
        # more, and what is still missing waits for its data or becomes a gap by today's rule.
        data["settled"] = {}
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
