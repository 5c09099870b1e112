"""Addresses and defaults of the official WN Smart Meter API."""

from __future__ import annotations

from typing import Final

DEFAULT_API_URL: Final = "https://api.wstw.at/gateway/WN_SMART_METER_API/1.0"
# The portal's Postman examples and every working client use log.wien; the spec exports name the
# gateway's own token URL instead, so it stays configurable.
DEFAULT_TOKEN_URL: Final = "https://log.wien/auth/realms/logwien/protocol/openid-connect/token"

API_KEY_HEADER: Final = "x-Gateway-APIKey"

# Assumed token lifetime when the token response has no expires_in (what clients in the wild do).
DEFAULT_TOKEN_LIFETIME: Final = 300.0
# Days per readings request; the API's maximum range is not published, 90 is known to work.
DEFAULT_CHUNK_DAYS: Final = 90
DEFAULT_REQUEST_TIMEOUT: Final = 60.0
# The seed plan assumes 60 requests a minute are allowed; stay at half of that. The burst lets
# a three-year history import of a few meters go at the recorder's pace: even the first minute
# stays within the 60 (a 429 is honoured anyway).
DEFAULT_RATE_PER_MINUTE: Final = 30.0
DEFAULT_RATE_BURST: Final = 30
