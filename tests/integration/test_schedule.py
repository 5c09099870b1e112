"""The store, the scheduling rule and the derived values, on hand-made readings."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from custom_components.wiener_netze.api import (
    MeterReadings,
    ObisCode,
    Reading,
    ReadingSeries,
    ValueType,
)
from custom_components.wiener_netze.api.vienna_time import VIENNA, day_starts
from custom_components.wiener_netze.const import DEFAULT_CORRECTION_DAYS
from custom_components.wiener_netze.meter_store import DayStatus, MeterStore
from custom_components.wiener_netze.schedule import (
    Fetch,
    FetchLog,
    expected_due,
    plan,
    window_start,
)
from custom_components.wiener_netze.summary import summarize

METER = "AT0010000000000000001000004392417"
IMPORT_INTERVALS = ObisCode("1-1:1.9.0", 1, 9, 0)
IMPORT_REGISTER = ObisCode("1-1:1.8.0", 1, 8, 0)
LIMIT_W = 43_470
QUARTER = timedelta(minutes=15)


def quarter_hours(day: date, kwh: float = 0.1, quality: str = "VAL") -> list[Reading]:
    """Every quarter hour of a local day with the same value."""
    return [Reading(start, start + QUARTER, kwh, quality) for start in day_starts(day)]


def answer(readings: list[Reading], obis: ObisCode = IMPORT_INTERVALS) -> MeterReadings:
    """One meter's part of an answer."""
    return MeterReadings(METER, (ReadingSeries(METER, obis, "WH", tuple(readings)),))


def store_with(*days: date, quality: str = "VAL", store: MeterStore | None = None) -> MeterStore:
    """A store holding complete days: quarter hours and day values."""
    store = store or MeterStore(METER)
    for day in days:
        readings = quarter_hours(day, quality=quality)
        store.ingest(ValueType.QUARTER_HOUR, answer(readings), LIMIT_W)
        total = Reading(readings[0].start, readings[-1].end, sum(r.value for r in readings), "VAL")
        store.ingest(ValueType.DAY, answer([total]), LIMIT_W)
    return store


def published(store: MeterStore, day: date) -> None:
    """The day value of ``day`` arrives (its quarter hours not yet)."""
    readings = quarter_hours(day)
    total = Reading(readings[0].start, readings[-1].end, sum(r.value for r in readings), "VAL")
    store.ingest(ValueType.DAY, answer([total]), LIMIT_W)


def record_window(log: FetchLog, today: date, at: datetime) -> None:
    """Quarter hours and day values of the whole window fetched at ``at``."""
    for value_type in (ValueType.QUARTER_HOUR, ValueType.DAY):
        log.record(
            Fetch(
                value_type,
                (METER,),
                window_start(today, DEFAULT_CORRECTION_DAYS),
                today - timedelta(days=1),
            ),
            at,
        )


@pytest.mark.parametrize(
    ("day", "count"), [(date(2026, 3, 29), 92), (date(2026, 10, 25), 100), (date(2026, 11, 1), 96)]
)
def test_clock_change_days(day: date, count: int) -> None:
    """Local days have 92, 100 or 96 quarter hours; all of them make the day final."""
    assert len(day_starts(day)) == count
    store = store_with(day)
    assert store.day_status(day, quarter_hours=True) is DayStatus.FINAL
    assert summarize(store, day, day, True).flows[next(iter(store.flows))].latest_day_energy == (
        pytest.approx(count * 0.1)
    )


def test_statuses_and_what_is_kept() -> None:
    """Gaps make a day partial, estimates estimated; nothing known is lost or downgraded."""
    day = date(2026, 11, 20)
    full = quarter_hours(day)
    store = MeterStore(METER)
    store.ingest(ValueType.QUARTER_HOUR, answer(full[:40] + full[44:]), LIMIT_W)
    assert store.day_status(day, True) is DayStatus.PARTIAL
    store.ingest(ValueType.QUARTER_HOUR, answer(quarter_hours(day, 0.2, "EST")[40:44]), LIMIT_W)
    assert store.day_status(day, True) is DayStatus.ESTIMATED  # the VAL ones were kept
    store.ingest(ValueType.QUARTER_HOUR, answer(quarter_hours(day, 0.3, "EST")), LIMIT_W)
    assert store.intervals[next(iter(store.flows))][full[0].start].value == 0.1
    store.ingest(ValueType.QUARTER_HOUR, answer(quarter_hours(day, 0.1)), LIMIT_W)
    assert store.day_status(day, True) is DayStatus.FINAL
    assert store.day_status(day - timedelta(days=1), True) is DayStatus.MISSING


