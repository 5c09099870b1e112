"""The unusual-day blueprint: valid for Home Assistant, and its message renders an event."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from homeassistant.components.automation.config import (
    AUTOMATION_BLUEPRINT_SCHEMA,
    PLATFORM_SCHEMA,
)
from homeassistant.components.blueprint.models import Blueprint, BlueprintInputs
from homeassistant.components.mobile_app.device_action import (
    ACTION_SCHEMA as MOBILE_APP_ACTION_SCHEMA,
)
from homeassistant.core import HomeAssistant
from homeassistant.helpers import config_validation as cv
from homeassistant.helpers import template
from homeassistant.helpers.condition import async_validate_conditions_config
from homeassistant.helpers.trigger import async_validate_trigger_config
from homeassistant.util import yaml

from custom_components.wiener_netze.unusual_days import Band, Finding, Kind

ROOT = Path(__file__).parents[2]
PATH = ROOT / "blueprints" / "automation" / "wiener_netze" / "unusual_day_notification.yaml"


def load() -> Blueprint:
    """The blueprint as Home Assistant reads it (``!input`` tags included)."""
    data = yaml.load_yaml_dict(PATH)
    return Blueprint(
        data,
        expected_domain="automation",
        path=str(PATH.relative_to(ROOT)),
        schema=AUTOMATION_BLUEPRINT_SCHEMA,
    )


def test_the_blueprint_is_valid() -> None:
    """Home Assistant's own schema accepts it; its inputs are the event, a phone and the kinds."""
    blueprint = load()
    assert blueprint.domain == "automation"
    assert set(blueprint.inputs) == {"event_entity", "notify_device", "kinds"}
    kinds = blueprint.inputs["kinds"]
    assert kinds["default"] == [kind.value for kind in Kind]
    options = kinds["selector"]["select"]["options"]
    assert {option["value"] for option in options} == {kind.value for kind in Kind}


async def test_the_automation_it_makes_is_valid(hass: HomeAssistant) -> None:
    """With the inputs filled in, Home Assistant accepts its triggers, conditions and actions;
    the trigger takes a new entity's first event (from ``unknown``) but not a restored one."""
    inputs = {
        "event_entity": "event.wohnung_unusual_day",
        "notify_device": "0123456789abcdef0123456789abcdef",
        "kinds": ["unusual_base_load"],
    }
    substituted = BlueprintInputs(
        load(), {"use_blueprint": {"path": "x.yaml", "input": inputs}}
    ).async_substitute()
    automation = PLATFORM_SCHEMA({"id": "unusual", "alias": "Unusual day", **substituted})
    assert (automation["mode"], automation["max"]) == ("queued", 20)
    config = substituted
    triggers = await async_validate_trigger_config(hass, cv.TRIGGER_SCHEMA(config["triggers"]))
    assert triggers[0]["entity_id"] == ["event.wohnung_unusual_day"]
    assert triggers[0]["not_from"] == ["unavailable"]
    conditions = [cv.CONDITION_SCHEMA(condition) for condition in config["conditions"]]
    await async_validate_conditions_config(hass, conditions)
    notify = MOBILE_APP_ACTION_SCHEMA(config["actions"][1])  # a typo in a key would fail
    assert notify["device_id"] == inputs["notify_device"]
    assert config["variables"]["kinds"] == ["unusual_base_load"]


async def test_the_message_renders_an_event(hass: HomeAssistant) -> None:
    """The title and message templates render with the data the event entity carries."""
    finding = Finding(
        "AT0010000000000000001000004392417",
        date(2026, 11, 25),
        Kind.CONSUMPTION,
        15.3,
        Band(9.4, 6.6, 12.2, 8),
    )
    attributes: dict[str, Any] = {"event_type": finding.kind.value, **finding.event_data()}
    actions = load().data["actions"]
    what = template.Template(actions[0]["variables"]["what"], hass)
    variables = {"event": attributes, "what": what.async_render({"event": attributes})}
    rendered = {
        key: template.Template(actions[1][key], hass).async_render(variables)
        for key in ("title", "message")
    }
    assert rendered["title"] == "Consumption higher than usual"
    assert rendered["message"].startswith("2026-11-25: 15.3 kWh, expected")
    assert "6.6 to 12.2 kWh" in rendered["message"]
    assert "163 % of the usual 9.4" in rendered["message"]
    assert variables["what"] == "Consumption"
    condition = template.Template(load().data["conditions"][0]["value_template"], hass)
    trigger = {"to_state": {"attributes": attributes}}
    assert condition.async_render({"trigger": trigger, "kinds": ["unusual_consumption"]})
    assert not condition.async_render({"trigger": trigger, "kinds": ["unusual_base_load"]})
