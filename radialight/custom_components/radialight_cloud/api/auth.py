"""ID tokens from a refresh token (Firebase's secure token endpoint), single-flight.

The ID token is reused until :data:`.const.REFRESH_MARGIN` seconds before it expires; one
refresh serves every request waiting for it. The endpoint may hand back a new refresh token
(it rotates): ``on_rotated`` gets it at once, so the caller can keep it across restarts.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

import aiohttp

from .const import AUTH_ERRORS, REFRESH_MARGIN, REQUEST_TIMEOUT
from .errors import (
    ApiConnectionError,
    ApiTimeoutError,
    AuthenticationError,
    MalformedResponseError,
    RateLimitedError,
    ServerError,
    seconds,
)


def _monotonic() -> float:
    """time.monotonic, looked up at each call: a test's frozen clock applies to it too."""
    return time.monotonic()


class TokenManager:
    """Holds the refresh token and the current ID token of one account."""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        api_key: str,
        refresh_token: str,
        *,
        token_url: str,
        on_rotated: Callable[[str], None] | None = None,
        clock: Callable[[], float] | None = None,
        timeout: float = REQUEST_TIMEOUT,
    ) -> None:
        self._session = session
        self._api_key = api_key
        self._refresh_token = refresh_token
        self._token_url = token_url
        self._on_rotated = on_rotated
        self._clock = clock or _monotonic
        self._timeout = timeout
        self._lock = asyncio.Lock()
        self._id_token: str | None = None
        self._expires_at = 0.0
        # The account's Firebase user id, known after the first refresh.
        self.user_id: str | None = None
        self.refreshes = 0

    @property
    def refresh_token(self) -> str:
        """The newest refresh token."""
        return self._refresh_token

    def _valid(self) -> bool:
        return self._id_token is not None and self._clock() < self._expires_at - REFRESH_MARGIN

    async def async_id_token(self) -> str:
        """A valid ID token: the current one, or a fresh one (one refresh for all waiting)."""
        if self._valid():
            assert self._id_token is not None  # noqa: S101 - _valid() says so
            return self._id_token
        async with self._lock:
            if not self._valid():
                await self._refresh()
            assert self._id_token is not None  # noqa: S101 - _refresh() sets it or raises
            return self._id_token

    def invalidate(self, stale: str) -> None:
        """The cloud refused ``stale`` (401): the next call refreshes, unless one already did."""
        if self._id_token == stale:
            self._id_token = None

    async def _refresh(self) -> None:
        try:
            async with self._session.post(
                self._token_url,
                params={"key": self._api_key},
                data={"grant_type": "refresh_token", "refresh_token": self._refresh_token},
                timeout=aiohttp.ClientTimeout(total=self._timeout),
            ) as response:
                status = response.status
                try:
                    payload: Any = await response.json(content_type=None)
                except ValueError:
                    payload = None
                retry_after = response.headers.get("Retry-After")
        except TimeoutError as err:
            raise ApiTimeoutError("the token endpoint did not answer in time") from err
        except aiohttp.ClientError as err:
            raise ApiConnectionError(
                f"the token endpoint cannot be reached ({type(err).__name__})"
            ) from err
        self.refreshes += 1
        if status == 200:
            self._accept(payload)
            return
        if status == 429:
            raise RateLimitedError("the token endpoint asks to slow down", seconds(retry_after))
        if status >= 500:
            raise ServerError(f"the token endpoint failed ({status})", status)
        # Any other refusal (400 TOKEN_EXPIRED, INVALID_REFRESH_TOKEN, an invalid API key ...)
        # means the credentials no longer work.
        reason = _error_message(payload)
        known = f"{reason}, " if reason in AUTH_ERRORS else ""
        raise AuthenticationError(
            f"the refresh token or the API key was rejected ({known}HTTP {status})"
        )

    def _accept(self, payload: Any) -> None:
        if not isinstance(payload, dict) or not isinstance(payload.get("id_token"), str):
            raise MalformedResponseError("the token endpoint answered without an id_token")
        try:
            lifetime = float(payload.get("expires_in", 3600))
        except TypeError, ValueError:
            lifetime = 3600.0
        self._id_token = payload["id_token"]
        self._expires_at = self._clock() + lifetime
        if isinstance(user_id := payload.get("user_id"), str) and user_id:
            self.user_id = user_id
        rotated = payload.get("refresh_token")
        if isinstance(rotated, str) and rotated and rotated != self._refresh_token:
            self._refresh_token = rotated
            if self._on_rotated is not None:
                self._on_rotated(rotated)


def _error_message(payload: Any) -> str:
    """Firebase's ``error.message`` code (``"TOKEN_EXPIRED"``), without any detail after it."""
    if isinstance(payload, dict) and isinstance(error := payload.get("error"), dict):
        message = error.get("message")
        if isinstance(message, str):
            return message.split(":")[0].strip()
    return ""
