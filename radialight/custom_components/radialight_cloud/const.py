"""Names and defaults of the Radialight Cloud integration."""

from __future__ import annotations

from typing import Final

DOMAIN: Final = "radialight_cloud"
MANUFACTURER: Final = "Radialight"

# Entry data: the Firebase web API key and refresh token (the only known way in), and, in a
# collapsed section of the form, the cloud's and the token endpoint's URLs.
CONF_API_KEY: Final = "api_key"
CONF_REFRESH_TOKEN: Final = "refresh_token"  # noqa: S105 - a key, not a secret
CONF_CONNECTION: Final = "connection"
CONF_API_URL: Final = "api_url"
CONF_TOKEN_URL: Final = "token_url"  # noqa: S105 - a key, not a secret

# Options.
CONF_SCAN_INTERVAL: Final = "scan_interval"
CONF_PRODUCT_ENTITIES: Final = "product_entities"
DEFAULT_SCAN_INTERVAL: Final = 60
MIN_SCAN_INTERVAL: Final = 10
MAX_SCAN_INTERVAL: Final = 3600
DEFAULT_PRODUCT_ENTITIES: Final = False
# The seed's name for the option of the account's usage sensors.
CONF_USAGE_SENSORS: Final = "enable_usage_sensors"
DEFAULT_USAGE_SENSORS: Final = True
# What one unit of a /usage value is taken to be (not documented; see the README): the seed's
# guess (Wh), what the only public integration computes (10 Wh), or kWh.
CONF_USAGE_UNIT: Final = "usage_unit"
USAGE_UNITS: Final = {"wh": 0.001, "10wh": 0.01, "kwh": 1.0}  # kWh per unit
DEFAULT_USAGE_UNIT: Final = "wh"


# Setpoints the climate entity offers, °C (the app's range; no account has shown another).
MIN_SETPOINT: Final = 7.0
MAX_SETPOINT: Final = 30.0
