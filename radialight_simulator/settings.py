"""What the simulated cloud does: credentials, the guessed parts of the API, and faults.

Everything marked as a guess in the integration's README is a setting here, so a test can try
each answer a real account might give. Faults are counters (``…_next``: the next N requests)
or switches, settable at start and at run time (``POST /_sim/settings``).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

# How /usage values relate to watt-hours: the unit is not known (README, "What is not known").
USAGE_UNITS = {"Wh": 1.0, "10Wh": 10.0, "kWh": 1000.0}


@dataclass(slots=True)
class Settings:
    """The simulated cloud's behaviour; every field settable at run time."""

    api_key: str = "sim-radialight-web-api-key"
    refresh_token: str = "sim-radialight-refresh-token"
    user_id: str = "sim-user-0001"
    # Seconds an ID token lives ("expires_in", sent as a string as Firebase does).
    token_lifetime: int = 3600
    # Each refresh hands back a new refresh token; the old one stops working.
    rotate_refresh_token: bool = False
    # The refresh token is revoked: refreshes answer 400 TOKEN_EXPIRED.
    revoked: bool = False
    # The account: "home" (3 zones, 4 products), "small" (1 zone), "large" (10 zones), "empty"
    # (no zone).
    account: str = "home"
    # /usage: the unit of its values, minutes after its hour a bucket first shows, and how
    # long after its hour it still grows.
    usage_unit: str = "Wh"
    usage_shows_after_minutes: int = 35
    usage_grows_for_minutes: int = 75
    # Hours a /usage answer reaches back (a rolling window ending at the current hour).
    usage_hours: int = 24
    # Faults: the next N API requests answer 401 (the ID token is treated as expired), 429,
    # 503, hang for hang_seconds, or (for /usage) a body that is not the expected form.
    unauthorized_next: int = 0
    rate_limited_next: int = 0
    server_errors_next: int = 0
    hang_next: int = 0
    hang_seconds: float = 30.0
    malformed_usage_next: int = 0
    # Switches: /usage or /zones answer 503 while on; these products are offline.
    usage_down: bool = False
    zones_down: bool = False
    offline_products: list[str] = field(default_factory=list)
    # These zones come in /zones without their id (an entry the client cannot read).
    unreadable_zones: list[str] = field(default_factory=list)

    def update(self, changes: dict[str, Any]) -> None:
        """Apply changes (JSON values); unknown names and bad values raise, nothing applied."""
        known = {f.name: f for f in dataclasses.fields(self)}
        converted: dict[str, Any] = {}
        for name, raw in changes.items():
            if name not in known:
                raise ValueError(f"unknown setting {name!r}")
            current = getattr(self, name)
            if isinstance(current, bool):
                on = raw.lower() in ("true", "1", "yes", "on") if isinstance(raw, str) else raw
                converted[name] = bool(on)
            elif isinstance(current, list):
                items = raw.split(",") if isinstance(raw, str) else raw
                if not isinstance(items, list):
                    raise ValueError(f"{name} takes a list")
                converted[name] = [str(item).strip() for item in items if str(item).strip()]
            elif isinstance(current, int | float):
                try:
                    converted[name] = type(current)(raw)
                except TypeError, ValueError:
                    raise ValueError(f"{name} takes a number") from None
            else:
                converted[name] = str(raw)
        unit = converted.get("usage_unit", self.usage_unit)
        if unit not in USAGE_UNITS:
            raise ValueError(f"usage_unit takes {', '.join(USAGE_UNITS)}, not {unit!r}")
        for name, value in converted.items():
            setattr(self, name, value)

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready view (the simulator's secrets are not secret)."""
        return dataclasses.asdict(self)
