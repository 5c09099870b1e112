"""The HTTP side: the token endpoint, the cloud's endpoints, and the control endpoints.

Served paths: ``POST /v1/token`` (Firebase's form), ``GET /zones``, ``POST /zone/{id}``,
``POST /product/{id}``, ``GET /usage``; ``/_sim/…`` to read and change the simulator (state,
settings, clock, zones). Answers follow what the one public integration reads;
what is guessed is switchable in :mod:`.settings`.
"""

from __future__ import annotations

import asyncio
import secrets
from collections import Counter, deque
from datetime import datetime, timedelta
from typing import Any

from aiohttp import web

from simulator.clock import SimClock

from .account import Account
from .settings import USAGE_UNITS, Settings

TOKEN_PATH = "/v1/token"
ADMIN = "/_sim"


class RadialightSimulator:
    """The cloud's state: settings, clock, account, issued tokens, and what was asked."""

    def __init__(self, settings: Settings | None = None, clock: SimClock | None = None) -> None:
        self.settings = settings or Settings()
        self.clock = clock or SimClock()
        self.account = Account(self.settings.account, self.clock.now())
        self.valid_refresh = {self.settings.refresh_token}
        self.id_tokens: dict[str, datetime] = {}
        self.counts: Counter[str] = Counter()
        self.log: deque[dict[str, Any]] = deque(maxlen=2000)

    # -- helpers ---------------------------------------------------------------------------
    def now(self) -> datetime:
        """The clock's now, with the rooms run up to it."""
        now = self.clock.now()
        self.account.advance(now, set(self.settings.offline_products))
        return now

    def _note(self, request: web.Request, kind: str) -> None:
        self.counts[kind] += 1
        self.counts["total"] += 1
        self.log.append({"kind": kind, "query": dict(request.query), "at": self.clock.now()})

    async def _fault(self) -> web.Response | None:
        """The next fault due for an API request, if any."""
        settings = self.settings
        if settings.hang_next > 0:
            settings.hang_next -= 1
            await asyncio.sleep(settings.hang_seconds)
        if settings.unauthorized_next > 0:
            settings.unauthorized_next -= 1
            return _error(401, "UNAUTHENTICATED")
        if settings.rate_limited_next > 0:
            settings.rate_limited_next -= 1
            return web.json_response(
                {"error": "rate limited"}, status=429, headers={"Retry-After": "1"}
            )
        if settings.server_errors_next > 0:
            settings.server_errors_next -= 1
            return _error(503, "UNAVAILABLE")
        return None

    def _authorized(self, request: web.Request) -> bool:
        header = request.headers.get("Authorization", "")
        token = header.removeprefix("Bearer ")
        expires = self.id_tokens.get(token)
        return expires is not None and self.clock.now() < expires

    async def _guard(self, request: web.Request, kind: str) -> web.Response | None:
        self._note(request, kind)
        if not self._authorized(request):
            return _error(401, "UNAUTHENTICATED")
        return await self._fault()

    # -- token -----------------------------------------------------------------------------
    async def token(self, request: web.Request) -> web.Response:
        """Firebase's secure token endpoint: a refresh token for an ID token."""
        self._note(request, "token")
        form = await request.post()
        settings = self.settings
        if request.query.get("key") != settings.api_key:
            return _firebase(400, "API key not valid. Please pass a valid API key.")
        if form.get("grant_type") != "refresh_token":
            return _firebase(400, "INVALID_GRANT_TYPE")
        refresh = str(form.get("refresh_token", ""))
        if not refresh:
            return _firebase(400, "MISSING_REFRESH_TOKEN")
        if settings.revoked:
            return _firebase(400, "TOKEN_EXPIRED")
        if refresh not in self.valid_refresh:
            return _firebase(400, "INVALID_REFRESH_TOKEN")
        if settings.rotate_refresh_token:
            refresh = secrets.token_urlsafe(32)
            self.valid_refresh = {refresh}
        id_token = secrets.token_urlsafe(48)
        lifetime = settings.token_lifetime
        self.id_tokens[id_token] = self.clock.now() + timedelta(seconds=lifetime)
        return web.json_response(
            {
                "access_token": id_token,
                "expires_in": str(lifetime),
                "token_type": "Bearer",
                "refresh_token": refresh,
                "id_token": id_token,
                "user_id": settings.user_id,
                "project_id": "123456789012",
            }
        )

    # -- the cloud -------------------------------------------------------------------------
    async def zones(self, request: web.Request) -> web.Response:
        """GET /zones."""
        if (refused := await self._guard(request, "zones")) is not None:
            return refused
        if self.settings.zones_down:
            return _error(503, "UNAVAILABLE")
        self.now()
        offline = set(self.settings.offline_products)
        unreadable = set(self.settings.unreadable_zones)
        answer = [self._zone(zone, offline) for zone in self.account.zones]
        for entry in answer:
            if entry["id"] in unreadable:
                del entry["id"]
        return web.json_response({"zones": answer})

    def _zone(self, zone: Any, offline: set[str]) -> dict[str, Any]:
        return {
            "id": zone.id,
            "name": zone.name,
            "tComfort": zone.t_comfort,
            "tECO": zone.t_eco,
            "program": {"id": zone.program_id},
            "mode": zone.mode,
            "infoMode": zone.info_mode,
            "window": zone.window,
            "pir": zone.pir,
            "lock": zone.lock,
            "override": None,
            "alert": [],
            "products": [
                {
                    "id": product.id,
                    "name": product.name,
                    "model": product.model,
                    "serial": product.serial,
                    "detectedTemperature": round(zone.temperature * 10),
                    "isOffline": product.id in offline,
                    "isWarming": product.warming and product.id not in offline,
                    "isInOverride": False,
                    "isLedOn": product.led_on,
                }
                for product in zone.products
            ],
        }

    async def set_zone(self, request: web.Request) -> web.Response:
        """POST /zone/{id}: the zone's whole configuration."""
        if (refused := await self._guard(request, "set_zone")) is not None:
            return refused
        zone = self.account.zone(request.match_info["zone"])
        if zone is None:
            return _error(404, "NOT_FOUND")
        try:
            body = await request.json()
            comfort, eco = int(body["tComfort"]), int(body["tECO"])
        except ValueError, KeyError, TypeError:
            return _error(400, "INVALID_ARGUMENT")
        self.now()
        zone.t_comfort, zone.t_eco = comfort, eco
        for name, attribute in (
            ("mode", "mode"),
            ("window", "window"),
            ("pir", "pir"),
            ("lock", "lock"),
        ):
            if isinstance(body.get(name), int):
                setattr(zone, attribute, body[name])
        return web.json_response(self._zone(zone, set(self.settings.offline_products)))

    async def set_product(self, request: web.Request) -> web.Response:
        """POST /product/{id}: ``{"light": bool}``."""
        if (refused := await self._guard(request, "set_product")) is not None:
            return refused
        product = self.account.product(request.match_info["product"])
        if product is None:
            return _error(404, "NOT_FOUND")
        body = await request.json()
        if not isinstance(body, dict) or not isinstance(body.get("light"), bool):
            return _error(400, "INVALID_ARGUMENT")
        product.led_on = body["light"]
        return web.json_response({})

    async def usage(self, request: web.Request) -> web.Response:
        """GET /usage?comparison=0&period=day[&zone=id]: hourly buckets of the last day."""
        if (refused := await self._guard(request, "usage")) is not None:
            return refused
        settings = self.settings
        if settings.usage_down:
            return _error(503, "UNAVAILABLE")
        if settings.malformed_usage_next > 0:
            settings.malformed_usage_next -= 1
            return web.json_response({"values": "unavailable"})
        zone = None
        if "zone" in request.query:
            zone = self.account.zone(request.query["zone"])
            if zone is None:
                return _error(404, "NOT_FOUND")
        now = self.now()
        factor = USAGE_UNITS[settings.usage_unit]
        buckets = self.account.usage(
            zone,
            now,
            hours=settings.usage_hours,
            shows_after=settings.usage_shows_after_minutes,
            grows_for=settings.usage_grows_for_minutes,
        )
        return web.json_response(
            {
                "values": [
                    {"date": hour.strftime("%Y-%m-%dT%H:%M:%SZ"), "usage": _rounded(wh / factor)}
                    for hour, wh in buckets
                ],
                "comparisonValues": [],
            }
        )

    # -- control ---------------------------------------------------------------------------
    async def admin_state(self, request: web.Request) -> web.Response:
        """The settings, the clock, the zones and the request counts."""
        now = self.now()
        return web.json_response(
            {
                "now": now.isoformat(),
                "settings": self.settings.as_dict(),
                "counts": dict(self.counts),
                "zones": [
                    self._zone(zone, set(self.settings.offline_products))
                    for zone in self.account.zones
                ],
            }
        )

    async def admin_settings(self, request: web.Request) -> web.Response:
        """Change settings (JSON object); 400 naming the setting on a bad one."""
        try:
            self.settings.update(await request.json())
        except ValueError as err:
            return web.json_response({"error": str(err)}, status=400)
        return web.json_response(self.settings.as_dict())

    async def admin_clock(self, request: web.Request) -> web.Response:
        """Set the clock: ``{"now": ISO time, "frozen": bool}``.

        A clock set back changes no room: they are run forward only.
        """
        try:
            body = await request.json()
            moment = datetime.fromisoformat(body["now"])
            self.clock.set(moment, frozen=body.get("frozen"))
        except (ValueError, TypeError, KeyError, AttributeError) as err:
            return web.json_response({"error": str(err)}, status=400)
        return web.json_response({"now": self.now().isoformat(), "frozen": self.clock.frozen})

    async def admin_zones(self, request: web.Request) -> web.Response:
        """Add a zone (``{"name", "products": [[model, watts], ...]}``) or remove one.

        Removing: ``{"remove": zone id}``.
        """
        body = await request.json()
        self.now()
        if "remove" in body:
            self.account.remove_zone(str(body["remove"]))
            return web.json_response({"removed": body["remove"]})
        zone = self.account.add_zone(
            str(body.get("name", "Nuova zona")),
            [tuple(p) for p in body.get("products", [["KLIMA", 1000]])],
        )
        return web.json_response({"id": zone.id})


def _rounded(value: float) -> float | int:
    rounded = round(value, 3)
    return int(rounded) if rounded == int(rounded) else rounded


def _error(status: int, code: str) -> web.Response:
    return web.json_response({"error": {"code": status, "status": code}}, status=status)


def _firebase(status: int, message: str) -> web.Response:
    return web.json_response(
        {"error": {"code": status, "message": message, "status": "INVALID_ARGUMENT"}},
        status=status,
    )


def build_app(sim: RadialightSimulator) -> web.Application:
    """The aiohttp application serving ``sim``."""
    app = web.Application()
    app.router.add_post(TOKEN_PATH, sim.token)
    app.router.add_get("/zones", sim.zones)
    app.router.add_post("/zone/{zone}", sim.set_zone)
    app.router.add_post("/product/{product}", sim.set_product)
    app.router.add_get("/usage", sim.usage)
    app.router.add_get(f"{ADMIN}/state", sim.admin_state)
    app.router.add_post(f"{ADMIN}/settings", sim.admin_settings)
    app.router.add_post(f"{ADMIN}/zones", sim.admin_zones)
    app.router.add_post(f"{ADMIN}/clock", sim.admin_clock)
    return app