def test_implausible_values_rejected() -> None:
    """Negative values and more than the connection can carry are not stored."""
    day = date(2026, 11, 20)
    readings = quarter_hours(day)
    readings[3] = Reading(readings[3].start, readings[3].end, -1.0, "VAL")
    readings[5] = Reading(readings[5].start, readings[5].end, 23_944.0, "VAL")
    store = MeterStore(METER)
    result = store.ingest(ValueType.QUARTER_HOUR, answer(readings), LIMIT_W)
    assert [reading.value for reading in result.rejected] == [-1.0, 23_944.0]
    assert sum(len(intervals) for intervals in store.intervals.values()) == 94


def test_meter_reading_carried_forward_until_a_gap() -> None:
    """The register plus every later quarter hour, up to the first missing one."""
    first, second = date(2026, 11, 19), date(2026, 11, 20)
    store = store_with(first, second)
    end_of_first = day_starts(second)[0]
    register = Reading(end_of_first - timedelta(days=1), end_of_first, 1000.0, "VAL")
    store.ingest(ValueType.METER_READ, answer([register], IMPORT_REGISTER), LIMIT_W)
    flow = summarize(store, first, second, True).flows[next(iter(store.flows))]
    assert flow.meter_reading == pytest.approx(1000 + 96 * 0.1)
    del store.intervals[next(iter(store.flows))][day_starts(second)[10]]
    flow = summarize(store, first, second, True).flows[next(iter(store.flows))]
    assert flow.meter_reading == pytest.approx(1000 + 10 * 0.1)
    assert flow.meter_reading_at == day_starts(second)[10]


def now_at(day: date, hour: int) -> datetime:
    """A moment on a local day."""
    return datetime(day.year, day.month, day.day, hour, tzinfo=VIENNA)


def test_first_plan_covers_the_window() -> None:
    """With nothing known, day values and quarter hours of the whole window, for every meter,
    one request each (day values first: they decide whether yesterday's quarter hours are due);
    older days due again make both reach back, and can be left out again."""
    now = now_at(date(2026, 11, 21), 12)
    fetches = plan(now, {METER: MeterStore(METER)}, {METER}, FetchLog(), DEFAULT_CORRECTION_DAYS)
    first, last = window_start(now.date(), DEFAULT_CORRECTION_DAYS), date(2026, 11, 20)
    assert fetches == [
        Fetch(ValueType.DAY, (METER,), first, last),
        Fetch(ValueType.QUARTER_HOUR, (METER,), first, last),
    ]
    assert all(fetch.without_older() is None for fetch in fetches)
    older = date(2026, 10, 2)
    reaching = plan(
        now, {METER: MeterStore(METER)}, {METER}, FetchLog(), DEFAULT_CORRECTION_DAYS, older=older
    )
    assert [(fetch.first, fetch.last) for fetch in reaching] == [(older, last)] * 2
    assert [fetch.without_older() for fetch in reaching] == fetches


def test_nothing_due_once_final() -> None:
    """Every day complete and validated: no request until the next day is over."""
    today = date(2026, 11, 21)
    days = [
        window_start(today, DEFAULT_CORRECTION_DAYS) + timedelta(days=n)
        for n in range((today - window_start(today, DEFAULT_CORRECTION_DAYS)).days)
    ]
    store = store_with(*days)
    log = FetchLog()
    record_window(log, today, now_at(today, 7))
    store.registers[next(iter(store.flows))][days[-1]] = Reading(
        day_starts(days[-1])[0], day_starts(today)[0], 1.0, "VAL"
    )
    assert plan(now_at(today, 23), {METER: store}, {METER}, log, DEFAULT_CORRECTION_DAYS) == []
    # After midnight: the new day's day value, and the daily re-read of the correction window
    # with it; its quarter hours once the day value shows it published.
    first = today - timedelta(days=DEFAULT_CORRECTION_DAYS - 1)
    midnight = now_at(today + timedelta(days=1), 0)
    assert plan(midnight, {METER: store}, {METER}, log, DEFAULT_CORRECTION_DAYS) == [
        Fetch(ValueType.DAY, (METER,), first, today)
    ]
    log.record(Fetch(ValueType.DAY, (METER,), first, today), midnight)
    published(store, today)
    assert plan(midnight, {METER: store}, {METER}, log, DEFAULT_CORRECTION_DAYS) == [
        Fetch(ValueType.QUARTER_HOUR, (METER,), first, today)
    ]


