"""Names and defaults shared by the integration's modules."""

from __future__ import annotations

from enum import StrEnum
from typing import Final

DOMAIN: Final = "wiener_netze"
MANUFACTURER: Final = "Wiener Netze"
PORTAL_URL: Final = "https://smartmeter-web.wienernetze.at/"
CREDENTIALS_GUIDE_URL: Final = (
    "https://github.com/wiener-netze-smart-meter/home-assistant#your-credentials-step-by-step"
)

CONF_CLIENT_ID: Final = "client_id"
CONF_CLIENT_SECRET: Final = "client_secret"
CONF_API_KEY: Final = "api_key"
CONF_API_URL: Final = "api_url"
CONF_TOKEN_URL: Final = "token_url"
CONF_CONNECTION: Final = "connection"  # the form section holding the two URLs
CONF_METERS: Final = "meters"

CONF_UPDATE_INTERVAL: Final = "update_interval"
CONF_HISTORY_YEARS: Final = "history_years"
CONF_PLAUSIBILITY_LIMIT: Final = "plausibility_limit"
CONF_OPTIONAL_SENSORS: Final = "optional_sensors"
CONF_CORRECTION_DAYS: Final = "correction_days"
# The insights section of the options: base load and the unusual-day event.
CONF_INSIGHTS: Final = "insights"
CONF_BASE_LOAD: Final = "base_load"
CONF_UNUSUAL_DAYS: Final = "unusual_days"
CONF_UNUSUAL_BAND: Final = "unusual_band"

DEFAULT_UPDATE_INTERVAL: Final = 15  # minutes, as the seed plan says
MIN_UPDATE_INTERVAL: Final = 5
MAX_UPDATE_INTERVAL: Final = 360
DEFAULT_HISTORY_YEARS: Final = 3  # the API keeps about three years
MAX_HISTORY_YEARS: Final = 3
# The largest household connection in Vienna: three phases of 63 A at 230 V.
DEFAULT_PLAUSIBILITY_LIMIT: Final = 3 * 63 * 230  # W
# How many robust deviations (1.4826 x the median absolute deviation) a day may lie from the
# median of its references before it is unusual: 3 is the usual outlier rule.
DEFAULT_UNUSUAL_BAND: Final = 3.0
MIN_UNUSUAL_BAND: Final = 1.5
MAX_UNUSUAL_BAND: Final = 6.0


class OptionalSensor(StrEnum):
    """Sensor groups a user can switch off in the options."""

    MONTH_TO_DATE = "month_to_date"
    LAST_24_HOURS = "last_24_hours"
    LATEST_QUARTER_HOUR = "latest_quarter_hour"


DEFAULT_OPTIONAL_SENSORS: Final = [sensor.value for sensor in OptionalSensor]

# The meters keep their quarter hours this many days: a day older than this that Wiener Netze
# has not delivered will not be.
STORAGE_DAYS: Final = 60

# Days inside the correction window are read again once a day and corrected in the statistics.
DEFAULT_CORRECTION_DAYS: Final = 7
MAX_CORRECTION_DAYS: Final = 30

# The tariff section of the options: what energy costs and what feed-in earns.
CONF_TARIFF: Final = "tariff"
CONF_ENERGY_PRICE: Final = "energy_price"
CONF_PRICE_ENTITY: Final = "price_entity"
CONF_DAILY_CHARGE: Final = "daily_charge"
CONF_FEED_IN_PRICE: Final = "feed_in_price"
CONF_FEED_IN_PRICE_ENTITY: Final = "feed_in_price_entity"
