"""The fix flow of a held-back day: release it (import it as Wiener Netze delivered it)."""

from __future__ import annotations

from homeassistant.components.repairs import RepairsFlow, RepairsFlowResult
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant

from .api import WienerNetzeError
from .coordinator import WienerNetzeConfigEntry
from .issues import HELD_PREFIX
from .saved_state import parse_key


class ReleaseHeldDayFlow(RepairsFlow):
    """Confirm, then release the held-back day: import it as Wiener Netze delivers it."""

    def __init__(self, entry_id: str, key: str) -> None:
        self._entry_id = entry_id
        self._key = key

    async def async_step_init(self, user_input: dict[str, str] | None = None) -> RepairsFlowResult:
        """Go straight to the confirmation."""
        return await self.async_step_confirm()

    async def async_step_confirm(
        self, user_input: dict[str, str] | None = None
    ) -> RepairsFlowResult:
        """Release the day once the user confirms."""
        entry: WienerNetzeConfigEntry | None = self.hass.config_entries.async_get_entry(
            self._entry_id
        )
        if entry is None or entry.state is not ConfigEntryState.LOADED:
            return self.async_abort(reason="not_loaded")
        number, flow, day = parse_key(self._key)
        if user_input is not None:
            try:
                await entry.runtime_data.async_release(self._key)
            except WienerNetzeError:
                return self.async_abort(reason="cannot_connect")
            return self.async_create_entry(data={})
        return self.async_show_form(
            step_id="confirm",
            description_placeholders={
                "meter": entry.runtime_data.names.get(number, number),
                "flow": flow.value,
                "day": day.isoformat(),
            },
        )


async def async_create_fix_flow(
    hass: HomeAssistant, issue_id: str, data: dict[str, str | int | float | None] | None
) -> RepairsFlow:
    """The flow for a held-back day's issue."""
    if not data or not issue_id.startswith(HELD_PREFIX):
        raise ValueError(f"no fix flow for {issue_id}")
    return ReleaseHeldDayFlow(str(data["entry_id"]), str(data["key"]))
