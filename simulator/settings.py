"""Run-time switches of the simulator: publication, response forms and faults.

All of them can be given at start (``--set name=value``) and changed while running
(``POST /_sim/settings``), so tests and the demo can watch the client cope.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from .account import ACCOUNTS


@dataclass(slots=True)
class Settings:
    """Everything that can be switched; the defaults behave like the real API on a good day."""

    # Credentials the token endpoint and the gateway accept.
    client_id: str = "demo"
    client_secret: str = "demo"
    api_key: str = "demo"
    # Scopes the token endpoint accepts; any other requested scope is "invalid_scope".
    allowed_scopes: list[str] = field(default_factory=list)

    # The account (see simulator.account.ACCOUNTS), and meters of it that appear on the account
    # only from a day or leave it on a day (moved in, contract ended): before and after, the
    # meter is not listed and a request naming it answers 404.
    account: str = "default"
    added_meter: str | None = None
    added_on: date | None = None
    removed_meter: str | None = None
    removed_on: date | None = None
    # A meter switching to quarter hours during a day (typically the day-values meter): quarter
    # hours start at opt_in_at (aware), the switch day's ones published opt_in_delay_days after
    # its day value; from that day on its master data says QUARTER_HOUR.
    opt_in_meter: str | None = None
    opt_in_at: datetime | None = None
    opt_in_delay_days: int = 1

    # Publication: day D is visible from D+1 at publish_hour (local), for retention_days.
    publish_hour: int = 6
    retention_days: int = 1095
    # Share of days first published as EST, and days after publication until revised to VAL.
    estimate_share: float = 0.08
    revision_days: int = 2
    # Delivery outage: from the local day outage_from on, no day of outage_meters (empty: every
    # meter) is published; on outage_ends_on at publish_hour the backlog comes at once (None:
    # the outage lasts until outage_from is set back to None).
    outage_from: date | None = None
    outage_meters: list[str] = field(default_factory=list)
    outage_ends_on: date | None = None
    # Days Wiener Netze never delivers, for any meter (lost for good: they become gaps).
    undelivered_days: list[date] = field(default_factory=list)
    # Longest datumVon..datumBis range in days the gateway accepts.
    max_range_days: int = 100

    # The load: with standby, each consuming meter's household load is its known standby power
    # (MeterSpec.standby_w) plus the peaks, so the night floor is exactly the standby (False:
    # the profile's own base load, the numbers as ever).
    standby: bool = False
    # Unusual days of unusual_meters (empty: every meter that consumes). On each of
    # extra_kwh_days extra_kwh more are consumed (a sauna), 18:00-22:00 local, all imported.
    unusual_meters: list[str] = field(default_factory=list)
    extra_kwh_days: list[date] = field(default_factory=list)
    extra_kwh: float = 6.0
    # From standby_raised_from on, for standby_raise_days days (0: for good), the standby is
    # raised by standby_raise_w (with standby off: that much more load every quarter hour).
    standby_raised_from: date | None = None
    standby_raise_w: float = 150.0
    standby_raise_days: int = 1

    # Response forms (all seen in the wild).
    list_style: str = "bare"  # bare | items
    time_style: str = "z_millis"  # z_millis | z | plus0000 | offset
    unit_style: str = "WH"  # WH | KWH | kWh
    value_style: str = "int"  # int | float
    reverse_order: bool = False  # registers and values in reverse order
    datum_bis_exclusive: bool = False
    token_expires_in: bool = True  # False: no expires_in in the token response
    # Readings answers for these meters carry "zaehlwerke": [] (WienerNetzeSmartmeter #299).
    no_registers_meters: list[str] = field(default_factory=list)
    # Readings answers for ranges wholly before this day carry "zaehlwerke": [] for every meter
    # (a form a gateway may give for days before a meter's data).
    no_registers_before: date | None = None
    # Bulk readings answers of these value types (all when empty) leave these meters out,
    # although the request named them.
    absent_meters: list[str] = field(default_factory=list)
    absent_value_types: list[str] = field(default_factory=list)
    # GET /zaehlpunkte without zaehlpunkt parameters answers an empty list.
    empty_meter_list: bool = False
    # Bulk readings answers also carry this meter, although the request did not name it.
    unrequested_meter: str | None = None

    # Tokens: lifetime in seconds (real time), and what expires_in claims (None: the same).
    token_lifetime: float = 300.0
    token_claimed_lifetime: float | None = None

    # Faults. The *_next ones hit the next K gateway requests once arm_after more requests have
    # passed untouched (0: at once).
    arm_after: int = 0
    expire_tokens_next: int = 0
    reject_credentials: bool = False
    unlinked: bool = False
    unauthorized_next: int = 0
    rate_limited_next: int = 0
    retry_after: float = 1.0
    server_errors_next: int = 0
    server_error_status: int = 503
    token_errors_next: int = 0
    token_error_status: int = 503
    token_latency: float = 0.0
    # Token answers: normal | no_token | bad_expires_in | string_expires_in | not_object | not_json
    token_response: str = "normal"
    latency: float = 0.0
    hang_next: int = 0
    hang_seconds: float = 300.0
    malformed_next: int = 0
    truncated_next: int = 0
    offline: bool = False
    # Every gateway request answers 503 (counted); the token endpoint keeps working.
    gateway_down: bool = False
    # Go offline after this many more gateway requests (-1: never), e.g. in the middle of an import.
    offline_after: int = -1
    wrong_unit: str | None = None
    missing_interval_days: list[date] = field(default_factory=list)
    duplicated_interval_days: list[date] = field(default_factory=list)
    scaled_days: list[date] = field(default_factory=list)
    spike_days: list[date] = field(default_factory=list)
    # A meter replaced on a day: its registers start again from zero that day.
    replaced_meter: str | None = None
    replacement_day: date | None = None
    # Meters with double-tariff registers 1.8.1 (06-22 h) and 1.8.2 (22-06 h) in METER_READ.
    tariff_meters: list[str] = field(default_factory=list)
    # Meters this application may not read: a request naming one answers 403.
    forbidden_meters: list[str] = field(default_factory=list)
    # One bad value per meter: the first quarter hour of this day (the day value, for a day
    # without quarter hours) becomes empty (JSON null) | negative | text | reversed (zeitBis
    # before zeitVon).
    bad_value: str | None = None
    bad_value_day: date | None = None
    # One register of this meter in an unknown unit (its values cannot be converted).
    bad_unit_meter: str | None = None
    # Every meter also reports a register that is neither consumption nor feed-in (an
    # energy-community share, OBIS 1-1:3.9.0).
    other_register: bool = False
    # Readings requests over more than this many days take longer than the gateway waits for
    # its backend: 504 Gateway Timeout (0: none).
    slow_range_days: int = 0
    # Quarter-hour and day-value requests that include one of these days (before datumBis)
    # answer 400.
    bad_request_days: list[date] = field(default_factory=list)

    def update(self, changes: dict[str, Any]) -> None:
        """Apply changes given as JSON-like values; unknown names and bad values raise.

        All or nothing: a rejected change leaves every setting as it was.
        """
        known = {f.name: f for f in dataclasses.fields(self)}
        converted = {}
        for name, raw in changes.items():
            if name not in known:
                raise ValueError(f"unknown setting {name!r}")
            if name == "account" and raw not in ACCOUNTS:
                raise ValueError(f"unknown account {raw!r}; known: {', '.join(ACCOUNTS)}")
            converted[name] = _convert(name, raw, getattr(self, name), known[name].type)
        _check(dataclasses.replace(self, **converted))
        for name, value in converted.items():
            setattr(self, name, value)

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready view (secrets included: the simulator's are not secret)."""
        data = dataclasses.asdict(self)
        for name, value in data.items():
            if isinstance(value, list):
                data[name] = [v.isoformat() if isinstance(v, date) else v for v in value]
            elif isinstance(value, date):
                data[name] = value.isoformat()
        return data


