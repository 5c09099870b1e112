"""Days held back from the statistics, and their release: the rules in one place.

A day read by quarter hours is *held* (kept out of the statistics) when its quarter hours are
implausible: one was above the connection's limit, they do not add up to the day's DAY value, or
(settled, some missing) they already exceed it. It stays held until Wiener Netze delivers a
plausible version, which imports by itself (held days are read again with growing pauses while
the meters keep them, :mod:`.day_life`), or until the user *releases* it in the repair flow,
which imports it as delivered, implausible values included. A day inside the correction window
whose day value is still an estimate waits for the validated one before it is judged.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Literal

from .api import Flow, Reading
from .api.vienna_time import day_starts
from .meter_store import MeterStore
from .saved_state import SavedState

WAIT: Literal["wait"] = "wait"


@dataclass(frozen=True, slots=True)
class HeldDay:
    """A day not imported because its quarter hours are implausible."""

    day: date
    quarter_hour_total: float
    day_total: float | None


def tolerance(day_total: float) -> float:
    """How far the quarter hours may be off the day value: rounding, not a fault."""
    return max(0.005, 0.002 * abs(day_total))


def check_day(
    day: date,
    found_total: float,
    rejected: list[Reading],
    day_value: Reading | None,
    *,
    complete: bool,
    settled: bool,
) -> HeldDay | Literal["wait"] | None:
    """Whether a day's quarter hours may be imported (None), must wait, or are held.

    ``found_total`` is the sum of the plausible quarter hours found, ``rejected`` the quarter
    hours above the limit, ``complete`` whether every quarter hour of the day arrived.
    """
    rejected_total = sum(reading.value for reading in rejected)
    mismatch = (
        complete
        and day_value is not None
        and abs(found_total + rejected_total - day_value.value) > tolerance(day_value.value)
    )
    if mismatch and not settled and day_value is not None and not day_value.is_validated:
        return WAIT  # the day value is an estimate: wait for it to be validated
    # A settled day with quarter hours missing cannot already exceed its day value.
    excess = (
        settled
        and not complete
        and day_value is not None
        and found_total + rejected_total - day_value.value > tolerance(day_value.value)
    )
    if rejected or mismatch or excess:
        return HeldDay(day, found_total + rejected_total, day_value.value if day_value else None)
    if day_value is None and not settled:
        return WAIT  # wait for the day value to check against
    return None


def judge(
    store: MeterStore, flow: Flow, day: date, *, settled: bool
) -> HeldDay | Literal["wait"] | None:
    """:func:`check_day` on what the store holds of a day of a flow."""
    intervals, rejected = quarter_hours_of(store, flow, day, released=False)
    found = [reading.value for start in day_starts(day) if (reading := intervals.get(start))]
    return check_day(
        day,
        sum(found),
        rejected,
        store.days[flow].get(day),
        complete=len(found) + len(rejected) >= len(day_starts(day)),
        settled=settled,
    )


def quarter_hours_of(
    store: MeterStore, flow: Flow, day: date, *, released: bool
) -> tuple[Mapping[datetime, Reading], list[Reading]]:
    """The quarter hours a day imports (by start), and the implausible ones rejected.

    A released day imports as Wiener Netze delivered it: the rejected values count again.
    """
    rejected = store.rejected_on(flow, day)
    if not released or not rejected:
        return store.intervals[flow], rejected
    return {**store.intervals[flow], **{reading.start: reading for reading in rejected}}, rejected


def is_released(state: SavedState, key: str) -> bool:
    """Whether the user released this day (import it as delivered)."""
    return key in state.released


def release(state: SavedState, key: str) -> None:
    """Record that the user released a held day."""
    if key not in state.released:
        state.released.append(key)


def note_held(state: SavedState, key: str, held: HeldDay | None) -> None:
    """Remember a held day, or forget that a day was held once it imported."""
    if held is None:
        state.held.pop(key, None)
        return
    state.held[key] = {
        "quarter_hours": round(held.quarter_hour_total, 3),
        "day": None if held.day_total is None else round(held.day_total, 3),
    }
