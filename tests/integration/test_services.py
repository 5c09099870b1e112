"""The import_history and get_readings actions, their checks and their errors."""

from __future__ import annotations

from datetime import date

import pytest
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.wiener_netze.api import Flow
from custom_components.wiener_netze.const import DOMAIN
from simulator.account import HOUSEHOLD, PHOTOVOLTAIC
from simulator.app import Simulator

from .helpers import state, truth_kwh
from .statistics_support import stored, truth_hours

JUNE = (date(2026, 6, 1), date(2026, 6, 3))


@pytest.fixture(autouse=True)
def _validated(sim_state: Simulator) -> None:
    """Validated values only."""
    sim_state.settings.estimate_share = 0.0


async def test_import_history_rebases_later_sums(
    hass: HomeAssistant, loaded: MockConfigEntry, sim_state: Simulator
) -> None:
    """Three June days are added before the window; every later sum moves by their energy."""
    before = await stored(hass, HOUSEHOLD, Flow.CONSUMPTION)
    await hass.services.async_call(
        DOMAIN,
        "import_history",
        {
            "config_entry_id": loaded.entry_id,
            "meters": [HOUSEHOLD],
            "start": JUNE[0].isoformat(),
            "end": JUNE[1].isoformat(),
        },
        blocking=True,
    )
    after = await stored(hass, HOUSEHOLD, Flow.CONSUMPTION)
    june = truth_hours(sim_state, HOUSEHOLD, *JUNE, feed_in=False)
    assert {start: after[start]["change"] for start in june} == pytest.approx(june)
    added = sum(june.values())
    last = max(before)
    assert after[last]["sum"] == pytest.approx(before[last]["sum"] + added)
    assert await stored(hass, PHOTOVOLTAIC, Flow.CONSUMPTION) != {}  # untouched, still there


async def test_get_readings(
    hass: HomeAssistant, loaded: MockConfigEntry, sim_state: Simulator
) -> None:
    """Readings as delivered, by meter and register."""
    response = await hass.services.async_call(
        DOMAIN,
        "get_readings",
        {
            "config_entry_id": loaded.entry_id,
            "start": "2026-11-20",
            "end": "2026-11-20",
            "granularity": "DAY",
        },
        blocking=True,
        return_response=True,
    )
    assert response is not None
    meters = response["meters"]
    assert isinstance(meters, dict)
    day = meters[PHOTOVOLTAIC]["2.9.0"]
    truth = sim_state.views[PHOTOVOLTAIC].truth.day_total(date(2026, 11, 20), True) / 1000
    assert day == [
        {
            "start": "2026-11-19T23:00:00+00:00",
            "end": "2026-11-20T23:00:00+00:00",
            "value": pytest.approx(truth),
            "quality": "VAL",
        }
    ]
    assert "2.9.0" not in meters[HOUSEHOLD]


@pytest.mark.parametrize(
    ("data", "key"),
    [
        ({"config_entry_id": "nope"}, "entry_not_loaded"),
        ({"meters": ["AT00UNKNOWN"]}, "unknown_meter"),
        ({"start": "2026-11-10", "end": "2026-11-01"}, "invalid_range"),
        ({"end": "2026-11-21"}, "invalid_range"),
    ],
)
async def test_checks(
    hass: HomeAssistant, loaded: MockConfigEntry, data: dict[str, object], key: str
) -> None:
    """Bad calls are refused with a translated reason."""
    call = {"config_entry_id": loaded.entry_id, "start": "2026-11-01", "end": "2026-11-02"}
    call.update(data)
    with pytest.raises(ServiceValidationError) as raised:
        await hass.services.async_call(DOMAIN, "import_history", call, blocking=True)
    assert raised.value.translation_key == key


@pytest.mark.parametrize("service", ["import_history", "get_readings"])
async def test_api_errors(
    hass: HomeAssistant, loaded: MockConfigEntry, sim_state: Simulator, service: str
) -> None:
    """An unreachable API is reported as a translated error."""
    sim_state.settings.offline = True
    with pytest.raises(HomeAssistantError) as raised:
        await hass.services.async_call(
            DOMAIN,
            service,
            {"config_entry_id": loaded.entry_id, "start": "2026-11-01", "end": "2026-11-02"},
            blocking=True,
            return_response=service == "get_readings",
        )
    assert raised.value.translation_key == "cannot_connect"


async def test_import_history_shows_in_the_sensors_at_once(
    hass: HomeAssistant, entry: MockConfigEntry, sim_state: Simulator
) -> None:
    """Days of the window read again show in the sensors with the statistics, not a day later:
    validated values replace the estimates in the meter's latest day and estimated share."""
    sim_state.settings.estimate_share = 1.0
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert float(state(hass, HOUSEHOLD, "estimated_share").state) == 100
    sim_state.settings.estimate_share = 0.0
    await hass.services.async_call(
        DOMAIN,
        "import_history",
        {
            "config_entry_id": entry.entry_id,
            "meters": [HOUSEHOLD],
            "start": "2026-11-19",
            "end": "2026-11-20",
        },
        blocking=True,
    )
    assert float(state(hass, HOUSEHOLD, "estimated_share").state) == 0
    day = state(hass, HOUSEHOLD, "consumption_latest_day")
    assert float(day.state) == pytest.approx(truth_kwh(sim_state, HOUSEHOLD, date(2026, 11, 20)))
