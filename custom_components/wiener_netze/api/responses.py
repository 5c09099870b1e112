"""Small helpers to read HTTP responses of the gateway and the token endpoint."""

from __future__ import annotations

import json
from collections.abc import Mapping
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import aiohttp

from .errors import (
    ApiConnectionError,
    ApiTimeoutError,
    MalformedResponseError,
    RateLimitedError,
    ServerError,
)


@dataclass(frozen=True, slots=True)
class Reply:
    """What an HTTP exchange returned: status, body text, the Retry-After hint, headers."""

    status: int
    body: str
    retry_after: float | None
    headers: Mapping[str, str] = field(default_factory=dict)


async def exchange(
    request: AbstractAsyncContextManager[aiohttp.ClientResponse], what: str
) -> Reply:
    """Perform ``request``; a timeout or an unreachable server becomes a typed error."""
    try:
        async with request as response:
            return Reply(
                status=response.status,
                body=await response.text(),
                retry_after=parse_retry_after(response.headers.get("Retry-After")),
                headers=dict(response.headers),
            )
    except TimeoutError:
        raise ApiTimeoutError(f"{what}: no answer in time") from None
    except aiohttp.ClientError as err:
        raise ApiConnectionError(
            f"{what}: cannot reach the server ({type(err).__name__})"
        ) from None


def raise_if_transient(reply: Reply, what: str, text: str) -> None:
    """Raise the retryable error for 429, 408 and 5xx answers; return for anything else."""
    if reply.status == 429:
        raise RateLimitedError(f"{what}: too many requests (429: {text})", reply.retry_after)
    if reply.status == 408 or reply.status >= 500:
        raise ServerError(f"{what}: failed ({reply.status}: {text})", reply.status)


def read_json(body: str, what: str) -> Any:
    """Decode a JSON body; a broken or truncated body is a malformed response."""
    try:
        return json.loads(body)
    except json.JSONDecodeError as err:
        raise MalformedResponseError(
            f"malformed response: the {what} is not valid JSON ({err.msg} at position {err.pos})",
            "body",
        ) from None


def error_text(body: str) -> str:
    """The human part of an error body: gateway ``Exception`` text, OAuth error, or the text."""
    try:
        payload = json.loads(body)
    except ValueError:
        return body.strip() or "no details"
    if isinstance(payload, dict):
        for key in ("Exception", "error_description", "message", "error"):
            value = payload.get(key)
            if isinstance(value, str) and value.strip():
                return value
    return body.strip() or "no details"


def parse_retry_after(value: str | None) -> float | None:
    """Seconds from a Retry-After header (seconds or an HTTP date); None if absent or odd."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except TypeError, ValueError:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())