def test_estimates_read_again_daily_with_the_new_day_and_only_while_recent() -> None:
    """Estimated days cost no request of their own: they ride along with the next new day."""
    today = date(2026, 11, 21)
    recent = today - timedelta(days=2)
    old = today - timedelta(days=DEFAULT_CORRECTION_DAYS + 1)
    estimated = {recent, old, today - timedelta(days=1)}
    window = [window_start(today, DEFAULT_CORRECTION_DAYS) + timedelta(days=n) for n in range(25)]
    store = store_with(*(day for day in window if day < today and day not in estimated))
    store_with(*estimated, quality="EST", store=store)
    log = FetchLog()
    checked = now_at(today, 7)
    record_window(log, today, checked)
    end = day_starts(today)[0]
    store.registers[next(iter(store.flows))][today - timedelta(days=1)] = Reading(
        end - timedelta(days=1), end, 1.0, "VAL"
    )
    assert (
        plan(checked + timedelta(minutes=15), {METER: store}, {METER}, log, DEFAULT_CORRECTION_DAYS)
        == []
    )
    assert (
        plan(checked + timedelta(hours=3), {METER: store}, {METER}, log, DEFAULT_CORRECTION_DAYS)
        == []
    )
    midnight = now_at(today + timedelta(days=1), 0)
    due = plan(midnight, {METER: store}, {METER}, log, DEFAULT_CORRECTION_DAYS)
    assert [fetch.value_type for fetch in due] == [ValueType.DAY]
    log.record(due[0], midnight)
    published(store, today)
    due += plan(midnight, {METER: store}, {METER}, log, DEFAULT_CORRECTION_DAYS)
    assert [fetch.value_type for fetch in due] == [ValueType.DAY, ValueType.QUARTER_HOUR]
    assert all(old < fetch.first <= recent and fetch.last == today for fetch in due)


def test_gap_in_published_data_read_again_with_the_next_day() -> None:
    """A day missing quarter hours while newer days are complete costs no request of its own:
    the next day's request reads it again, with the correction window."""
    today = date(2026, 11, 21)
    days = [window_start(today, DEFAULT_CORRECTION_DAYS) + timedelta(days=n) for n in range(20)]
    store = store_with(*days)
    gap = today - timedelta(days=3)
    flow = next(iter(store.flows))
    del store.intervals[flow][day_starts(gap)[40]]
    log = FetchLog()
    checked = now_at(today, 7)
    record_window(log, today, checked)
    store.registers[flow][days[-1]] = Reading(
        day_starts(days[-1])[0], day_starts(today)[0], 1.0, "VAL"
    )
    for hours in (1, 3, 12):
        moment = checked + timedelta(hours=hours)
        assert plan(moment, {METER: store}, {METER}, log, DEFAULT_CORRECTION_DAYS) == []
    midnight = now_at(today + timedelta(days=1), 0)
    due = plan(midnight, {METER: store}, {METER}, log, DEFAULT_CORRECTION_DAYS)
    assert [fetch.value_type for fetch in due] == [ValueType.DAY]
    log.record(due[0], midnight)
    published(store, today)
    due = plan(midnight, {METER: store}, {METER}, log, DEFAULT_CORRECTION_DAYS)
    assert due[0].value_type is ValueType.QUARTER_HOUR
    assert due[0].first <= gap < due[0].last == today


