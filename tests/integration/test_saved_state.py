"""The saved state: what an earlier version wrote loads in today's form."""

from __future__ import annotations

from typing import Any

from homeassistant.core import HomeAssistant

from custom_components.wiener_netze.saved_state import SavedStateStore


async def test_version_1_1_loads_in_todays_form(
    hass: HomeAssistant, hass_storage: dict[str, Any]
) -> None:
    """Released days were called "forced" (1.1), the history import one flag (1.2)."""
    hass_storage["wiener_netze.entry1.import"] = {
        "version": 1,
        "minor_version": 1,
        "key": "wiener_netze.entry1.import",
        "data": {
            "backfill_start": "2025-11-21",
            "backfill_next": "2026-05-20",
            "held": {"AT001/consumption/2026-03-02": {"quarter_hours": 9.1, "day": 0.9}},
            "forced": ["AT001/consumption/2026-03-01"],
            "gaps": {"AT001/consumption/2026-02-01": 4},
        },
    }
    state = await SavedStateStore(hass, "entry1").async_load()
    assert state.released == ["AT001/consumption/2026-03-01"]
    # 1.2 imported quarter hours only: nothing counts as settled, every day is read once more.
    assert state.settled == {}
    assert not hasattr(state, "backfill_next")
    assert state.held == {"AT001/consumption/2026-03-02": {"quarter_hours": 9.1, "day": 0.9}}
    assert state.gaps == {"AT001/consumption/2026-02-01": 4}
