"""Hourly prices from a price entity's recorded history, per kWh in the instance's currency.

An hour's price is the entity's hourly mean from the long-term statistics when it has them
(they outlive the recorder's purge), otherwise the time-weighted mean of its recorded states
over the hour, otherwise its current value if that was already in effect at the hour (a price
helper unchanged since before the purge). Hours for which none exists have no price: they are
never guessed.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from datetime import datetime, timedelta

from homeassistant.components.recorder.history import state_changes_during_period
from homeassistant.components.recorder.statistics import statistics_during_period
from homeassistant.core import HomeAssistant, State
from homeassistant.helpers.recorder import get_instance
from homeassistant.util import dt as dt_util

from .api.vienna_time import HOUR

JUST_BEFORE = timedelta(seconds=1)


def _hourly_means(
    hass: HomeAssistant, entity_id: str, start: datetime, end: datetime
) -> dict[datetime, float]:
    rows = statistics_during_period(hass, start, end, {entity_id}, "hour", None, {"mean"})
    return {
        dt_util.utc_from_timestamp(row["start"]): float(mean)
        for row in rows.get(entity_id, [])
        if (mean := row.get("mean")) is not None
    }


def _states(hass: HomeAssistant, entity_id: str, start: datetime, end: datetime) -> list[State]:
    """The entity's states from ``start`` on, with the one in effect just before it.

    Asked from a moment before ``start``: the recorder leaves out a change made exactly at the
    start of the period (a price that changes on the hour, or goes unavailable), and would give
    the state before it in its place.
    """
    since = start - JUST_BEFORE
    found = state_changes_during_period(hass, since, end, entity_id, no_attributes=True)
    return list(found.get(entity_id.lower(), []))


def numeric(text: str) -> float | None:
    """A state as a price: a finite number, else None (unknown, unavailable, text)."""
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def time_weighted(states: list[State], hours: list[datetime]) -> dict[datetime, float]:
    """The mean of the numeric states over each hour, weighted by how long each held."""
    changes = [
        (state.last_changed, numeric(state.state))
        for state in sorted(states, key=lambda item: item.last_changed)
    ]
    moments = [since for since, _ in changes]
    result: dict[datetime, float] = {}
    for hour in hours:
        end = hour + HOUR
        weighted = seconds = 0.0
        index = max(0, bisect_right(moments, hour) - 1)
        while index < len(changes) and changes[index][0] < end:
            since, value = changes[index]
            until = changes[index + 1][0] if index + 1 < len(changes) else end
            overlap = (min(until, end) - max(since, hour)).total_seconds()
            if value is not None and overlap > 0:
                weighted += value * overlap
                seconds += overlap
            index += 1
        if seconds > 0:
            result[hour] = weighted / seconds
    return result


async def async_hourly_prices(
    hass: HomeAssistant,
    entity_id: str,
    hours: list[datetime],
    factor: float,
    since: datetime | None = None,
) -> dict[datetime, float]:
    """The price per kWh of each of ``hours`` that the entity's history knows."""
    if not hours:
        return {}
    instance = get_instance(hass)
    start, end = min(hours), max(hours) + HOUR
    means = await instance.async_add_executor_job(_hourly_means, hass, entity_id, start, end)
    prices = {hour: means[hour] for hour in hours if hour in means}
    missing = [hour for hour in hours if hour not in prices]
    if missing:
        states = await instance.async_add_executor_job(
            _states, hass, entity_id, min(missing), max(missing) + HOUR
        )
        prices.update(time_weighted(states, missing))
    prices.update(
        _in_effect(hass.states.get(entity_id), [h for h in hours if h not in prices], since)
    )
    return {hour: value * factor for hour, value in prices.items()}


def _in_effect(
    state: State | None, hours: list[datetime], since: datetime | None = None
) -> dict[datetime, float]:
    """The entity's current value for the hours it was already in effect at.

    Unchanged since before them: a price helper set once keeps pricing after the recorder
    purged its states.
    """
    if state is None:
        return {}
    try:
        value = float(state.state)
    except ValueError:
        return {}
    if not math.isfinite(value):
        return {}
    start = min(state.last_changed, since) if since else state.last_changed
    return {hour: value for hour in hours if start <= hour}
