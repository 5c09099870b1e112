"""Vienna days and hours: the one place that knows how the meters' local days map to time.

Wiener Netze's days run from local midnight to local midnight in Vienna, so the days of the
clock changes have 23 or 25 hours (92 or 100 quarter hours). Arithmetic on moments happens in
UTC, where every hour is an hour; Vienna's offsets are whole hours, so a UTC hour is also a
local hour. No Home Assistant import: the API client uses this too.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from typing import Final
from zoneinfo import ZoneInfo

VIENNA: Final = ZoneInfo("Europe/Vienna")
QUARTER_HOUR: Final = timedelta(minutes=15)
HOUR: Final = timedelta(hours=1)
ONE_DAY: Final = timedelta(days=1)
# A moment on the last second of a day: a register read "at the end of day D" has its end at
# D+1 00:00, which belongs to D.
_JUST_BEFORE: Final = timedelta(seconds=1)


def local_midnight(day: date) -> datetime:
    """The start of ``day`` in Vienna, as an aware datetime."""
    return datetime.combine(day, time(), tzinfo=VIENNA)


def day_start(day: date) -> datetime:
    """The UTC moment ``day`` starts at in Vienna: where a day's first hour row is keyed."""
    return local_midnight(day).astimezone(UTC)


def day_hours(day: date) -> tuple[datetime, ...]:
    """The UTC hour starts of a local day: 23, 24 or 25 of them."""
    return day_starts(day)[::4]


def local_day(moment: datetime) -> date:
    """The Vienna day a moment falls on."""
    return moment.astimezone(VIENNA).date()


def day_ending_at(moment: datetime) -> date:
    """The Vienna day ending at ``moment`` (a register read at midnight closes the day before)."""
    return local_day(moment - _JUST_BEFORE)


def hour_start(moment: datetime) -> datetime:
    """The whole UTC hour a moment falls in."""
    return moment.astimezone(UTC).replace(minute=0, second=0, microsecond=0)


@lru_cache(maxsize=512)
def day_starts(day: date) -> tuple[datetime, ...]:
    """The quarter-hour starts of a local day, in UTC: 92, 96 or 100 of them.

    Cached: every update asks for the same few dozen days many times over.
    """
    start, end = day_start(day), day_start(day + ONE_DAY)
    count = int((end - start) / QUARTER_HOUR)
    return tuple(start + index * QUARTER_HOUR for index in range(count))


def days_between(first: date, last: date) -> list[date]:
    """The inclusive range ``first``..``last`` (empty when ``last`` is before ``first``)."""
    return [first + index * ONE_DAY for index in range((last - first).days + 1)]


def years_before(day: date, years: int) -> date:
    """The same calendar day ``years`` earlier (28 February for a 29 February)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)
