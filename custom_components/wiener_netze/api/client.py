"""Async client for the official WN Smart Meter API (WSTW gateway + log.wien token endpoint).

The caller owns the aiohttp session. Every call carries the bearer token and the API key; long
date ranges are split into chunks, several meters are read in one bulk request, and failed calls
are retried where that can help.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any
from urllib.parse import quote

import aiohttp

from .auth import TokenManager, monotonic
from .const import (
    API_KEY_HEADER,
    DEFAULT_API_URL,
    DEFAULT_CHUNK_DAYS,
    DEFAULT_RATE_BURST,
    DEFAULT_RATE_PER_MINUTE,
    DEFAULT_REQUEST_TIMEOUT,
    DEFAULT_TOKEN_URL,
)
from .errors import (
    AuthenticationError,
    BadRequestError,
    ForbiddenError,
    MalformedResponseError,
    NotFoundError,
    WienerNetzeError,
)
from .merge import merge_readings
from .models import Meter, MeterReadings, ResultType, ValueType
from .parsing import parse_bulk_readings, parse_meter, parse_meter_readings, parse_meters
from .ratelimit import RateLimiter
from .redact import Redactor
from .responses import Reply, error_text, exchange, raise_if_transient, read_json
from .retry import RETRYABLE, RetryPolicy
from .shapes import ShapeLog
from .vienna_time import ONE_DAY, local_midnight

_LOGGER = logging.getLogger(__name__)

FORBIDDEN_HINT = (
    "check the API key, and that the application has been linked to your Smart Meter "
    "portal account (the linking e-mail to support.sm-portal@wienit.at; it takes one to two weeks)"
)


@dataclass(slots=True)
class RequestStats:
    """Gateway requests sent, by kind, and seconds waited for the rate limit (for benchmarks)."""

    gateway: int = 0
    # By kind of request (``GET /zaehlpunkte/{zaehlpunkt}``, never a meter number).
    by_kind: dict[str, int] = field(default_factory=dict)
    rate_limited_s: float = 0.0


def day_chunks(start: date, end: date, days: int) -> list[tuple[date, date]]:
    """Split the inclusive range ``start``..``end`` into inclusive chunks of at most ``days``."""
    if days < 1:
        raise ValueError("chunk size must be at least one day")
    chunks = []
    while start <= end:
        last = min(end, start + (days - 1) * ONE_DAY)
        chunks.append((start, last))
        start = last + ONE_DAY
    return chunks


class WienerNetzeClient:
    """The four endpoints of the WN Smart Meter API, typed."""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        client_id: str,
        client_secret: str,
        api_key: str,
        *,
        api_url: str = DEFAULT_API_URL,
        token_url: str = DEFAULT_TOKEN_URL,
        scope: str | None = None,
        chunk_days: int = DEFAULT_CHUNK_DAYS,
        request_timeout: float = DEFAULT_REQUEST_TIMEOUT,
        retry: RetryPolicy | None = None,
        rate_limiter: RateLimiter | None = None,
        clock: Callable[[], float] | None = None,
    ) -> None:
        if chunk_days < 1:
            raise ValueError("chunk_days must be at least 1")
        self._session = session
        self._api_key = api_key
        self._api_url = api_url.rstrip("/")
        self._chunk_days = chunk_days
        self._timeout = aiohttp.ClientTimeout(total=request_timeout)
        # How failed calls are retried; the caller may change it between calls.
        self.retry = retry or RetryPolicy()
        self._limiter = rate_limiter or RateLimiter(DEFAULT_RATE_PER_MINUTE, DEFAULT_RATE_BURST)
        self._clock = clock or monotonic
        self.redact = Redactor(client_secret, api_key)
        # The shape of the last answer to each kind of request (see :mod:`.shapes`).
        self.shapes = ShapeLog()
        self._tokens = TokenManager(
            session,
            token_url,
            client_id,
            client_secret,
            self.redact,
            scope=scope,
            timeout=request_timeout,
            clock=clock,
            shapes=self.shapes,
        )
        self.stats = RequestStats()

    @property
    def token_requests(self) -> int:
        """Token requests sent so far."""
        return self._tokens.requests

    async def async_authenticate(self) -> None:
        """Obtain a token now: checks the client id and secret (not the API key)."""
        await self._with_retries(self._tokens.async_get_token)

    async def async_get_meters(
        self, result_type: ResultType | None = ResultType.ALL, meters: Sequence[str] = ()
    ) -> list[Meter]:
        """Master data of the account's meters (``ALL`` includes Ferraris meters)."""
        params: list[tuple[str, str]] = [("zaehlpunkt", meter) for meter in meters]
        if result_type is not None:
            params.append(("resultType", result_type.value))
        kind = "GET /zaehlpunkte"
        payload = await self._get("/zaehlpunkte", params, kind)
        return self._accepted(kind, parse_meters, payload)

    async def async_get_meter(self, number: str) -> Meter:
        """Master data of one meter."""
        kind = "GET /zaehlpunkte/{zaehlpunkt}"
        payload = await self._get(f"/zaehlpunkte/{quote(number, safe='')}", [], kind)
        return self._accepted(kind, parse_meter, payload)

    async def async_get_readings(
        self,
        start: date,
        end: date,
        value_type: ValueType,
        meters: Sequence[str] | None = None,
    ) -> dict[str, MeterReadings]:
        """Readings of several meters for the local days ``start``..``end`` (inclusive).

        One bulk request per chunk, all meters in it (all of the account's when ``meters`` is
        None). Each chunk asks for one day more than needed, since whether ``datumBis`` is
        inclusive is not documented, and keeps what starts within the chunk's days.
        """
        selection = [("zaehlpunkt", meter) for meter in meters or ()]
        kind = f"GET /zaehlpunkte/messwerte {value_type.value}"
        parts: list[MeterReadings] = []
        for first, last in day_chunks(start, end, self._chunk_days):
            params = [*selection, *self._range_params(first, last, value_type)]
            payload = await self._get("/zaehlpunkte/messwerte", params, kind, readings=True)
            parsed = self._accepted(kind, parse_bulk_readings, payload, _dropped)
            parts.extend(_within(parsed, first, last))
        return merge_readings(parts)

    async def async_get_meter_readings(
        self, number: str, start: date, end: date, value_type: ValueType
    ) -> MeterReadings:
        """Readings of one meter for the local days ``start``..``end`` (inclusive)."""
        path = f"/zaehlpunkte/{quote(number, safe='')}/messwerte"
        kind = f"GET /zaehlpunkte/{{zaehlpunkt}}/messwerte {value_type.value}"
        parts: list[MeterReadings] = []
        for first, last in day_chunks(start, end, self._chunk_days):
            params = self._range_params(first, last, value_type)
            payload = await self._get(path, params, kind, readings=True)
            parsed = self._accepted(kind, _one_meter, payload, _dropped)
            parts.extend(_within(parsed, first, last))
        merged = merge_readings(parts)
        return merged.get(number) or MeterReadings(meter=number, series=())

    @staticmethod
    def _range_params(first: date, last: date, value_type: ValueType) -> list[tuple[str, str]]:
        # datumBis is the day after the last day wanted, so datumVon never equals datumBis.
        return [
            ("datumVon", first.isoformat()),
            ("datumBis", (last + ONE_DAY).isoformat()),
            ("wertetyp", value_type.value),
        ]

    async def _get(
        self, path: str, params: list[tuple[str, str]], kind: str, *, readings: bool = False
    ) -> Any:
        return await self._with_retries(
            lambda: self._get_once(path, params, kind), readings=readings
        )

    def _accepted[T](
        self,
        kind: str,
        parse: Callable[[Any], T],
        payload: Any,
        dropped: Callable[[T], int] | None = None,
    ) -> T:
        """Parse an answer, noting in the shape log whether the client took it."""
        try:
            result = parse(payload)
        except MalformedResponseError as err:
            self.shapes.verdict(kind, err)
            raise
        self.shapes.verdict(kind, None, dropped(result) if dropped else 0)
        return result

    async def _with_retries[T](
        self, call: Callable[[], Awaitable[T]], *, readings: bool = False
    ) -> T:
        policy = self.retry
        deadline = self._clock() + policy.max_total_seconds
        attempt = 0
        while True:
            attempt += 1
            try:
                return await call()
            except RETRYABLE as err:
                delay = policy.delay(attempt, err)
                if (
                    not policy.retries(err, readings=readings)
                    or attempt >= policy.max_attempts
                    or self._clock() + delay > deadline
                ):
                    raise
                _LOGGER.debug("attempt %s failed (%s); retrying in %.1f s", attempt, err, delay)
                await asyncio.sleep(delay)

    async def _get_once(self, path: str, params: list[tuple[str, str]], kind: str) -> Any:
        token = await self._tokens.async_get_token()
        reply = await self._send(path, params, token, kind)
        if reply.status == 401:
            # Tokens can be revoked or expire early: one fresh token, then give up.
            self._tokens.invalidate(token)
            token = await self._tokens.async_get_token()
            reply = await self._send(path, params, token, kind)
            if reply.status == 401:
                raise AuthenticationError(
                    "the gateway rejected a freshly issued token (401: "
                    f"{self.redact.quote(error_text(reply.body))}); {FORBIDDEN_HINT}"
                )
        return self._interpret(f"GET {path}", reply, kind)

    async def _send(self, path: str, params: list[tuple[str, str]], token: str, kind: str) -> Reply:
        self.stats.rate_limited_s += await self._limiter.acquire()
        self.stats.gateway += 1
        self.stats.by_kind[kind] = self.stats.by_kind.get(kind, 0) + 1
        started = time.monotonic()
        reply = await exchange(
            self._session.get(
                f"{self._api_url}{path}",
                params=params,
                headers={
                    "Authorization": f"Bearer {token}",
                    API_KEY_HEADER: self._api_key,
                    "Accept": "application/json",
                },
                timeout=self._timeout,
            ),
            f"GET {path}",
        )
        _LOGGER.debug(
            "GET %s %s -> %s in %.2f s",
            path,
            _describe(params),
            reply.status,
            time.monotonic() - started,
        )
        return reply

    def _interpret(self, what: str, reply: Reply, kind: str) -> Any:
        if reply.status == 200:
            try:
                payload = read_json(reply.body, f"answer to {what}")
            except MalformedResponseError as err:
                self.shapes.note(kind, reply)
                self.shapes.verdict(kind, err)
                raise
            self.shapes.note(kind, reply, decoded=payload)
            return payload
        self.shapes.note(kind, reply, redact=self.redact)
        text = self.redact.quote(error_text(reply.body))
        if reply.status == 400:
            raise BadRequestError(f"{what}: the API rejected the request: {text}")
        if reply.status == 403:
            raise ForbiddenError(f"{what}: access denied (403: {text}); {FORBIDDEN_HINT}")
        if reply.status == 404:
            raise NotFoundError(f"{what}: not found (404: {text})")
        raise_if_transient(reply, what, text)
        raise WienerNetzeError(f"{what}: unexpected answer {reply.status}: {text}")


def _one_meter(payload: Any) -> list[MeterReadings]:
    return [parse_meter_readings(payload)]


def _dropped(parsed: list[MeterReadings]) -> int:
    return sum(len(part.dropped) for part in parsed)


def _describe(params: Iterable[tuple[str, str]]) -> str:
    values = dict(params)
    meters = sum(1 for key, _ in params if key == "zaehlpunkt")
    if "wertetyp" not in values:
        return f"({meters} meters)" if meters else ""
    return f"({values['wertetyp']} {values['datumVon']}..{values['datumBis']}, {meters} meters)"


def _within(parts: list[MeterReadings], first: date, last: date) -> list[MeterReadings]:
    """Keep the readings that start on the local days ``first``..``last``."""
    lower = local_midnight(first)
    upper = local_midnight(last + ONE_DAY)
    return [
        MeterReadings(
            meter=part.meter,
            series=tuple(
                replace(
                    series, readings=tuple(r for r in series.readings if lower <= r.start < upper)
                )
                for series in part.series
            ),
            dropped=tuple(
                value
                for value in part.dropped
                if value.start is None or lower <= value.start < upper
            ),
        )
        for part in parts
    ]
