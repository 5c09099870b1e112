"""Reading entity states by meter and sensor key, and truth from the simulator."""

from __future__ import annotations

from datetime import date

from homeassistant.core import HomeAssistant, State
from homeassistant.helpers import entity_registry as er

from custom_components.wiener_netze.const import DOMAIN
from simulator.app import Simulator


def entity_id(hass: HomeAssistant, number: str, key: str) -> str | None:
    """The entity id of one sensor of one meter, or None if it does not exist."""
    return er.async_get(hass).async_get_entity_id("sensor", DOMAIN, f"{number}_{key}")


def state(hass: HomeAssistant, number: str, key: str) -> State:
    """The state of one sensor of one meter (it must exist)."""
    found = entity_id(hass, number, key)
    assert found is not None, f"no sensor {key} for {number}"
    current = hass.states.get(found)
    assert current is not None
    return current


def truth_kwh(sim: Simulator, number: str, day: date, feed_in: bool = False) -> float:
    """What the meter really measured on ``day``, in kWh."""
    return sim.views[number].truth.day_total(day, feed_in) / 1000
