"""The options of an entry as the integration uses them: read once, one source for each."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from homeassistant.config_entries import ConfigEntry

from .const import (
    CONF_BASE_LOAD,
    CONF_CORRECTION_DAYS,
    CONF_HISTORY_YEARS,
    CONF_INSIGHTS,
    CONF_PLAUSIBILITY_LIMIT,
    CONF_UNUSUAL_BAND,
    CONF_UNUSUAL_DAYS,
    CONF_UPDATE_INTERVAL,
    DEFAULT_CORRECTION_DAYS,
    DEFAULT_HISTORY_YEARS,
    DEFAULT_PLAUSIBILITY_LIMIT,
    DEFAULT_UNUSUAL_BAND,
    DEFAULT_UPDATE_INTERVAL,
)


@dataclass(frozen=True, slots=True)
class EntryOptions:
    """Polling interval, history depth, correction window, plausibility limit and insights."""

    update_interval: timedelta
    history_years: int
    correction_days: int
    max_power_w: float
    # Base load (sensor and statistic) and the unusual-day event, and the event's band width.
    base_load: bool = True
    unusual_days: bool = True
    unusual_band: float = DEFAULT_UNUSUAL_BAND

    @classmethod
    def of(cls, entry: ConfigEntry) -> EntryOptions:
        """The options of ``entry``, defaults filled in."""
        options = entry.options
        insights = options.get(CONF_INSIGHTS) or {}
        return cls(
            update_interval=timedelta(
                minutes=options.get(CONF_UPDATE_INTERVAL, DEFAULT_UPDATE_INTERVAL)
            ),
            history_years=int(options.get(CONF_HISTORY_YEARS, DEFAULT_HISTORY_YEARS)),
            correction_days=int(options.get(CONF_CORRECTION_DAYS, DEFAULT_CORRECTION_DAYS)),
            max_power_w=float(options.get(CONF_PLAUSIBILITY_LIMIT, DEFAULT_PLAUSIBILITY_LIMIT)),
            base_load=bool(insights.get(CONF_BASE_LOAD, True)),
            unusual_days=bool(insights.get(CONF_UNUSUAL_DAYS, True)),
            unusual_band=float(insights.get(CONF_UNUSUAL_BAND, DEFAULT_UNUSUAL_BAND)),
        )
