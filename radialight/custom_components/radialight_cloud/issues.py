"""Repair issues: hours of usage that can no longer be read, named once with their range."""

from __future__ import annotations

from homeassistant.core import HomeAssistant
from homeassistant.helpers import issue_registry as ir
from homeassistant.util import dt as dt_util

from .const import DOMAIN
from .usage_statistics import HOUR, LostHours

LOST_PREFIX = "usage_lost_"


def lost_issue_id(entry_id: str, lost: LostHours) -> str:
    """One issue per entry and lost range."""
    return f"{LOST_PREFIX}{entry_id}_{lost.first:%Y%m%d%H}"


def report_lost_usage(
    hass: HomeAssistant, entry_id: str, lost: LostHours, series: list[str]
) -> None:
    """Name hours whose usage the cloud no longer shows (a dismissed issue stays dismissed)."""
    ir.async_create_issue(
        hass,
        DOMAIN,
        lost_issue_id(entry_id, lost),
        is_fixable=False,
        is_persistent=True,  # found once only: it must outlive a restart
        severity=ir.IssueSeverity.WARNING,
        translation_key="usage_lost",
        translation_placeholders={
            "start": f"{dt_util.as_local(lost.first):%Y-%m-%d %H:%M}",
            "end": f"{dt_util.as_local(lost.last + HOUR):%Y-%m-%d %H:%M}",
            "hours": str(lost.hours),
            "series": ", ".join(series),
        },
    )


def delete_issues(hass: HomeAssistant, entry_id: str) -> None:
    """The entry's issues go with it."""
    prefix = f"{LOST_PREFIX}{entry_id}_"
    for domain, issue_id in list(ir.async_get(hass).issues):
        if domain == DOMAIN and issue_id.startswith(prefix):
            ir.async_delete_issue(hass, DOMAIN, issue_id)
