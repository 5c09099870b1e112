"""The aiohttp application: token endpoint, the four gateway endpoints, and admin endpoints.

Paths are the real ones, so pointing a client at ``http://127.0.0.1:PORT`` as both the API
base (``/gateway/WN_SMART_METER_API/1.0``) and the token URL
(``/auth/realms/logwien/protocol/openid-connect/token``) is all it takes.
"""

from __future__ import annotations

import asyncio
import json
import re
import secrets
import time
from collections import Counter, deque
from datetime import UTC, date, datetime, timedelta
from typing import Any

from aiohttp import web

from .account import MeterSpec, account
from .clock import SimClock
from .profiles import VIENNA
from .readings import VALUE_TYPES, MeterView
from .settings import Settings
from .truth import MeterTruth

API_BASE = "/gateway/WN_SMART_METER_API/1.0"
TOKEN_PATH = "/auth/realms/logwien/protocol/openid-connect/token"
ADMIN = "/_sim"
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
RESULT_TYPES = ("ALL", "SMART_METER", "SMARTMETER")
# How the webMethods gateway of WSTW prefixes its error texts.
GATEWAY_ERROR = "API Gateway encountered an error. Error Message: "


class GatewayError(Exception):
    """An error answer of the gateway, in its ``{"Exception": ...}`` form."""

    def __init__(self, status: int, text: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(text)
        self.status = status
        self.text = text
        self.headers = headers or {}


class Simulator:
    """State of one simulated API: account, clock, settings, tokens and request counts."""

    def __init__(
        self,
        *,
        seed: str = "wien",
        clock: SimClock | None = None,
        settings: Settings | None = None,
        meters: list[MeterSpec] | None = None,
    ) -> None:
        self.seed = seed
        self.clock = clock or SimClock()
        self.settings = settings or Settings()
        self._initial_settings = self.settings.as_dict()
        self._given = meters
        self._accounts: dict[str, tuple[dict[str, MeterSpec], dict[str, MeterView]]] = {}
        self.tokens: dict[str, float] = {}
        self._quiet = False  # the current request comes before the faults are armed
        self.counts: Counter[str] = Counter()
        self.log: deque[dict[str, Any]] = deque(maxlen=2000)

    # -- the account ---------------------------------------------------------------------------

    def _account(self) -> tuple[dict[str, MeterSpec], dict[str, MeterView]]:
        """The meters and views of the account the settings name (built once per account)."""
        name = "given" if self._given is not None else self.settings.account
        if name not in self._accounts:
            specs = self._given if self._given is not None else account(name)
            meters = {spec.number: spec for spec in specs}
            views = {
                number: MeterView(MeterTruth(spec, self.seed, self.settings), self.settings)
                for number, spec in meters.items()
            }
            self._accounts[name] = (meters, views)
        return self._accounts[name]

    @property
    def meters(self) -> dict[str, MeterSpec]:
        """Every meter of the account, listed now or not."""
        return self._account()[0]

    @property
    def views(self) -> dict[str, MeterView]:
        """What the gateway shows of each meter."""
        return self._account()[1]

    def listed(self, number: str) -> bool:
        """Whether the meter is on the account today (see ``added_on`` / ``removed_on``)."""
        settings, today = self.settings, self.clock.now().astimezone(VIENNA).date()
        if number not in self.meters:
            return False
        if number == settings.added_meter and settings.added_on and today < settings.added_on:
            return False
        removed = settings.removed_on
        return not (number == settings.removed_meter and removed and today >= removed)

    # -- bookkeeping -------------------------------------------------------------------------

    def record(self, endpoint: str, request: web.Request) -> None:
        """Count a request and remember its parameters (for tests and benchmarks)."""
        self.counts[endpoint] += 1
        self.counts["total"] += 1
        self.log.append(
            {
                "endpoint": endpoint,
                "path": request.path,
                "query": [[key, value] for key, value in request.query.items()],
                "at": self.clock.now().isoformat(),
            }
        )

    def reset(self) -> None:
        """Back to the start settings, no tokens, no counts."""
        self.settings.update(self._initial_settings)
        self.tokens.clear()
        self.counts.clear()
        self.log.clear()

    def take(self, settings: Settings, name: str) -> bool:
        """Use up one of a ``*_next`` fault counter; True if the fault applies now.

        The first ``arm_after`` gateway requests pass untouched, so a fault can hit in the
        middle of an import.
        """
        if self._quiet:
            return False
        remaining = getattr(settings, name)
        if remaining > 0:
            setattr(settings, name, remaining - 1)
            return True
        return False

    # -- token endpoint ----------------------------------------------------------------------

    async def token(self, request: web.Request) -> web.Response:
        """OAuth 2 client-credentials grant, as Keycloak (log.wien) answers it."""
        self.record("token", request)
        self._quiet = False  # arm_after counts gateway requests only
        settings = self.settings
        if settings.token_latency:
            await asyncio.sleep(settings.token_latency)
        if self.take(settings, "token_errors_next"):
            return web.json_response(
                {"error": "server_error"},
                status=settings.token_error_status,
                headers={"Retry-After": f"{settings.retry_after:g}"},
            )
        if request.content_type != "application/x-www-form-urlencoded":
            return _oauth_error(400, "invalid_request", "Form-encoded body expected")
        form = await request.post()
        if form.get("grant_type") != "client_credentials":
            return _oauth_error(400, "unsupported_grant_type", "Unsupported grant_type")
        if (
            settings.reject_credentials
            or form.get("client_id") != settings.client_id
            or form.get("client_secret") != settings.client_secret
        ):
            return _oauth_error(
                401, "invalid_client", "Invalid client or Invalid client credentials"
            )
        scope = str(form.get("scope", "")).strip()
        if scope and any(part not in settings.allowed_scopes for part in scope.split()):
            return _oauth_error(400, "invalid_scope", f"Invalid scopes: {scope}")
        token = secrets.token_urlsafe(32)
        self.tokens[token] = time.monotonic() + settings.token_lifetime
        body: dict[str, Any] = {
            "access_token": token,
            "token_type": "Bearer",
            "refresh_expires_in": 0,
            "not-before-policy": 0,
            "scope": scope or "email profile",
        }
        if settings.token_expires_in:
            claimed = settings.token_claimed_lifetime or settings.token_lifetime
            body["expires_in"] = int(claimed)
        return _token_answer(body, settings.token_response)

    # -- gateway -----------------------------------------------------------------------------

    async def gate(self, request: web.Request, endpoint: str) -> None:
        """What the gateway checks before any endpoint runs, and the switchable faults."""
        settings = self.settings
        if settings.offline_after == 0:
            settings.offline = True  # the connection drops after a number of requests
        if settings.offline_after >= 0:
            settings.offline_after -= 1
        if settings.offline:
            # "Network gone": the request never reaches the gateway.
            self.counts["dropped"] += 1
            raise ConnectionAbortedError
        self.record(endpoint, request)
        if settings.gateway_down:
            raise GatewayError(503, f"{GATEWAY_ERROR}Service Unavailable")
        self._quiet = settings.arm_after > 0
        if self._quiet:
            settings.arm_after -= 1
        if settings.latency:
            await asyncio.sleep(settings.latency)
        if self.take(settings, "hang_next"):
            await asyncio.sleep(settings.hang_seconds)
        key = request.headers.get("x-Gateway-APIKey")
        if not key:
            raise GatewayError(401, f"{GATEWAY_ERROR}API key is missing")
        if key != settings.api_key:
            raise GatewayError(403, f"{GATEWAY_ERROR}Invalid API key")
        auth = request.headers.get("Authorization", "")
        token = auth[7:] if auth.lower().startswith("bearer ") else ""
        if self.take(settings, "expire_tokens_next"):
            self.tokens.clear()  # every issued token expires now, before its time
        expiry = self.tokens.get(token)
        if expiry is None or expiry <= time.monotonic() or self.take(settings, "unauthorized_next"):
            raise GatewayError(
                401,
                f"{GATEWAY_ERROR}Invalid or expired access token",
            )
        if settings.unlinked:
            raise GatewayError(
                403,
                f"{GATEWAY_ERROR}Access denied, no linked Smart Meter profile",
            )
        if self.take(settings, "rate_limited_next"):
            raise GatewayError(
                429,
                f"{GATEWAY_ERROR}Too many requests",
                {"Retry-After": f"{settings.retry_after:g}"},
            )
        if self.take(settings, "server_errors_next"):
            raise GatewayError(
                settings.server_error_status,
                f"{GATEWAY_ERROR}Internal Server Error",
            )

    def respond(self, payload: Any) -> web.Response:
        """A JSON answer, possibly malformed or truncated by a fault."""
        text = json.dumps(payload, ensure_ascii=False)
        if self.take(self.settings, "malformed_next"):
            text = "<html><body><h1>502 Bad Gateway</h1></body></html>"
        elif self.take(self.settings, "truncated_next"):
            text = text[: max(1, len(text) // 2)]
        return web.Response(text=text, content_type="application/json")

    def wrap(self, items: list[Any]) -> Any:
        """A list, bare or as ``{"items": [...]}``."""
        return {"items": items} if self.settings.list_style == "items" else items

    def _meter(self, number: str) -> MeterSpec:
        if not self.listed(number):
            raise GatewayError(404, f"Zaehlpunkt {number} not found")
        if number in self.settings.forbidden_meters:
            raise GatewayError(403, f"{GATEWAY_ERROR}Access denied for Zaehlpunkt {number}")
        return self.meters[number]

    def _today(self) -> date:
        return self.clock.now().astimezone(VIENNA).date()

    def _master_data(self, spec: MeterSpec) -> dict[str, Any]:
        """The meter's master data today, as the settings make it (a switch to quarter hours)."""
        return self.views[spec.number].spec.master_data(self._today())

    async def meters_list(self, request: web.Request) -> web.Response:
        """GET /zaehlpunkte: master data; Ferraris meters only with resultType=ALL."""
        await self.gate(request, "meters")
        result_type = request.query.get("resultType", "").strip().upper()
        if result_type and result_type not in RESULT_TYPES:
            raise GatewayError(400, f"Invalid resultType {result_type}")
        wanted = request.query.getall("zaehlpunkt", [])
        specs = [self._meter(number) for number in wanted] or [
            spec for number, spec in self.meters.items() if self.listed(number)
        ]
        if not wanted and self.settings.empty_meter_list:
            specs = []  # the account's list comes back empty; each meter still answers
        if result_type != "ALL":
            specs = [spec for spec in specs if spec.is_smart]
        return self.respond(self.wrap([self._master_data(spec) for spec in specs]))

    async def meter_detail(self, request: web.Request) -> web.Response:
        """GET /zaehlpunkte/{zaehlpunkt}."""
        await self.gate(request, "meter")
        spec = self._meter(request.match_info["zaehlpunkt"])
        return self.respond(self._master_data(spec))

    def _days(self, request: web.Request) -> tuple[list[date], str]:
        query = request.query
        for name in ("datumVon", "datumBis", "wertetyp"):
            if not query.get(name):
                raise GatewayError(400, f"Required parameter {name} is missing")
        parsed = {}
        for name in ("datumVon", "datumBis"):
            text = query[name]
            try:
                if not _DATE.match(text):
                    raise ValueError
                parsed[name] = date.fromisoformat(text)
            except ValueError:
                raise GatewayError(400, f"{name} must be a date in the format YYYY-MM-DD") from None
        first, bis = parsed["datumVon"], parsed["datumBis"]
        if bis <= first:
            raise GatewayError(400, "datumBis must be after datumVon")
        if (bis - first).days > self.settings.max_range_days:
            raise GatewayError(
                400, f"The requested range exceeds {self.settings.max_range_days} days"
            )
        value_type = query["wertetyp"]
        if value_type not in VALUE_TYPES:
            raise GatewayError(
                400, f"Invalid wertetyp {value_type}; use QUARTER_HOUR, DAY or METER_READ"
            )
        last = bis - timedelta(days=1) if self.settings.datum_bis_exclusive else bis
        days = [first + timedelta(days=i) for i in range((last - first).days + 1)]
        return days, value_type

    async def _range_faults(self, days: list[date], value_type: str) -> None:
        """A range too long to answer in time, or one with a day the gateway cannot serve.

        The days served are those before ``datumBis``; registers are unaffected.
        """
        settings = self.settings
        if settings.slow_range_days and len(days) > settings.slow_range_days:
            raise GatewayError(504, f"{GATEWAY_ERROR}Gateway Timeout")
        served = days if settings.datum_bis_exclusive else days[:-1]
        if value_type != "METER_READ" and any(day in settings.bad_request_days for day in served):
            raise GatewayError(400, f"{GATEWAY_ERROR}Bad Request")

    def _readings(
        self, spec: MeterSpec, days: list[date], value_type: str, now: datetime
    ) -> dict[str, Any]:
        before = self.settings.no_registers_before
        if spec.number in self.settings.no_registers_meters or (before and days[-1] < before):
            return {"zaehlpunkt": spec.number, "zaehlwerke": []}
        view = self.views[spec.number]
        return {"zaehlpunkt": spec.number, "zaehlwerke": view.zaehlwerke(days, value_type, now)}

    def _unrequested(
        self, answered: list[dict[str, Any]], days: list[date], value_type: str, now: datetime
    ) -> list[dict[str, Any]]:
        """The entry of ``unrequested_meter`` a bulk answer also carries, unless already there.

        A meter of the account brings its own readings; any other number the first entry's
        series, so the answer looks like one the gateway could give.
        """
        number = self.settings.unrequested_meter
        if number is None or any(entry["zaehlpunkt"] == number for entry in answered):
            return []
        spec = self.meters.get(number)
        if spec is not None:
            return [self._readings(spec, days, value_type, now)]
        zaehlwerke = answered[0]["zaehlwerke"] if answered else []
        return [{"zaehlpunkt": number, "zaehlwerke": zaehlwerke}]

    async def readings_bulk(self, request: web.Request) -> web.Response:
        """GET /zaehlpunkte/messwerte: several meters (repeated ``zaehlpunkt``) or all."""
        await self.gate(request, "readings_bulk")
        days, value_type = self._days(request)
        await self._range_faults(days, value_type)
        self.counts[f"readings_{value_type}"] += 1
        wanted = request.query.getall("zaehlpunkt", [])
        specs = [self._meter(number) for number in wanted] or [
            spec for number, spec in self.meters.items() if spec.is_smart and self.listed(number)
        ]
        now = self.clock.now()
        if not self.settings.absent_value_types or value_type in self.settings.absent_value_types:
            specs = [spec for spec in specs if spec.number not in self.settings.absent_meters]
        answered = [self._readings(spec, days, value_type, now) for spec in specs]
        answered += self._unrequested(answered, days, value_type, now)
        return self.respond(self.wrap(answered))

    async def readings_single(self, request: web.Request) -> web.Response:
        """GET /zaehlpunkte/{zaehlpunkt}/messwerte."""
        await self.gate(request, "readings_single")
        spec = self._meter(request.match_info["zaehlpunkt"])
        days, value_type = self._days(request)
        await self._range_faults(days, value_type)
        self.counts[f"readings_{value_type}"] += 1
        return self.respond(self._readings(spec, days, value_type, self.clock.now()))

    # -- admin -------------------------------------------------------------------------------

    async def admin_state(self, request: web.Request) -> web.Response:
        """GET /_sim/state: clock, settings, meters and counts."""
        return web.json_response(
            {
                "now": self.clock.now().isoformat(),
                "frozen": self.clock.frozen,
                "seed": self.seed,
                "meters": [number for number in self.meters if self.listed(number)],
                "settings": self.settings.as_dict(),
                "counts": dict(self.counts),
            }
        )

    async def admin_settings(self, request: web.Request) -> web.Response:
        """POST /_sim/settings with a JSON object of changes."""
        try:
            changes = await request.json()
            if not isinstance(changes, dict):
                raise ValueError("a JSON object of settings is expected")
            self.settings.update(changes)
        except (ValueError, TypeError) as err:
            return web.json_response({"error": str(err)}, status=400)
        return web.json_response(self.settings.as_dict())

    async def admin_clock(self, request: web.Request) -> web.Response:
        """POST /_sim/clock with ``now`` (ISO time), ``advance_seconds`` or ``advance_days``."""
        try:
            body = await request.json()
            if "now" in body:
                self.clock.set(datetime.fromisoformat(body["now"]), frozen=body.get("frozen"))
            elif "frozen" in body:
                self.clock.set(self.clock.now(), frozen=bool(body["frozen"]))
            delta = timedelta(
                seconds=float(body.get("advance_seconds", 0)),
                days=float(body.get("advance_days", 0)),
            )
            if delta:
                self.clock.advance(delta)
        except (ValueError, TypeError, AttributeError) as err:
            return web.json_response({"error": str(err)}, status=400)
        return web.json_response({"now": self.clock.now().isoformat(), "frozen": self.clock.frozen})

    async def admin_requests(self, request: web.Request) -> web.Response:
        """GET /_sim/requests: counts per endpoint and the latest requests."""
        return web.json_response({"counts": dict(self.counts), "log": list(self.log)})

    async def admin_reset(self, request: web.Request) -> web.Response:
        """POST /_sim/reset: start settings, no tokens, counts cleared."""
        self.reset()
        return web.json_response({"ok": True})

    async def admin_truth(self, request: web.Request) -> web.Response:
        """GET /_sim/truth?zaehlpunkt=&datumVon=&datumBis=: true Wh per quarter hour and day.

        Each day also carries the known standby power and the extra consumption.
        """
        try:
            number = request.query["zaehlpunkt"]
            first = date.fromisoformat(request.query["datumVon"])
            last = date.fromisoformat(request.query["datumBis"])
        except (KeyError, ValueError) as err:
            return web.json_response({"error": f"bad query: {err}"}, status=400)
        spec = self.meters.get(number)  # listed or not: the truth of every meter of the account
        if spec is None:
            return web.json_response({"error": f"Zaehlpunkt {number} not found"}, status=404)
        view = self.views[spec.number]
        days = []
        day = first
        while day <= last and spec.is_smart:
            if day >= spec.installed:
                days.append(_truth_day(view, day))
            day += timedelta(days=1)
        return web.json_response({"zaehlpunkt": spec.number, "days": days})


def _truth_day(view: MeterView, day: date) -> dict[str, Any]:
    """What the meter measured on ``day``, and how the gateway publishes it.

    ``source`` is "quarter_hour", "day" (day values only), or "partial_quarter_hour" on the
    day a meter switches to quarter hours: its day value, and quarter hours from
    ``quarter_hours_from`` on.
    ``standby_w`` is the known base load in W (None with the ``standby`` setting off),
    ``extra_wh`` the Wh consumed on top of the profile that day (``extra_kwh_days``).
    """
    spec, truth = view.spec, view.truth
    values = truth.day(day)
    source = "quarter_hour" if spec.quarter_hours_on(day) else "day"
    switch = view.switch_moment if day == view.switch_day else None
    return {
        "date": day.isoformat(),
        "source": source if switch is None else "partial_quarter_hour",
        "quarter_hours_from": None if switch is None else switch.astimezone(UTC).isoformat(),
        "starts": [start.isoformat() for start in values.starts],
        "consumption_wh": list(values.imports) if spec.consumes else None,
        "feed_in_wh": list(values.exports) if spec.feeds_in_on(day) else None,
        "register_wh": truth.register(day, False) if spec.consumes else None,
        "feed_in_register_wh": truth.register(day, True) if spec.feeds_in_on(day) else None,
        "standby_w": truth.standby_w(day) if spec.consumes else None,
        "extra_wh": truth.extra_wh(day) if spec.consumes else None,
    }


def _token_answer(body: dict[str, Any], form: str) -> web.Response:
    """The token response, or one of the broken forms a test asks for."""
    if form == "no_token":
        del body["access_token"]
    elif form == "bad_expires_in":
        body["expires_in"] = "soon"
    elif form == "string_expires_in":
        body["expires_in"] = str(body.get("expires_in", 300))
    elif form == "not_object":
        return web.json_response([body])
    elif form == "not_json":
        return web.Response(text="<html>login</html>", content_type="text/html")
    return web.json_response(body)


def _oauth_error(status: int, error: str, description: str) -> web.Response:
    return web.json_response({"error": error, "error_description": description}, status=status)


@web.middleware
async def _errors(request: web.Request, handler: Any) -> web.StreamResponse:
    try:
        response: web.StreamResponse = await handler(request)
    except GatewayError as err:
        return web.json_response({"Exception": err.text}, status=err.status, headers=err.headers)
    except ConnectionAbortedError:
        # "Network gone": drop the connection without an answer.
        if request.transport is not None:
            request.transport.abort()
        raise web.HTTPServiceUnavailable from None
    return response


def build_app(simulator: Simulator) -> web.Application:
    """The aiohttp application serving ``simulator``."""
    app = web.Application(middlewares=[_errors])
    app["simulator"] = simulator
    sim = simulator
    app.router.add_post(TOKEN_PATH, sim.token)
    app.router.add_get(f"{API_BASE}/zaehlpunkte", sim.meters_list)
    app.router.add_get(f"{API_BASE}/zaehlpunkte/messwerte", sim.readings_bulk)
    app.router.add_get(f"{API_BASE}/zaehlpunkte/{{zaehlpunkt}}", sim.meter_detail)
    app.router.add_get(f"{API_BASE}/zaehlpunkte/{{zaehlpunkt}}/messwerte", sim.readings_single)
    app.router.add_get(f"{ADMIN}/state", sim.admin_state)
    app.router.add_post(f"{ADMIN}/settings", sim.admin_settings)
    app.router.add_post(f"{ADMIN}/clock", sim.admin_clock)
    app.router.add_get(f"{ADMIN}/requests", sim.admin_requests)
    app.router.add_post(f"{ADMIN}/reset", sim.admin_reset)
    app.router.add_get(f"{ADMIN}/truth", sim.admin_truth)
    return app