def _check(settings: Settings) -> None:
    """Reject settings no situation can be made of, naming the setting."""
    if settings.opt_in_at is not None and settings.opt_in_at.utcoffset() is None:
        raise ValueError("opt_in_at needs a time with an offset, e.g. 2026-11-19T10:00+01:00")
    if settings.opt_in_delay_days < 0:
        raise ValueError("opt_in_delay_days cannot be negative")
    unknown = set(settings.absent_value_types) - {"QUARTER_HOUR", "DAY", "METER_READ"}
    if unknown:
        raise ValueError(f"absent_value_types takes QUARTER_HOUR, DAY, METER_READ, not {unknown}")
    for name in ("extra_kwh", "standby_raise_w", "standby_raise_days"):
        value = getattr(settings, name)
        if not math.isfinite(value):
            raise ValueError(f"{name} takes a finite number, not {value}")
        if value < 0:
            raise ValueError(f"{name} cannot be negative, not {value}")
    ends, begins = settings.outage_ends_on, settings.outage_from
    if ends is not None and begins is not None and ends <= begins:
        raise ValueError(f"outage_ends_on ({ends}) must be after outage_from ({begins})")


def _convert(name: str, raw: Any, current: Any, declared: Any) -> Any:
    declared = str(declared)
    if "list[date]" in declared:
        items = raw.split(",") if isinstance(raw, str) else raw
        if not isinstance(items, list):
            raise ValueError(f"{name} takes a list of dates")
        return [_date(name, item) for item in items if str(item).strip()]
    if "list[str]" in declared:
        items = raw.split(",") if isinstance(raw, str) else raw
        if not isinstance(items, list):
            raise ValueError(f"{name} takes a list of texts")
        return [str(item).strip() for item in items if str(item).strip()]
    if raw is None or (isinstance(raw, str) and raw.lower() in ("none", "null", "")):
        if "None" in declared:
            return None
        raise ValueError(f"{name} cannot be empty")
    if declared.startswith("datetime"):
        if isinstance(raw, datetime):
            return raw
        return _parse(name, datetime.fromisoformat, "an ISO time with an offset", raw)
    if declared.startswith("date"):
        return _date(name, raw)
    if isinstance(current, bool) or declared == "bool":
        if isinstance(raw, str):
            if raw.lower() not in ("true", "false", "1", "0", "yes", "no", "on", "off"):
                raise ValueError(f"{name} takes true or false")
            return raw.lower() in ("true", "1", "yes", "on")
        return bool(raw)
    if declared.startswith("int"):
        return _parse(name, int, "a whole number", raw)
    if declared.startswith("float"):
        return _parse(name, float, "a number", raw)
    return str(raw)


def _date(name: str, raw: Any) -> date:
    """A date, or ``raw`` read as an ISO date."""
    return raw if isinstance(raw, date) else _parse(name, date.fromisoformat, "an ISO date", raw)


def _parse(name: str, parse: Callable[[str], Any], what: str, raw: Any) -> Any:
    """``raw`` read by ``parse``; a failure names the setting and what it takes."""
    try:
        return parse(raw.strip() if isinstance(raw, str) else raw)
    except TypeError, ValueError:
        raise ValueError(f"{name} takes {what}, not {raw!r}") from None
