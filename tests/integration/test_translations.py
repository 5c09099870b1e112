"""Translations: both languages complete, placeholders alike, every key the code uses present."""

from __future__ import annotations

import json
import re
import string
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml
from homeassistant.data_entry_flow import section

from custom_components.wiener_netze.api import (
    ApiConnectionError,
    ApiTimeoutError,
    BadRequestError,
    MalformedResponseError,
    RateLimitedError,
    ServerError,
)
from custom_components.wiener_netze.config_flow import credentials_schema
from custom_components.wiener_netze.const import OptionalSensor
from custom_components.wiener_netze.error_mapping import failure_key
from custom_components.wiener_netze.event import KEY as EVENT_KEY
from custom_components.wiener_netze.options_flow import options_schema
from custom_components.wiener_netze.sensor import (
    COMPARISON_SENSORS,
    FLOW_SENSORS,
    METER_SENSORS,
)
from custom_components.wiener_netze.unusual_days import Band, Finding, Kind

PACKAGE = Path(__file__).parents[2] / "custom_components" / "wiener_netze"


def load(name: str) -> dict[str, Any]:
    """One translation file."""
    return json.loads((PACKAGE / name).read_text(encoding="utf-8"))


def leaves(tree: dict[str, Any], prefix: str = "") -> dict[str, str]:
    """Every text by its dotted key."""
    found: dict[str, str] = {}
    for key, value in tree.items():
        if isinstance(value, dict):
            found.update(leaves(value, f"{prefix}{key}."))
        else:
            found[f"{prefix}{key}"] = value
    return found


def placeholders(text: str) -> set[str]:
    """The ``{name}`` placeholders of a text."""
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


EN = leaves(load("translations/en.json"))
DE = leaves(load("translations/de.json"))


def test_strings_json_is_english() -> None:
    """strings.json (for tooling) and the English translation are the same."""
    assert load("strings.json") == load("translations/en.json")


def test_same_keys_in_both_languages() -> None:
    """No text is missing in either language."""
    assert set(EN) ^ set(DE) == set()
    assert all(text.strip() for text in [*EN.values(), *DE.values()])


@pytest.mark.parametrize("key", sorted(EN))
def test_same_placeholders(key: str) -> None:
    """A placeholder in one language is in the other too."""
    assert placeholders(EN[key]) == placeholders(DE[key])


def test_entity_keys_exist() -> None:
    """Every sensor's name and attribute names are translated."""
    descriptions = [
        *METER_SENSORS,
        *(d for group in FLOW_SENSORS.values() for d in group),
        *(d for group in COMPARISON_SENSORS.values() for d in group),
    ]
    for description in descriptions:
        assert f"entity.sensor.{description.translation_key}.name" in EN
    assert "entity.sensor.base_load.name" in EN  # BaseLoadSensor


def test_event_types_and_data_are_translated() -> None:
    """The unusual-day event: its name, each event type and each key of its data."""
    assert f"entity.event.{EVENT_KEY}.name" in EN
    for kind in Kind:
        assert f"entity.event.{EVENT_KEY}.state_attributes.event_type.state.{kind}" in EN
    finding = Finding(
        "AT0010000000000000001000000000001",
        date(2026, 11, 20),
        Kind.BASE_LOAD,
        250.0,
        Band(90.0, 78.0, 102.0, 8),
    )
    for key in finding.event_data():
        assert f"entity.event.{EVENT_KEY}.state_attributes.{key}.name" in EN, key
    for direction in ("high", "low"):
        assert f"entity.event.{EVENT_KEY}.state_attributes.direction.state.{direction}" in EN


def test_exception_keys_exist() -> None:
    """Every reason an update can fail with has a message."""
    errors = [
        ApiTimeoutError("x"),
        ApiConnectionError("x"),
        RateLimitedError("x"),
        ServerError("x", 503),
        MalformedResponseError("x"),
        BadRequestError("x"),
    ]
    keys = {failure_key(error) for error in errors} | {"invalid_auth", "invalid_api_key"}
    keys |= {"entry_not_loaded", "unknown_meter", "invalid_range", "no_tariff"}  # the actions
    assert {f"exceptions.{key}.message" for key in keys} <= set(EN)
    assert {key.split(".")[1] for key in EN if key.startswith("exceptions.")} == keys


def test_flow_errors_and_aborts_exist() -> None:
    """Every error and abort reason the flow code names is translated."""
    source = (PACKAGE / "config_flow.py").read_text(encoding="utf-8")
    errors = set(re.findall(r'CredentialsError\("(\w+)"\)', source))
    errors |= set(re.findall(r'errors\["base"\] = "(\w+)"', source))
    assert errors == {key.split(".")[2] for key in EN if key.startswith("config.error.")}
    for reason in re.findall(r'reason="(\w+)"', source):
        assert f"config.abort.{reason}" in EN


def test_options_issues_and_actions_exist() -> None:
    """Optional sensor choices, repair issues and every action field are translated."""
    for sensor in OptionalSensor:
        assert f"selector.optional_sensors.options.{sensor}" in EN
    for issue in ("quarter_hours_disabled", "gaps", "unpriced_hours"):
        assert f"issues.{issue}.description" in EN
    for issue in ("implausible_day", "new_meter", "meter_gone", "meter_locked"):
        # A fix flow says it all in its step (hassfest: a description or a fix flow, not both).
        assert f"issues.{issue}.fix_flow.step.confirm.description" in EN
        assert f"issues.{issue}.description" not in EN
    services = yaml.safe_load((PACKAGE / "services.yaml").read_text(encoding="utf-8"))
    for service, spec in services.items():
        assert f"services.{service}.description" in EN
        for field in spec["fields"]:
            assert f"services.{service}.fields.{field}.description" in EN


def assert_form_translated(step: str, schema: Any) -> None:
    """Every field of a form, and of each of its sections, has a label and a description."""
    for key, value in schema.schema.items():
        if isinstance(value, section):
            assert f"{step}.sections.{key}.name" in EN
            for field in value.schema.schema:
                for part in ("data", "data_description"):
                    assert f"{step}.sections.{key}.{part}.{field}" in EN
        else:
            assert f"{step}.data.{key}" in EN


def test_forms_and_sections_translated() -> None:
    """The credential forms and the options form, sections included."""
    assert_form_translated("config.step.user", credentials_schema())
    assert_form_translated(
        "config.step.reauth_confirm", credentials_schema(with_client_id=False, connection=False)
    )
    assert_form_translated("options.step.init", options_schema("EUR"))


def test_options_errors_exist() -> None:
    """Every error the options form can show is translated, and no other."""
    source = (PACKAGE / "options_flow.py").read_text(encoding="utf-8")
    errors = set(re.findall(r'\{"base": "(\w+)"\}', source))
    assert errors == {key.split(".")[2] for key in EN if key.startswith("options.error.")}
