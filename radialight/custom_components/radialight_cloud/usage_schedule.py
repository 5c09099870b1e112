"""When ``/usage`` is read: once an hour, when a new bucket can exist, not on every poll.

A bucket first shows about 35 minutes after its hour starts and grows for a while after that.
One read an hour, a few minutes after the newest bucket can show, brings it and reads the last
24 buckets again (each is read about 24 times, so a bucket that grew later is corrected). A
bucket not there yet is looked for again after a short pause; a failing read, after a pause
that doubles up to an hour.
"""

from __future__ import annotations

from datetime import datetime, timedelta

HOUR = timedelta(hours=1)
# Minutes after its hour's start a bucket is read: it shows after about 35.
SHOWS_AFTER = timedelta(minutes=40)
# A bucket that should be there and is not: looked for again this much later.
LATE_PAUSE = timedelta(minutes=15)
# After a failed read: this pause, doubling up to MAX_PAUSE.
FIRST_PAUSE = timedelta(minutes=5)
MAX_PAUSE = HOUR
# No read is planned further ahead than this: one that is must come from a clock set back.
MAX_AHEAD = 2 * HOUR


def newest_expected(now: datetime) -> datetime:
    """The start of the newest bucket that can show at ``now``."""
    hour = now.replace(minute=0, second=0, microsecond=0)
    return hour if now >= hour + SHOWS_AFTER else hour - HOUR


class UsageSchedule:
    """The time of the next read."""

    def __init__(self) -> None:
        self.next_at: datetime | None = None  # None: now
        self.failures = 0  # reads in a row that failed
        self.late = 0  # reads in a row whose statistics the recorder was too slow for

    def due(self, now: datetime) -> bool:
        """Whether a read is due (also when the clock went back past the planned read)."""
        return self.next_at is None or now >= self.next_at or self.next_at - now > MAX_AHEAD

    def answered(self, newest: datetime | None, now: datetime) -> None:
        """A read answered; ``newest``: the start of its newest bucket."""
        self.failures = 0
        expected = newest_expected(now)
        following = expected + HOUR + SHOWS_AFTER
        if newest is not None and newest >= expected:
            self.next_at = following
        else:
            self.next_at = min(now + LATE_PAUSE, following)

    def failed(self, now: datetime) -> None:
        """A read failed: try again after a pause that doubles with each failure."""
        self.failures += 1
        self.next_at = now + pause(self.failures)

    def recorder_late(self, now: datetime) -> None:
        """The recorder was too slow to take a read's statistics: read again later.

        The pause doubles while the recorder stays slow.
        """
        self.late += 1
        self.next_at = now + pause(self.late)


def pause(times: int) -> timedelta:
    """The pause after ``times`` failures in a row: 5 minutes, doubling up to an hour."""
    doubled: timedelta = FIRST_PAUSE * 2 ** (times - 1)
    return min(MAX_PAUSE, doubled)
