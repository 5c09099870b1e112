"""When /usage is read: after a new bucket can exist, again soon when it is late, after growing
pauses when reads or the recorder fail, and at once after the clock was set back."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from custom_components.radialight_cloud.usage_schedule import UsageSchedule, newest_expected

T = datetime(2026, 12, 2, 10, 10, tzinfo=UTC)
MINUTE = timedelta(minutes=1)


def test_the_next_read_is_when_the_next_bucket_can_show() -> None:
    schedule = UsageSchedule()
    assert schedule.due(T)
    schedule.answered(newest_expected(T), T)
    assert schedule.next_at == T.replace(minute=40)
    assert not schedule.due(T + 29 * MINUTE)
    assert schedule.due(T + 30 * MINUTE)


def test_a_late_bucket_is_looked_for_after_a_quarter_hour() -> None:
    schedule = UsageSchedule()
    moment = T.replace(minute=41)
    schedule.answered(moment.replace(minute=0) - timedelta(hours=1), moment)
    assert schedule.next_at == moment + 15 * MINUTE


def test_failures_and_a_slow_recorder_back_off_up_to_an_hour() -> None:
    schedule = UsageSchedule()
    pauses = []
    for _ in range(6):
        schedule.failed(T)
        assert schedule.next_at is not None
        pauses.append((schedule.next_at - T) // MINUTE)
    assert pauses == [5, 10, 20, 40, 60, 60]
    schedule.answered(newest_expected(T), T)
    assert schedule.failures == 0
    late = []
    for _ in range(3):
        schedule.recorder_late(T)
        assert schedule.next_at is not None
        late.append((schedule.next_at - T) // MINUTE)
    assert late == [5, 10, 20]


def test_a_clock_set_back_makes_a_read_due() -> None:
    schedule = UsageSchedule()
    schedule.answered(newest_expected(T), T)
    assert not schedule.due(T)
    assert schedule.due(T - timedelta(days=3))