def test_unpublished_day_asked_for_with_growing_pauses() -> None:
    """Two hours, then three times as long as it has been overdue: 0, 2, 8 h; each new day is
    asked for once it is expected (24, 48 h) and shares the pauses of the oldest, so a day that
    never comes costs a request a day."""
    day = date(2026, 11, 21)
    midnight = datetime(2026, 11, 22, tzinfo=VIENNA)
    hours = [midnight + timedelta(hours=n) for n in range(72)]
    assert expected_due(day, day, None, hours[0], None)
    asked = [hours[0]]
    for moment in hours[1:]:
        newest = min(day + timedelta(days=(moment - midnight).days), date(2026, 11, 23))
        if expected_due(day, newest, asked[-1], moment, None):
            asked.append(moment)
    assert [(moment - midnight) // timedelta(hours=1) for moment in asked] == [0, 2, 8, 24, 48]
    assert not expected_due(day, day, None, midnight - timedelta(minutes=1), None)


def test_publication_delay_learned_from_a_day_found_after_a_miss() -> None:
    """The next day is first asked for when the last one appeared, once it is known closely
    (missed at 07:00, found at 08:00); backlogs teach nothing."""
    day = date(2026, 11, 20)
    log = FetchLog()
    fetch = Fetch(ValueType.QUARTER_HOUR, (METER,), day, day)
    log.record(fetch, now_at(day + timedelta(days=3), 9), arrived=[day])
    assert log.publication_delay is None  # 57 hours late: an outage, not the usual delay
    log.record(fetch, now_at(day + timedelta(days=1), 7), still_missing=[day])
    log.record(fetch, now_at(day + timedelta(days=1), 8), arrived=[day])
    assert log.publication_delay == timedelta(hours=8)
    later = day + timedelta(days=1)
    assert not expected_due(
        later, later, None, now_at(later + timedelta(days=1), 7), log.publication_delay
    )
    assert expected_due(
        later, later, None, now_at(later + timedelta(days=1), 8), log.publication_delay
    )


def test_publication_delay_moves_in_both_directions() -> None:
    """Found at 10:00 after a miss at 04:00: the next day is asked halfway (07:00); each day
    found halfway or missed there narrows it, until it is known within an hour. A late day, or
    one that never comes, moves nothing; an earlier publication is found an hour a day once the
    old misses are forgotten."""
    log = FetchLog()
    first = date(2026, 11, 10)

    def publish(day: date, probes: list[int], published: int) -> None:
        """Ask for ``day`` at these hours after its end; it is there from ``published``."""
        fetch = Fetch(ValueType.DAY, (METER,), day, day)
        for hour in probes:
            moment = now_at(day + timedelta(days=1), hour)
            if hour >= published:
                log.record(fetch, moment, arrived=[day])
                return
            log.record(fetch, moment, still_missing=[day])

    publish(first, [4, 10], published=6)
    assert log.publication_delay == timedelta(hours=7)  # halfway between 04:00 and 10:00
    publish(first + timedelta(days=1), [7], published=6)
    assert log.publication_delay == timedelta(hours=5, minutes=30)  # (04:00, 07:00]
    publish(first + timedelta(days=2), [5, 6], published=6)  # 05:30 missed, 06:30 found
    assert log.publication_delay == timedelta(hours=6)  # (05:00, 06:00]: close enough
    publish(first + timedelta(days=3), [6, 8, 14], published=23)  # one late day
    assert log.publication_delay == timedelta(hours=6)
    publish(first + timedelta(days=4), [4, 6], published=99)  # never comes
    assert log.publication_delay == timedelta(hours=6)
    # Wiener Netze publishes at 03:00 from now on: found at the first request for a week,
    # then the old misses are forgotten and the first request moves an hour earlier a day,
    # until it misses.
    for offset in range(5, 13):
        publish(first + timedelta(days=offset), [6], published=3)
    assert log.publication_delay == timedelta(hours=5)
    for offset, hour in ((13, 5), (14, 4), (15, 3)):
        publish(first + timedelta(days=offset), [hour], published=3)
    assert log.publication_delay == timedelta(hours=2)
    publish(first + timedelta(days=16), [2, 4], published=3)
    assert log.publication_delay == timedelta(hours=3)
