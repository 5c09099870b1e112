"""Which statistics rows an answer's buckets need, given what the recorder holds (``plan``)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from custom_components.radialight_cloud.usage_statistics import LostHours, plan

H = timedelta(hours=1)
T0 = datetime(2026, 12, 2, 0, tzinfo=UTC)


def hours(*values: float, start: datetime = T0) -> dict[datetime, float]:
    """Consecutive hours from ``start`` with these values."""
    return {start + index * H: value for index, value in enumerate(values)}


def sums(rows: list) -> dict[datetime, float]:
    return {row["start"]: row["sum"] for row in rows}


def test_the_first_answer_starts_the_series_at_zero() -> None:
    rows, lost = plan({}, hours(1.0, 2.0, 0.0))
    assert sums(rows) == {T0: 1.0, T0 + H: 3.0, T0 + 2 * H: 3.0}
    assert all(row["state"] == row["sum"] for row in rows)
    assert lost is None


def test_an_answer_the_recorder_already_holds_writes_nothing() -> None:
    recorded = {T0 - H: 5.0, T0: 6.0, T0 + H: 8.0}
    rows, lost = plan(recorded, hours(1.0, 2.0))
    assert rows == []
    assert lost is None


def test_a_grown_bucket_rewrites_from_its_hour_with_the_sum_rebased() -> None:
    recorded = {T0 - H: 5.0, T0: 6.0, T0 + H: 6.5}
    rows, _ = plan(recorded, hours(1.0, 2.0, 0.25))
    assert sums(rows) == {T0 + H: 8.0, T0 + 2 * H: 8.25}


def test_a_bucket_that_shrank_is_taken_as_the_cloud_now_says() -> None:
    recorded = {T0 - H: 5.0, T0: 7.0, T0 + H: 9.0}
    rows, _ = plan(recorded, hours(1.0, 2.0))
    assert sums(rows) == {T0: 6.0, T0 + H: 8.0}


def test_an_hour_missing_from_the_answer_keeps_its_recorded_change() -> None:
    recorded = {T0 - H: 5.0, T0: 6.0, T0 + H: 8.0, T0 + 2 * H: 8.5}
    answer = {T0: 1.0, T0 + 2 * H: 0.75}  # T0 + H missing: it stays 2.0
    rows, _ = plan(recorded, answer)
    assert sums(rows) == {T0 + 2 * H: 8.75}


def test_hours_between_the_recorder_and_the_answer_are_lost_not_filled() -> None:
    recorded = {T0 - 10 * H: 3.0}
    rows, lost = plan(recorded, hours(1.0, 1.0))
    assert lost == LostHours(T0 - 9 * H, T0 - H)
    assert lost.hours == 9
    assert sums(rows) == {T0: 4.0, T0 + H: 5.0}


@pytest.mark.parametrize("gap", [0, 1])
def test_no_loss_when_the_answer_follows_on(gap: int) -> None:
    recorded = {T0 - H: 3.0, T0: 4.0}
    _, lost = plan(recorded, hours(1.0, start=T0 + gap * H))
    assert lost is None


def test_recorded_hours_after_the_answer_are_rebased_too() -> None:
    """A bucket grew while the recorder holds later hours (an answer that ends earlier): the
    later hours keep their change, their sums move with it."""
    recorded = {T0 - H: 5.0, T0: 6.0, T0 + H: 8.0, T0 + 2 * H: 9.0}
    rows, _ = plan(recorded, {T0: 2.0})
    assert sums(rows) == {T0: 7.0, T0 + H: 9.0, T0 + 2 * H: 10.0}


def test_an_answer_older_than_every_row_read_is_refused_when_more_rows_exist() -> None:
    """Its base is not among the rows read: nothing is written rather than a sum from 0."""
    recorded = {T0 + index * H: 100.0 + index for index in range(5)}
    with pytest.raises(ValueError, match="before the rows read"):
        plan(recorded, hours(1.0, 1.0, start=T0 - 3 * H), complete=False)


def test_an_answer_reaching_before_a_young_series_starts_it_earlier() -> None:
    """All the series' rows were read and the answer begins before them: the series now starts
    with the answer, every later hour re-based."""
    recorded = {T0: 1.0, T0 + H: 3.0}
    rows, lost = plan(recorded, hours(0.5, 1.0, 2.0, start=T0 - H), complete=True)
    assert sums(rows) == {T0 - H: 0.5, T0: 1.5, T0 + H: 3.5}
    assert lost is None
