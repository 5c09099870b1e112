"""The unusual-day event of each consuming meter: fired once per day and kind.

Its event types are :class:`.unusual_days.Kind`; the data says which day, its value, the band
its references make expected and the ratio to their median (:meth:`.unusual_days.Finding
.event_data`). What fires is decided by :mod:`.unusual_watch`; the entity takes it from there
and fires it once it is available, after its state was written (an automation's state trigger
ignores a change from ``unavailable``). Several at once get times a millisecond apart from
Home Assistant, so each is a change of state of its own. What waits when the entry unloads is
lost: the days are judged and saved before, and never named twice.
"""

from __future__ import annotations

import asyncio
from collections import deque

from homeassistant.components.event import EventEntity
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .api import Flow
from .coordinator import WienerNetzeConfigEntry, WienerNetzeCoordinator
from .entity import WienerNetzeEntity
from .unusual_days import Finding, Kind

PARALLEL_UPDATES = 0
KEY = "unusual_day"


class UnusualDayEvent(WienerNetzeEntity, EventEntity):
    """A day of one meter out of the ordinary: its consumption, or its base load."""

    _attr_translation_key = KEY

    def __init__(self, coordinator: WienerNetzeCoordinator, number: str) -> None:
        super().__init__(coordinator, number, KEY)
        self._attr_event_types = [kind.value for kind in Kind]
        self._waiting: deque[Finding] = deque()
        self._next: asyncio.Handle | None = None

    async def async_added_to_hass(self) -> None:
        """Fire what was found before the entity was there."""
        await super().async_added_to_hass()
        self.async_on_remove(self._stop)
        self._take()

    @callback
    def _handle_coordinator_update(self) -> None:
        """Fire what the watch found since."""
        self._take()
        super()._handle_coordinator_update()

    @callback
    def _take(self) -> None:
        """Take the watch's findings; fire them after the state this update writes."""
        self._waiting.extend(self.coordinator.unusual.take(self.number))
        if self._waiting and self._next is None:
            self._next = self.hass.loop.call_soon(self._fire)

    @callback
    def _fire(self) -> None:
        """Fire what waits, oldest first; while unavailable it waits for an update."""
        self._next = None
        if not self.available:
            return
        while self._waiting:
            finding = self._waiting.popleft()
            self._trigger_event(finding.kind.value, finding.event_data())
            self.async_write_ha_state()

    @callback
    def _stop(self) -> None:
        if self._next is not None:
            self._next.cancel()
            self._next = None


async def async_setup_entry(
    hass: HomeAssistant,
    entry: WienerNetzeConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """An unusual-day event per meter that consumes, while the option is on."""
    coordinator = entry.runtime_data
    if not coordinator.options.unusual_days:
        registry = er.async_get(hass)
        for entity in er.async_entries_for_config_entry(registry, entry.entry_id):
            if entity.domain == "event":
                registry.async_remove(entity.entity_id)
        return
    added: set[str] = set()

    @callback
    def add_new() -> None:
        new = [
            number
            for number, summary in coordinator.data.meters.items()
            if Flow.CONSUMPTION in summary.flows and number not in added
        ]
        added.update(new)
        if new:
            async_add_entities(UnusualDayEvent(coordinator, number) for number in new)

    add_new()
    entry.async_on_unload(coordinator.async_add_listener(add_new))
