"""The simulator's data: granularities agree, clocks change, publication and revisions."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from simulator.account import DAILY, HOUSEHOLD, PHOTOVOLTAIC, default_account
from simulator.clock import SimClock
from simulator.profiles import VIENNA, day_bounds, quarter_starts
from simulator.readings import SPIKE_WH, MeterView, estimate_factor, published_at
from simulator.settings import Settings
from simulator.truth import MeterTruth

SPECS = {spec.number: spec for spec in default_account()}
NOW = datetime(2026, 11, 21, 12, tzinfo=VIENNA)


def view(number: str, **changes: object) -> MeterView:
    settings = Settings()
    settings.update(dict(changes))
    return MeterView(MeterTruth(SPECS[number], "tests"), settings)


@pytest.mark.parametrize(
    ("day", "count"), [(date(2025, 3, 30), 92), (date(2025, 10, 26), 100), (date(2025, 7, 1), 96)]
)
def test_quarter_hours_per_local_day(day: date, count: int) -> None:
    starts = quarter_starts(day)
    assert len(starts) == count
    start, end = day_bounds(day)
    assert starts[0] == start
    assert starts[-1] + timedelta(minutes=15) == end
    assert start.astimezone(VIENNA).time().hour == 0
    assert all(s.minute % 15 == 0 and s.second == 0 for s in starts)


@pytest.mark.parametrize("number", [HOUSEHOLD, PHOTOVOLTAIC, DAILY])
def test_day_values_are_the_sum_of_quarter_hours(number: str) -> None:
    meter = view(number)
    for day in (date(2025, 3, 30), date(2025, 10, 26), date(2026, 6, 21), date(2026, 1, 15)):
        for feed_in in meter.registers([day]):
            rows = meter.zaehlwerke([day], "QUARTER_HOUR", NOW)
            daily = meter.zaehlwerke([day], "DAY", NOW)
            index = meter.registers([day]).index(feed_in)
            assert daily[index]["messwerte"][0]["messwert"] == meter.truth.day_total(day, feed_in)
            if SPECS[number].granularity == "QUARTER_HOUR":
                values = [v["messwert"] for v in rows[index]["messwerte"]]
                assert sum(values) == daily[index]["messwerte"][0]["messwert"]


@pytest.mark.parametrize("number", [HOUSEHOLD, PHOTOVOLTAIC])
def test_registers_grow_by_exactly_the_day_values(number: str) -> None:
    truth = MeterTruth(SPECS[number], "tests")
    first = date(2025, 10, 20)
    for feed_in in (False, True) if SPECS[number].feeds_in else (False,):
        previous = truth.register(first, feed_in)
        for offset in range(1, 12):
            day = first + timedelta(days=offset)
            current = truth.register(day, feed_in)
            assert current - previous == truth.day_total(day, feed_in)
            assert current >= previous
            previous = current
    with pytest.raises(ValueError, match="installed"):
        truth.register(SPECS[number].installed - timedelta(days=1), False)


def test_publication_delay() -> None:
    meter = view(HOUSEHOLD, publish_hour=6)
    day = date(2026, 11, 20)
    assert published_at(day, meter.settings) == datetime(2026, 11, 21, 5, tzinfo=UTC)
    assert not meter.visible(day, datetime(2026, 11, 21, 5, 59, tzinfo=VIENNA))
    assert meter.visible(day, datetime(2026, 11, 21, 6, 0, tzinfo=VIENNA))
    # Nothing before installation, nothing older than the retention period.
    assert not meter.visible(SPECS[HOUSEHOLD].installed - timedelta(days=1), NOW)
    assert not meter.visible(date(2023, 11, 1), NOW)
    assert meter.visible(date(2023, 11, 22), NOW)


def test_estimates_are_revised_to_different_validated_values() -> None:
    meter = view(HOUSEHOLD, estimate_share=0.3, revision_days=2)
    days = [date(2026, 1, 1) + timedelta(days=i) for i in range(60)]
    estimated = [d for d in days if estimate_factor("tests", HOUSEHOLD, d, meter.settings)]
    assert 5 <= len(estimated) <= 35  # about 30 %
    day = estimated[0]
    first_seen = published_at(day, meter.settings) + timedelta(hours=1)
    revised = published_at(day, meter.settings) + timedelta(days=2, hours=1)
    early = meter.quarter_hours(day, False, first_seen)
    late = meter.quarter_hours(day, False, revised)
    assert {q for _, _, q in early} == {"EST"}
    assert {q for _, _, q in late} == {"VAL"}
    assert [wh for _, wh, _ in early] != [wh for _, wh, _ in late]
    assert [wh for _, wh, _ in late] == list(meter.truth.day(day).imports)
    est_total, quality = meter.day_value(day, False, first_seen)
    assert (est_total, quality) == (sum(wh for _, wh, _ in early), "EST")


def test_quarter_hour_faults_leave_day_values_right() -> None:
    day = date(2026, 3, 10)
    meter = view(
        HOUSEHOLD,
        scaled_days=[day],
        spike_days=[day],
        missing_interval_days=[day],
        duplicated_interval_days=[day],
        estimate_share=0,
    )
    rows = meter.quarter_hours(day, False, NOW)
    truth = list(meter.truth.day(day).imports)
    assert len(rows) == 2 * (96 - 4)
    assert SPIKE_WH in [wh for _, wh, _ in rows]
    assert rows[0][1] == truth[0] * 10
    assert meter.day_value(day, False, NOW) == (sum(truth), "VAL")


def test_data_is_realistic_for_vienna() -> None:
    household = MeterTruth(SPECS[HOUSEHOLD], "tests")
    pv = MeterTruth(SPECS[PHOTOVOLTAIC], "tests")
    year = [date(2025, 1, 1) + timedelta(days=i) for i in range(365)]
    annual_kwh = sum(household.day_total(d, False) for d in year) / 1000
    assert 2000 < annual_kwh < 4500  # a Vienna flat
    exported = sum(pv.day_total(d, True) for d in year) / 1000
    assert 3000 < exported < 8000  # 7.2 kWp, most of it exported
    june = sum(pv.day_total(date(2025, 6, d), True) for d in range(1, 31))
    december = sum(pv.day_total(date(2025, 12, d), True) for d in range(1, 31))
    assert june > 3 * december
    night = pv.day(date(2025, 6, 21))
    for start, exported_wh in zip(night.starts, night.exports, strict=True):
        if start.astimezone(VIENNA).hour in (0, 1, 2, 3, 22, 23):
            assert exported_wh == 0
    winter = household.day_total(date(2025, 1, 15), False)
    summer = household.day_total(date(2025, 7, 15), False)
    assert winter > summer


def test_same_seed_same_data_other_seed_other_data() -> None:
    day = date(2026, 2, 2)
    one = MeterTruth(SPECS[HOUSEHOLD], "a").day(day).imports
    assert MeterTruth(SPECS[HOUSEHOLD], "a").day(day).imports == one
    assert MeterTruth(SPECS[HOUSEHOLD], "b").day(day).imports != one


def test_fast_clock_catches_up_with_real_time_and_stays() -> None:
    """A clock started in the past at high speed runs fast, but never past real time."""
    seconds = [0.0]
    real = datetime.now(UTC)
    clock = SimClock(real - timedelta(hours=2), speed=3600.0)
    clock.monotonic = lambda: seconds[0]  # type: ignore[method-assign]
    clock.set(real - timedelta(hours=2))
    seconds[0] = 1.0  # one real second: one simulated hour
    assert clock.now() == real - timedelta(hours=1)
    seconds[0] = 3.0  # three simulated hours would be past real time
    assert real <= clock.now() <= datetime.now(UTC)
