"""The base load of a day: the power drawn when nothing is switched on, from its quarter hours.

The 10th percentile of the day's quarter-hour power (a quarter hour's kWh x 4000 = W). A low
percentile, not the minimum: one odd value (a 0 from a meter reset, a value the gateway got
wrong) moves it by at most one rank, where it would be the minimum itself. A share, not a count:
it means the same on days of 92, 96 and 100 quarter hours. On a day the meter also feeds in,
the solar panels push the imported power to 0 around noon, so only the dark quarter hours count
(00:00 to 04:30 and 22:00 to 24:00 local: there is never sun then in Vienna).

A day has a base load only when every consumption quarter hour is there and validated, none
was rejected as implausible and they agree with the day value: days booked from day values,
estimated, held, released or incomplete days have none. Nothing is ever invented.
"""

from __future__ import annotations

from datetime import date, datetime, time
from statistics import quantiles

from .api import Flow
from .api.vienna_time import VIENNA, day_starts
from .held_days import judge
from .meter_store import MeterStore

# The dark quarter hours of a day with feed-in: starts before 04:30 or from 22:00 (local).
DARK_UNTIL = time(4, 30)
DARK_FROM = time(22, 0)
PERCENTILE = 10


def is_dark(start: datetime) -> bool:
    """Whether a quarter hour starting at ``start`` is one the sun never shines in."""
    local = start.astimezone(VIENNA).time()
    return local < DARK_UNTIL or local >= DARK_FROM


def feeds_in_on(store: MeterStore, day: date) -> bool:
    """Whether the meter measured feed-in by ``day`` (its PV pushes midday imports down)."""
    first = store.first_seen.get(Flow.FEED_IN)
    return Flow.FEED_IN in store.flows and first is not None and first <= day


def day_base_load(store: MeterStore, day: date) -> float | None:
    """The base load of ``day`` in W, rounded to 0.1 W, or None (see the module docstring)."""
    flow = Flow.CONSUMPTION
    intervals = store.intervals[flow]
    readings = [intervals.get(start) for start in day_starts(day)]
    if any(reading is None or not reading.is_validated for reading in readings):
        return None
    if store.rejected_on(flow, day) or judge(store, flow, day, settled=True) is not None:
        return None
    dark_only = feeds_in_on(store, day)
    watts = [
        reading.value * 4000
        for reading in readings
        if reading is not None and (not dark_only or is_dark(reading.start))
    ]
    return round(percentile(watts, PERCENTILE), 1)


def percentile(values: list[float], share: int) -> float:
    """The ``share``-th percentile of ``values`` (interpolated between ranks)."""
    return quantiles(values, n=100, method="inclusive")[share - 1]
