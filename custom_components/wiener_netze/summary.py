"""The values the sensors show, derived from a meter's store.

Everything here describes published data: the newest quarter hour is the most recent interval the
grid operator has published (usually yesterday evening), not the present moment.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from .api import Flow, Reading
from .api.vienna_time import QUARTER_HOUR, day_starts, days_between
from .meter_store import MeterStore

DAY_LENGTH = timedelta(hours=24)
RECENT_LENGTH = timedelta(hours=48)


@dataclass(frozen=True, slots=True)
class FlowSummary:
    """Derived values of one flow (consumption or feed-in) of one meter, energies in kWh."""

    meter_reading: float | None
    meter_reading_at: datetime | None
    latest_day: date | None
    latest_day_energy: float | None
    month_to_date: float | None
    latest_interval: Reading | None
    last_24_hours: float | None
    # The newest published 48 hours of quarter hours, oldest first.
    recent: tuple[Reading, ...]


@dataclass(frozen=True, slots=True)
class MeterSummary:
    """Everything the entities of one meter show."""

    number: str
    quarter_hours: bool
    flows: dict[Flow, FlowSummary]
    published_until: datetime | None
    estimated_share: float | None
    estimated_share_day: date | None
    tariff_registers: dict[str, Reading]


def _sum_of(store: MeterStore, flow: Flow, starts: Iterable[datetime]) -> float:
    """The energy of the intervals starting at ``starts``.

    Looked up, not scanned: the store holds weeks of quarter hours and this runs on every update.
    """
    intervals = store.intervals[flow]
    return sum(reading.value for start in starts if (reading := intervals.get(start)))


def _day_energy(store: MeterStore, flow: Flow, day: date, quarter_hours: bool) -> float:
    if quarter_hours:
        return _sum_of(store, flow, day_starts(day))
    reading = store.days[flow].get(day)
    return reading.value if reading else 0.0


def _meter_reading(
    store: MeterStore, flow: Flow, quarter_hours: bool
) -> tuple[float | None, datetime | None]:
    """The register, carried forward by the energy published after it was read."""
    register = store.newest_register(flow)
    if register is None:
        return None, None
    value, at = register.value, register.end
    if quarter_hours:
        later = sorted(
            (reading for start, reading in store.intervals[flow].items() if start >= at),
            key=lambda reading: reading.start,
        )
    else:
        later = sorted(
            (reading for reading in store.days[flow].values() if reading.start >= at),
            key=lambda reading: reading.start,
        )
    for reading in later:
        if reading.start != at:
            break  # a gap: carrying further would undercount
        value += reading.value
        at = reading.end
    return value, at


def _flow_summary(
    store: MeterStore, flow: Flow, days: list[date], quarter_hours: bool
) -> FlowSummary:
    reading, reading_at = _meter_reading(store, flow, quarter_hours)
    complete = store.newest_complete_day(days, quarter_hours)
    latest = max(store.intervals[flow].values(), key=lambda r: r.start, default=None)
    month_to_date = None
    if complete is not None:
        month = [day for day in days if complete.replace(day=1) <= day <= complete]
        month_to_date = sum(_day_energy(store, flow, day, quarter_hours) for day in month)
    last_24_hours = None
    recent: tuple[Reading, ...] = ()
    if latest is not None:
        end = latest.end.astimezone(UTC)
        recent = tuple(
            interval
            for index in range(RECENT_LENGTH // QUARTER_HOUR, 0, -1)
            if (interval := store.intervals[flow].get(end - index * QUARTER_HOUR))
        )
        last_24_hours = _sum_of(
            store,
            flow,
            (
                end - DAY_LENGTH + index * QUARTER_HOUR
                for index in range(DAY_LENGTH // QUARTER_HOUR)
            ),
        )
    return FlowSummary(
        meter_reading=reading,
        meter_reading_at=reading_at,
        latest_day=complete,
        latest_day_energy=(
            _day_energy(store, flow, complete, quarter_hours) if complete is not None else None
        ),
        month_to_date=month_to_date,
        latest_interval=latest,
        last_24_hours=last_24_hours,
        recent=recent,
    )


def _estimated_share(store: MeterStore, day: date | None, quarter_hours: bool) -> float | None:
    if day is None:
        return None
    if quarter_hours:
        values = [
            reading
            for flow in store.flows
            for start in day_starts(day)
            if (reading := store.intervals[flow].get(start))
        ]
    else:
        values = [reading for flow in store.flows if (reading := store.days[flow].get(day))]
    if not values:
        return None
    return 100 * sum(1 for reading in values if reading.is_estimated) / len(values)


def summarize(store: MeterStore, first: date, last: date, quarter_hours: bool) -> MeterSummary:
    """The sensor values of one meter from the days ``first``..``last`` of its store."""
    days = days_between(first, last)
    flows: dict[Flow, FlowSummary] = {
        flow: _flow_summary(store, flow, days, quarter_hours)
        for flow in (Flow.CONSUMPTION, Flow.FEED_IN)
        if flow in store.flows
    }
    newest = store.newest_day(days, quarter_hours)
    if quarter_hours:
        ends = [r.end for flow in store.flows for r in store.intervals[flow].values()]
    else:
        ends = [r.end for flow in store.flows for r in store.days[flow].values()]
    return MeterSummary(
        number=store.number,
        quarter_hours=quarter_hours,
        flows=flows,
        published_until=max(ends, default=None),
        estimated_share=_estimated_share(store, newest, quarter_hours),
        estimated_share_day=newest,
        tariff_registers=store.newest_tariff_registers(),
    )
