"""Fix flows: release a held-back day, add a new meter, remove a meter that is gone or locked."""

from __future__ import annotations

from homeassistant.components.repairs import RepairsFlow, RepairsFlowResult
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant

from .api import WienerNetzeError
from .const import CONF_METERS
from .coordinator import WienerNetzeConfigEntry
from .issues import HELD_PREFIX, NEW_METER_PREFIX, UNAVAILABLE_PREFIX
from .naming import meter_title
from .saved_state import parse_key


class _EntryFlow(RepairsFlow):
    """A fix flow of one entry's issue, confirmed in one step."""

    def __init__(self, entry_id: str) -> None:
        self._entry_id = entry_id

    def _entry(self) -> WienerNetzeConfigEntry | None:
        entry: WienerNetzeConfigEntry | None = self.hass.config_entries.async_get_entry(
            self._entry_id
        )
        if entry is None or entry.state is not ConfigEntryState.LOADED:
            return None
        return entry

    async def async_step_init(self, user_input: dict[str, str] | None = None) -> RepairsFlowResult:
        """Go straight to the confirmation."""
        return await self.async_step_confirm()

    async def async_step_confirm(
        self, user_input: dict[str, str] | None = None
    ) -> RepairsFlowResult:
        """Implemented by each flow."""
        raise NotImplementedError


class ReleaseHeldDayFlow(_EntryFlow):
    """Confirm, then release the held-back day: import it as Wiener Netze delivers it."""

    def __init__(self, entry_id: str, key: str) -> None:
        super().__init__(entry_id)
        self._key = key

    async def async_step_confirm(
        self, user_input: dict[str, str] | None = None
    ) -> RepairsFlowResult:
        """Release the day once the user confirms."""
        if (entry := self._entry()) is None:
            return self.async_abort(reason="not_loaded")
        number, flow, day = parse_key(self._key)
        if user_input is not None:
            try:
                await entry.runtime_data.async_release(self._key)
            except WienerNetzeError:
                return self.async_abort(reason="cannot_connect")
            return self.async_create_entry(data={})
        totals = entry.runtime_data.saved.state.held.get(self._key, {})
        quarter_hours, day_total = totals.get("quarter_hours"), totals.get("day")
        return self.async_show_form(
            step_id="confirm",
            description_placeholders={
                "meter": entry.runtime_data.names.get(number, number),
                "flow": flow.value,
                "day": day.isoformat(),
                "quarter_hours": "—" if quarter_hours is None else f"{quarter_hours:.3f}",
                "day_total": "—" if day_total is None else f"{day_total:.3f}",
            },
        )


class ChangeMetersFlow(_EntryFlow):
    """Confirm, then add a new meter to the entry or remove one that is gone or locked.

    The entry reloads with the new selection: an added meter gets its devices, entities and
    its whole history; a removed one loses its device and entities, its statistics stay.
    """

    def __init__(self, entry_id: str, number: str, *, add: bool) -> None:
        super().__init__(entry_id)
        self._number = number
        self._add = add

    async def async_step_confirm(
        self, user_input: dict[str, str] | None = None
    ) -> RepairsFlowResult:
        """Change the selection once the user confirms."""
        if (entry := self._entry()) is None:
            return self.async_abort(reason="not_loaded")
        meters = [number for number in entry.data[CONF_METERS] if number != self._number]
        if self._add:
            meters.append(self._number)
        elif not meters:
            return self.async_abort(reason="last_meter")
        if user_input is not None:
            self.hass.config_entries.async_update_entry(
                entry, data={**entry.data, CONF_METERS: meters}
            )
            self.hass.config_entries.async_schedule_reload(entry.entry_id)
            return self.async_create_entry(data={})
        coordinator = entry.runtime_data
        listed = coordinator.account.new.get(self._number)
        name = meter_title(listed, self._number) if listed else None
        return self.async_show_form(
            step_id="confirm",
            description_placeholders={
                "meter": name or coordinator.names.get(self._number, self._number),
                "number": self._number,
            },
        )


async def async_create_fix_flow(
    hass: HomeAssistant, issue_id: str, data: dict[str, str | int | float | None] | None
) -> RepairsFlow:
    """The flow of a fixable issue: a held-back day, a new meter, a meter gone or locked."""
    if not data:
        raise ValueError(f"no fix flow for {issue_id}")
    entry_id = str(data["entry_id"])
    if issue_id.startswith(HELD_PREFIX):
        return ReleaseHeldDayFlow(entry_id, str(data["key"]))
    if issue_id.startswith(NEW_METER_PREFIX):
        return ChangeMetersFlow(entry_id, str(data["number"]), add=True)
    if issue_id.startswith(UNAVAILABLE_PREFIX):
        return ChangeMetersFlow(entry_id, str(data["number"]), add=False)
    raise ValueError(f"no fix flow for {issue_id}")
