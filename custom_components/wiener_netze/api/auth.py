"""Bearer tokens from the log.wien client-credentials grant, cached and shared.

One token request is made however many calls need a token at once; the token is reused until
shortly before it expires, and dropped when the gateway answers 401 with it.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from typing import Any

import aiohttp

from .const import DEFAULT_TOKEN_LIFETIME
from .errors import AuthenticationError, BadRequestError, MalformedResponseError
from .redact import Redactor
from .responses import error_text, exchange, raise_if_transient, read_json
from .shapes import ShapeLog

_LOGGER = logging.getLogger(__name__)

TOKEN_ENDPOINT = "token endpoint"  # noqa: S105 - a label for messages, not a secret
TOKEN_REQUEST = "POST token"  # noqa: S105 - the shape log's name for it
CREDENTIALS_HINT = (
    "use the client id and secret shown in the Smart Meter business portal under "
    "Anlagendaten → Vertragsverbindung hinzufügen/entfernen → API, not those of the "
    "developer portal application"
)


def monotonic() -> float:
    """``time.monotonic``, looked up on each call: a clock a benchmark moves applies here too."""
    return time.monotonic()


def refresh_margin(lifetime: float) -> float:
    """Seconds before expiry at which a token is replaced: 10 %, at most 30 s."""
    return min(30.0, lifetime * 0.1)


class TokenManager:
    """Obtains and caches bearer tokens for one API application."""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        token_url: str,
        client_id: str,
        client_secret: str,
        redactor: Redactor,
        *,
        scope: str | None = None,
        timeout: float,
        clock: Callable[[], float] | None = None,
        shapes: ShapeLog | None = None,
    ) -> None:
        self._session = session
        self._shapes = shapes or ShapeLog()
        self._token_url = token_url
        self._client_id = client_id
        self._client_secret = client_secret
        self._scope = scope
        self._redact = redactor
        self._timeout = aiohttp.ClientTimeout(total=timeout)
        self._clock = clock or monotonic
        self._lock = asyncio.Lock()
        self._token: str | None = None
        self._renew_at = 0.0
        self.requests = 0

    async def async_get_token(self) -> str:
        """A valid token, requested only if none is cached (one request for all waiters)."""
        if self._token is not None and self._clock() < self._renew_at:
            return self._token
        async with self._lock:
            if self._token is not None and self._clock() < self._renew_at:
                return self._token
            token, lifetime = await self._request_token()
            self._token = token
            self._renew_at = self._clock() + lifetime - refresh_margin(lifetime)
            return token

    def invalidate(self, token: str) -> None:
        """Forget ``token`` (the gateway rejected it) unless a newer one replaced it already."""
        if self._token == token:
            self._token = None

    async def _request_token(self) -> tuple[str, float]:
        form = {
            "grant_type": "client_credentials",
            "client_id": self._client_id,
            "client_secret": self._client_secret,
        }
        if self._scope:
            form["scope"] = self._scope
        self.requests += 1
        started = time.monotonic()
        reply = await exchange(
            self._session.post(
                self._token_url,
                data=form,
                headers={"Accept": "application/json"},
                timeout=self._timeout,
            ),
            TOKEN_ENDPOINT,
        )
        _LOGGER.debug("token request -> %s in %.2f s", reply.status, time.monotonic() - started)
        self._shapes.note(TOKEN_REQUEST, reply, redact=self._redact)
        if reply.status == 200:
            try:
                parsed = self._parse_token(read_json(reply.body, "token response"))
            except MalformedResponseError as err:
                self._shapes.verdict(TOKEN_REQUEST, err)
                raise
            self._shapes.verdict(TOKEN_REQUEST, None)
            return parsed
        text = self._redact.quote(error_text(reply.body))
        if reply.status in (400, 401):
            raise self._rejection(reply.status, reply.body, text)
        raise_if_transient(reply, TOKEN_ENDPOINT, text)
        raise AuthenticationError(f"{TOKEN_ENDPOINT}: unexpected answer {reply.status}: {text}")

    def _rejection(self, status: int, body: str, text: str) -> Exception:
        try:
            payload = read_json(body, "token error")
        except MalformedResponseError:
            payload = None
        code = payload.get("error") if isinstance(payload, dict) else None
        if code == "invalid_scope":
            return AuthenticationError(
                f"the token endpoint rejected the scope {self._scope!r}: {text}; "
                "leave the scope empty unless your application was set up with one"
            )
        if status == 401 or code in ("invalid_client", "unauthorized_client", "invalid_grant"):
            return AuthenticationError(f"client id or secret rejected ({text}): {CREDENTIALS_HINT}")
        return BadRequestError(f"the token endpoint rejected the request: {text}")

    def _parse_token(self, payload: Any) -> tuple[str, float]:
        if not isinstance(payload, dict):
            raise MalformedResponseError("malformed token response: not an object", "token")
        token = payload.get("access_token")
        if not isinstance(token, str) or not token:
            raise MalformedResponseError(
                "malformed token response: access_token is missing", "access_token"
            )
        self._redact.add(token)
        lifetime = payload.get("expires_in")
        if lifetime is None:
            return token, DEFAULT_TOKEN_LIFETIME
        if isinstance(lifetime, str) and lifetime.strip().isdigit():
            lifetime = int(lifetime)
        if isinstance(lifetime, bool) or not isinstance(lifetime, (int, float)) or lifetime <= 0:
            raise MalformedResponseError(
                f"malformed token response: expires_in is {lifetime!r}, expected seconds",
                "expires_in",
            )
        return token, float(lifetime)
