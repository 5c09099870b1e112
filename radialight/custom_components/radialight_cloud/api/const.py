"""The real endpoints (the only public integration's; nothing is documented)."""

from __future__ import annotations

API_URL = "https://myradialight-fe-prod.opengate.it"
TOKEN_URL = "https://securetoken.googleapis.com/v1/token"
# An ID token is renewed this many seconds before it expires.
REFRESH_MARGIN = 60.0
# Seconds one request may take, connection included.
REQUEST_TIMEOUT = 15.0
# Refresh errors (HTTP 400, error.message) that mean: new credentials are needed.
AUTH_ERRORS = frozenset(
    {
        "TOKEN_EXPIRED",
        "INVALID_REFRESH_TOKEN",
        "USER_DISABLED",
        "USER_NOT_FOUND",
        "INVALID_GRANT_TYPE",
        "MISSING_REFRESH_TOKEN",
        "INVALID_ID_TOKEN",
        "PROJECT_NUMBER_MISMATCH",
    }
)
