"""One series of hourly usage, the account's or a zone's, as the cloud's answers showed it.

Successive ``/usage`` answers overlap; a bucket seen again replaces what was seen before (it
grows for a while after its hour). The newest 48 buckets are kept for the sensors; the
Energy dashboard's statistics are written from each answer (:mod:`.usage_statistics`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from homeassistant.util import dt as dt_util

from .api import Usage

HOUR = timedelta(hours=1)
KEPT_POINTS = 48


@dataclass(slots=True)
class UsageSeries:
    """The buckets seen (start in UTC → kWh), and whether the last read of them failed."""

    points: dict[datetime, float] = field(default_factory=dict)
    stale: bool = False

    def merge(self, usage: Usage, kwh_per_unit: float) -> None:
        """Take an answer's buckets (the newer value of a bucket counts), keep the newest 48."""
        for point in usage.points:
            self.points[point.start] = point.usage * kwh_per_unit
        newest = sorted(self.points)[-KEPT_POINTS:]
        self.points = {start: self.points[start] for start in newest}
        self.stale = False

    def last_hour(self, now: datetime) -> float | None:
        """The newest bucket whose hour has ended, kWh."""
        ended = [start for start in self.points if start + HOUR <= now]
        return self.points[max(ended)] if ended else None

    def today(self, now: datetime) -> float | None:
        """The buckets of the local day of ``now``, kWh (0 when they are all 0)."""
        if not self.points:
            return None
        day = dt_util.as_local(now).date()
        return sum(v for s, v in self.points.items() if dt_util.as_local(s).date() == day)

    def rolling(self, now: datetime) -> float | None:
        """The buckets of the last 24 hours (the current hour's included), kWh."""
        if not self.points:
            return None
        first = now.replace(minute=0, second=0, microsecond=0) - 23 * HOUR
        return sum(value for start, value in self.points.items() if start >= first)

    def attributes(self, unit_hint: str) -> dict[str, Any]:
        """The seed's attributes: the unit taken, the series' ends and its last 48 buckets."""
        starts = sorted(self.points)
        return {
            "unit_hint": unit_hint,
            "series_start": starts[0].isoformat() if starts else None,
            "series_end": starts[-1].isoformat() if starts else None,
            "point_count": len(starts),
            "stale": self.stale,
            "last_48_hours": [
                {"timestamp": start.isoformat(), "usage": round(self.points[start], 6)}
                for start in starts
            ],
        }
