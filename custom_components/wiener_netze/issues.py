"""Repair issues the integration raises and clears by itself.

- A meter whose quarter hours are switched off in the Smart Meter portal (IDEX granularity DAY):
  where to switch them on; cleared once the first quarter hours arrive.
- A day held back from the statistics as implausible: the two totals, and a fix flow that
  releases it (imports it as delivered); cleared once the source is fixed and the day imports
  by itself.
- Gaps: quarter hours given up on (not delivered while the meter kept them), imported without
  them.
- Hours without a price: a price entity had no history for them, so their cost is left out.
- A new smart meter on the account (a fix flow adds it), and a meter gone from the account or
  refused alone (a fix flow removes it).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime

from homeassistant.core import HomeAssistant
from homeassistant.helpers import issue_registry as ir

from .api import Meter
from .api.vienna_time import HOUR, VIENNA
from .const import DOMAIN, PORTAL_URL
from .naming import meter_title
from .saved_state import parse_key, to_day_ranges

# Issue ids start with these; users' issue registries hold them, so they never change.
QUARTER_HOURS_PREFIX = "quarter_hours_disabled_"
HELD_PREFIX = "implausible_"
GAPS_PREFIX = "gaps_"
UNPRICED_PREFIX = "unpriced_"
NEW_METER_PREFIX = "new_meter_"
UNAVAILABLE_PREFIX = "meter_unavailable_"
# Between the ends of a range in an issue's text (any language).
RANGE = " \u2013 "


def quarter_hours_issue_id(number: str) -> str:
    """The issue id for one meter."""
    return f"{QUARTER_HOURS_PREFIX}{number}"


def update_quarter_hour_issues(
    hass: HomeAssistant,
    meters: Mapping[str, Meter],
    names: Mapping[str, str],
    quarter_hour_meters: Iterable[str],
) -> None:
    """Raise the issue for smart meters read by day and clear it for the others."""
    day_only = {
        number: names.get(number, number)
        for number, meter in meters.items()
        if meter.is_smart_meter and number not in quarter_hour_meters
    }
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


def held_issue_id(key: str) -> str:
    """The issue id of one held-back day (``key`` as in the saved state)."""
    return HELD_PREFIX + key.replace("/", "_").replace("-", "")


def gap_issue_id(number: str) -> str:
    """The issue id of a meter's gaps."""
    return f"{GAPS_PREFIX}{number}"


def update_held_issues(
    hass: HomeAssistant,
    entry_id: str,
    held: Mapping[str, Mapping[str, float | None]],
    names: Mapping[str, str],
) -> None:
    """One fixable issue per held-back day; issues of days no longer held are removed."""
    registry = ir.async_get(hass)
    wanted = {held_issue_id(key): key for key in held}
    for (domain, issue_id), issue in list(registry.issues.items()):
        if (
            domain == DOMAIN
            and issue_id.startswith(HELD_PREFIX)
            and issue_id not in wanted
            and (issue.data or {}).get("entry_id") == entry_id
        ):
            ir.async_delete_issue(hass, DOMAIN, issue_id)
    for issue_id, key in wanted.items():
        number, flow, day = parse_key(key)
        totals = held[key]
        ir.async_create_issue(
            hass,
            DOMAIN,
            issue_id,
            is_fixable=True,
            is_persistent=False,
            severity=ir.IssueSeverity.WARNING,
            translation_key="implausible_day",
            translation_placeholders={
                "meter": names.get(number, number),
                "flow": flow.value,
                "day": day.isoformat(),
                "quarter_hours": f"{totals['quarter_hours']:.3f}",
                "day_total": "—" if totals["day"] is None else f"{totals['day']:.3f}",
            },
            data={"entry_id": entry_id, "key": key},
        )


def update_gap_issues(
    hass: HomeAssistant,
    numbers: Iterable[str],
    gaps: Mapping[str, int],
    names: Mapping[str, str],
) -> None:
    """One issue per meter with quarter hours given up on: how many, and on which days."""
    by_meter: dict[str, dict[date, int]] = {}
    for key, missing in gaps.items():
        number, _, day = parse_key(key)
        days = by_meter.setdefault(number, {})
        days[day] = max(days.get(day, 0), missing)
    for number in numbers:
        if number not in by_meter:
            ir.async_delete_issue(hass, DOMAIN, gap_issue_id(number))
    for number, days in by_meter.items():
        ranges = to_day_ranges(days)
        ir.async_create_issue(
            hass,
            DOMAIN,
            gap_issue_id(number),
            is_fixable=False,
            is_persistent=False,
            severity=ir.IssueSeverity.WARNING,
            translation_key="gaps",
            translation_placeholders={
                "meter": names.get(number, number),
                "days": str(len(days)),
                "missing": str(sum(days.values())),
                "ranges": _listed(
                    first if first == last else f"{first}{RANGE}{last}" for first, last in ranges
                ),
            },
        )


