"""The Radialight Cloud client: zones, setpoints, the LED, usage.

Every call sends the current ID token (:mod:`.auth`); a 401 refreshes it once and tries again.
429, 5xx, timeouts and lost connections are tried again after a growing pause, a bounded number
of times; every request has a timeout. No ``homeassistant`` import: this package runs alone
(the command line, the probe).
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import aiohttp

from .auth import TokenManager
from .const import REQUEST_TIMEOUT
from .errors import (
    ApiConnectionError,
    ApiTimeoutError,
    IdTokenRefusedError,
    MalformedResponseError,
    RadialightError,
    RateLimitedError,
    ServerError,
    seconds,
)
from .models import Usage, Zone, Zones, parse_usage, parse_zones

_LOGGER = logging.getLogger(__name__)

RETRYABLE = (RateLimitedError, ServerError, ApiTimeoutError, ApiConnectionError)


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How often and after how long a failing request is tried again."""

    max_attempts: int = 3
    base_delay: float = 1.0
    max_delay: float = 30.0

    def delay(self, attempt: int, error: RadialightError) -> float:
        """Seconds to wait after failed attempt ``attempt`` (1-based), with jitter."""
        backoff = min(self.max_delay, self.base_delay * 2.0 ** (attempt - 1))
        delay = backoff / 2 + random.uniform(0, backoff / 2)  # noqa: S311 - not for security
        if isinstance(error, RateLimitedError) and error.retry_after is not None:
            delay = max(delay, min(error.retry_after, self.max_delay))
        return delay


class RadialightClient:
    """One account's calls; the token manager holds its credentials."""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        tokens: TokenManager,
        *,
        api_url: str,
        retry: RetryPolicy | None = None,
        timeout: float = REQUEST_TIMEOUT,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self._session = session
        self.tokens = tokens
        self._api_url = api_url.rstrip("/")
        self.retry = retry or RetryPolicy()
        self._timeout = timeout
        self._sleep = sleep
        # The last answer of each kind of request, for the shape report (probe, diagnostics).
        self.answers: dict[str, Any] = {}

    async def async_get_zones(self) -> Zones:
        """Every zone of the account with its products."""
        payload = await self._request("GET", "/zones", kind="GET /zones")
        return parse_zones(payload)

    async def async_get_usage(self, zone_id: str | None = None) -> Usage:
        """The hourly usage buckets of the account, or of one zone."""
        params = {"comparison": "0", "period": "day"}
        kind = "GET /usage"
        if zone_id is not None:
            params["zone"] = zone_id
            kind = "GET /usage?zone"
        payload = await self._request("GET", "/usage", params=params, kind=kind)
        return parse_usage(payload)

    async def async_set_zone(self, zone: Zone, **changes: int) -> dict[str, Any]:
        """Send the zone's whole configuration as last read, with ``changes``; returns it."""
        body = zone.changed(**changes)
        await self._request(
            "POST", f"/zone/{quote(zone.id, safe='')}", body=body, kind="POST /zone"
        )
        return body

    async def async_set_light(self, product_id: str, on: bool) -> None:
        """Switch a product's LED."""
        await self._request(
            "POST",
            f"/product/{quote(product_id, safe='')}",
            body={"light": on},
            kind="POST /product",
        )

    async def _request(
        self,
        method: str,
        path: str,
        *,
        kind: str,
        params: Mapping[str, str] | None = None,
        body: Any = None,
    ) -> Any:
        attempt = 0
        refreshed = False
        while True:
            attempt += 1
            token = await self.tokens.async_id_token()
            try:
                return await self._once(method, path, token, kind=kind, params=params, body=body)
            except IdTokenRefusedError:
                if refreshed:
                    raise
                refreshed = True  # one refresh and one more try, not counted as an attempt
                self.tokens.invalidate(token)
                attempt -= 1
            except RETRYABLE as err:
                if attempt >= self.retry.max_attempts:
                    raise
                delay = self.retry.delay(attempt, err)
                _LOGGER.debug("%s failed (%s); trying again in %.1f s", kind, err, delay)
                await self._sleep(delay)

    async def _once(
        self,
        method: str,
        path: str,
        token: str,
        *,
        kind: str,
        params: Mapping[str, str] | None,
        body: Any,
    ) -> Any:
        try:
            async with self._session.request(
                method,
                f"{self._api_url}{path}",
                params=params,
                json=body,
                headers={"Authorization": f"Bearer {token}", "Accept": "application/json"},
                timeout=aiohttp.ClientTimeout(total=self._timeout),
            ) as response:
                status = response.status
                text = await response.text()
                retry_after = response.headers.get("Retry-After")
        except TimeoutError as err:
            raise ApiTimeoutError(f"{kind}: no answer in time") from err
        except aiohttp.ClientError as err:
            raise ApiConnectionError(f"{kind}: the cloud cannot be reached") from err
        if status == 401:
            raise IdTokenRefusedError(f"{kind}: the ID token was refused")
        if status == 429:
            raise RateLimitedError(f"{kind}: too many requests", seconds(retry_after))
        if status >= 500:
            raise ServerError(f"{kind}: the cloud failed ({status})", status)
        if status >= 400:
            raise RadialightError(f"{kind}: refused ({status})")
        if not text.strip():
            self.answers[kind] = None
            return None
        try:
            payload = json.loads(text)
        except ValueError as err:
            raise MalformedResponseError(f"{kind}: the answer is not JSON") from err
        self.answers[kind] = payload
        return payload
