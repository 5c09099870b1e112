"""The saved state: what an earlier version wrote loads in today's form."""

from __future__ import annotations

from datetime import date
from typing import Any

from homeassistant.core import HomeAssistant

from custom_components.wiener_netze.api import Flow
from custom_components.wiener_netze.saved_state import SavedState, SavedStateStore


def test_findings_older_than_the_history_are_forgotten() -> None:
    """Held days, gaps, released days, failing days, replacements, unpriced hours and settled
    days before the horizon go; newer ones stay."""
    state = SavedState(
        settled={"AT001": [["2023-01-01", "2026-11-20"]]},
        held={"AT001/consumption/2023-05-01": {}, "AT001/consumption/2025-05-01": {}},
        gaps={"AT001/consumption/2023-06-01": 4, "AT001/feed_in/2025-06-01": 4},
        released=["AT001/consumption/2023-07-01", "AT001/consumption/2025-07-01"],
        failing={"AT001/2023-08-01": ["2023-08-02", "2023-08-02", 1]},
        replacements=[{"day": "2023-09-01"}, {"day": "2025-09-01"}],
        unpriced={
            "AT001/consumption": [["2023-10-01T00:00:00+00:00", "2023-10-01T05:00:00+00:00"]]
        },
    )
    state.prune(date(2023, 12, 2))
    assert list(state.held) == ["AT001/consumption/2025-05-01"]
    assert list(state.gaps) == ["AT001/feed_in/2025-06-01"]
    assert state.released == ["AT001/consumption/2025-07-01"]
    assert state.failing == {}
    assert state.replacements == [{"day": "2025-09-01"}]
    assert state.unpriced == {}
    assert min(state.settled_days("AT001")) == date(2023, 12, 2)


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


async def test_version_1_3_loads_in_todays_form(
    hass: HomeAssistant, hass_storage: dict[str, Any]
) -> None:
    """1.3 kept no failing days, pending first prices or prices in effect: they start empty."""
    hass_storage["wiener_netze.entry1.import"] = {
        "version": 1,
        "minor_version": 3,
        "key": "wiener_netze.entry1.import",
        "data": {
            "settled": {"AT001": [["2025-01-01", "2026-11-30"]]},
            "data_from": {"AT001/consumption": "2025-01-01"},
            "gaps": {"AT001/consumption/2026-02-01": 4},
            "some_field_a_later_version_dropped": True,
        },
    }
    store = SavedStateStore(hass, "entry1")
    state = await store.async_load()
    assert state.first_day("AT001", Flow.CONSUMPTION) == date(2025, 1, 1)
    assert state.gaps == {"AT001/consumption/2026-02-01": 4}
    assert (state.failing, state.price_pending, state.prices_in_effect) == ({}, [], {})
    assert (state.waiting, state.asked, state.money_pending) == ({}, {}, {})
    await store.async_save()
    saved = hass_storage["wiener_netze.entry1.import"]
    assert (saved["version"], saved["minor_version"]) == (1, 5)
    assert "some_field_a_later_version_dropped" not in saved["data"]


async def test_version_1_4_reads_every_day_once_more(
    hass: HomeAssistant, hass_storage: dict[str, Any]
) -> None:
    """1.4 settled days asked for before Wiener Netze had their data: nothing counts as settled,
    so every day is read again and what is still missing waits or becomes a gap by today's
    rule; everything else stays."""
    hass_storage["wiener_netze.entry1.import"] = {
        "version": 1,
        "minor_version": 4,
        "key": "wiener_netze.entry1.import",
        "data": {
            "settled": {"AT001": [["2025-01-01", "2026-11-30"]]},
            "data_from": {"AT001/consumption": "2025-01-01"},
            "gaps": {"AT001/consumption/2026-11-02": 96},
            "price_pending": ["AT001"],
        },
    }
    state = await SavedStateStore(hass, "entry1").async_load()
    assert state.settled == {}
    assert state.gaps == {"AT001/consumption/2026-11-02": 96}
    assert state.first_day("AT001", Flow.CONSUMPTION) == date(2025, 1, 1)
    assert state.price_pending == ["AT001"]
