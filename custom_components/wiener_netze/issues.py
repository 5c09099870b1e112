"""Repair issues: a meter whose quarter-hour data is switched off in the Smart Meter portal.

Such a meter (IDEX granularity DAY) delivers day values only. The issue tells the user where to
switch quarter hours on, and disappears by itself once the first quarter hours arrive.
"""

from __future__ import annotations

from collections.abc import Iterable

from homeassistant.core import HomeAssistant
from homeassistant.helpers import issue_registry as ir

from .const import DOMAIN, PORTAL_URL


def quarter_hours_issue_id(number: str) -> str:
    """The issue id for one meter."""
    return f"quarter_hours_disabled_{number}"


def update_quarter_hour_issues(
    hass: HomeAssistant, day_only: dict[str, str], quarter_hour_meters: Iterable[str]
) -> None:
    """Raise the issue for meters read by day (number → name) and clear it for the others."""
    for number, name in day_only.items():
        ir.async_create_issue(
            hass,
            DOMAIN,
            quarter_hours_issue_id(number),
            is_fixable=False,
            is_persistent=False,
            severity=ir.IssueSeverity.WARNING,
            learn_more_url=PORTAL_URL,
            translation_key="quarter_hours_disabled",
            translation_placeholders={"meter": name, "portal_url": PORTAL_URL},
        )
    for number in quarter_hour_meters:
        ir.async_delete_issue(hass, DOMAIN, quarter_hours_issue_id(number))


def delete_issues(hass: HomeAssistant, numbers: Iterable[str]) -> None:
    """Remove every issue of these meters (the entry is being removed)."""
    for number in numbers:
        ir.async_delete_issue(hass, DOMAIN, quarter_hours_issue_id(number))