def _listed(items: Iterable[str], shown: int = 5) -> str:
    """The first ``shown`` items, comma-separated, and an ellipsis when there are more."""
    items = list(items)
    return ", ".join(items[:shown]) + (" …" if len(items) > shown else "")


def unpriced_issue_id(number: str) -> str:
    """The issue id of a meter's hours without a price."""
    return f"{UNPRICED_PREFIX}{number}"


def update_unpriced_issues(
    hass: HomeAssistant,
    numbers: Iterable[str],
    unpriced: Mapping[str, list[list[str]]],
    names: Mapping[str, str],
) -> None:
    """One issue per meter with hours left out of the cost: how many, and from when to when."""
    by_meter: dict[str, list[tuple[str, str, int]]] = {}
    for key, ranges in unpriced.items():
        number = key.split("/")[0]
        for first, last in ranges:
            hours = (datetime.fromisoformat(last) - datetime.fromisoformat(first)) // HOUR
            by_meter.setdefault(number, []).append((first, last, hours))
    for number in numbers:
        if not by_meter.get(number):
            ir.async_delete_issue(hass, DOMAIN, unpriced_issue_id(number))
    for number, found in by_meter.items():
        found.sort()
        ir.async_create_issue(
            hass,
            DOMAIN,
            unpriced_issue_id(number),
            is_fixable=False,
            is_persistent=False,
            severity=ir.IssueSeverity.WARNING,
            translation_key="unpriced_hours",
            translation_placeholders={
                "meter": names.get(number, number),
                "hours": str(sum(hours for _, _, hours in found)),
                "first": _local(found[0][0]),
                "last": _local(found[-1][1]),
                "ranges": _listed(
                    f"{_local(first)}{RANGE}{_local(last)}" for first, last, _ in found
                ),
            },
        )


def _local(moment: str) -> str:
    """A stored UTC moment in Vienna time (the meters' days), minutes precision."""
    return datetime.fromisoformat(moment).astimezone(VIENNA).strftime("%Y-%m-%d %H:%M")


def update_account_issues(
    hass: HomeAssistant,
    entry_id: str,
    new: Mapping[str, Meter],
    unavailable: Mapping[str, str],
    names: Mapping[str, str],
) -> None:
    """A fixable issue per new smart meter (add it) and per unavailable meter (remove it)."""
    wanted: dict[str, tuple[str, str, dict[str, str]]] = {}
    for number, meter in new.items():
        wanted[f"{NEW_METER_PREFIX}{number}"] = (
            number,
            "new_meter",
            {"meter": meter_title(meter, number), "number": number},
        )
    for number, reason in unavailable.items():
        wanted[f"{UNAVAILABLE_PREFIX}{number}"] = (
            number,
            f"meter_{reason}",
            {"meter": names.get(number, number), "number": number},
        )
    registry = ir.async_get(hass)
    for (domain, issue_id), issue in list(registry.issues.items()):
        if (
            domain == DOMAIN
            and issue_id.startswith((NEW_METER_PREFIX, UNAVAILABLE_PREFIX))
            and issue_id not in wanted
            and (issue.data or {}).get("entry_id") == entry_id
        ):
            ir.async_delete_issue(hass, DOMAIN, issue_id)
    for issue_id, (number, key, placeholders) in wanted.items():
        ir.async_create_issue(
            hass,
            DOMAIN,
            issue_id,
            is_fixable=True,
            is_persistent=False,
            severity=ir.IssueSeverity.WARNING,
            translation_key=key,
            translation_placeholders=placeholders,
            data={"entry_id": entry_id, "number": number},
        )


def delete_issues(hass: HomeAssistant, entry_id: str, numbers: Iterable[str]) -> None:
    """Remove every issue of an entry and its meters (the entry is being removed)."""
    registry = ir.async_get(hass)
    for (domain, issue_id), issue in list(registry.issues.items()):
        if domain == DOMAIN and (issue.data or {}).get("entry_id") == entry_id:
            ir.async_delete_issue(hass, DOMAIN, issue_id)
    delete_meter_issues(hass, numbers)


def delete_meter_issues(hass: HomeAssistant, numbers: Iterable[str]) -> None:
    """Remove the issues of meters (no longer read, or the entry is being removed)."""
    registry = ir.async_get(hass)
    for number in numbers:
        ir.async_delete_issue(hass, DOMAIN, quarter_hours_issue_id(number))
        ir.async_delete_issue(hass, DOMAIN, gap_issue_id(number))
        ir.async_delete_issue(hass, DOMAIN, unpriced_issue_id(number))
        for (domain, issue_id), _ in list(registry.issues.items()):
            if domain == DOMAIN and issue_id.startswith(f"{HELD_PREFIX}{number}"):
                ir.async_delete_issue(hass, DOMAIN, issue_id)
