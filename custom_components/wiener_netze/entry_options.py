"""The options of an entry as the integration uses them: read once, one source for each."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from homeassistant.config_entries import ConfigEntry

from .const import (
    CONF_CORRECTION_DAYS,
    CONF_HISTORY_YEARS,
    CONF_PLAUSIBILITY_LIMIT,
    CONF_UPDATE_INTERVAL,
    DEFAULT_CORRECTION_DAYS,
    DEFAULT_HISTORY_YEARS,
    DEFAULT_PLAUSIBILITY_LIMIT,
    DEFAULT_UPDATE_INTERVAL,
)


@dataclass(frozen=True, slots=True)
class EntryOptions:
    """Polling interval, history depth, correction window and plausibility limit."""

    update_interval: timedelta
    history_years: int
    correction_days: int
    max_power_w: float

    @classmethod
    def of(cls, entry: ConfigEntry) -> EntryOptions:
        """The options of ``entry``, defaults filled in."""
        options = entry.options
        return cls(
            update_interval=timedelta(
                minutes=options.get(CONF_UPDATE_INTERVAL, DEFAULT_UPDATE_INTERVAL)
            ),
            history_years=int(options.get(CONF_HISTORY_YEARS, DEFAULT_HISTORY_YEARS)),
            correction_days=int(options.get(CONF_CORRECTION_DAYS, DEFAULT_CORRECTION_DAYS)),
            max_power_w=float(options.get(CONF_PLAUSIBILITY_LIMIT, DEFAULT_PLAUSIBILITY_LIMIT)),
        )
