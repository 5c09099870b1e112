"""The command line: ``zones``, ``usage`` and ``probe``.

The API key and the refresh token come from the environment (``RADIALIGHT_API_KEY``,
``RADIALIGHT_REFRESH_TOKEN``), never from arguments (they would stay in the shell's history).
``probe`` prints only the shapes of the answers (:mod:`.shapes`): safe to attach to an issue.
When the refresh token rotates, the new one is written to ``--save-token`` (else a note says
that the old one may no longer work).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import aiohttp

from .auth import TokenManager
from .client import RadialightClient
from .const import API_URL, TOKEN_URL
from .errors import RadialightError
from .models import tenths
from .shapes import report


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m custom_components.radialight_cloud.api")
    parser.add_argument("command", choices=("zones", "usage", "probe"))
    parser.add_argument("--zone", help="usage: one zone's id instead of the account's total")
    parser.add_argument("--api-url", default=os.environ.get("RADIALIGHT_API_URL", API_URL))
    parser.add_argument("--token-url", default=os.environ.get("RADIALIGHT_TOKEN_URL", TOKEN_URL))
    parser.add_argument("--save-token", type=Path, help="where a rotated refresh token goes")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; 0 on success, 1 on an error (named, without secrets), 2 on usage."""
    args = _parser().parse_args(argv)
    api_key = os.environ.get("RADIALIGHT_API_KEY", "")
    refresh_token = os.environ.get("RADIALIGHT_REFRESH_TOKEN", "")
    if not api_key or not refresh_token:
        print("set RADIALIGHT_API_KEY and RADIALIGHT_REFRESH_TOKEN", file=sys.stderr)
        return 2
    try:
        output = asyncio.run(_run(args, api_key, refresh_token))
    except RadialightError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    print(json.dumps(output, indent=2, ensure_ascii=False))
    return 0


async def _run(args: argparse.Namespace, api_key: str, refresh_token: str) -> Any:
    def rotated(token: str) -> None:
        if args.save_token is not None:
            args.save_token.write_text(token + "\n", encoding="utf-8")
            print(
                f"the refresh token rotated; the new one is in {args.save_token}", file=sys.stderr
            )
        else:
            print("the refresh token rotated; the old one may no longer work", file=sys.stderr)

    async with aiohttp.ClientSession() as session:
        tokens = TokenManager(
            session, api_key, refresh_token, token_url=args.token_url, on_rotated=rotated
        )
        client = RadialightClient(session, tokens, api_url=args.api_url)
        if args.command == "zones":
            zones = await client.async_get_zones()
            return [
                {
                    "id": zone.id,
                    "name": zone.name,
                    "comfort": tenths(zone.t_comfort),
                    "eco": tenths(zone.t_eco),
                    "temperature": zone.current_temperature,
                    "products": [
                        {"id": p.id, "model": p.model, "temperature": p.temperature}
                        for p in zone.products
                    ],
                }
                for zone in zones.zones
            ]
        if args.command == "usage":
            usage = await client.async_get_usage(args.zone)
            return [{"start": p.start.isoformat(), "usage": p.usage} for p in usage.points]
        zones = await client.async_get_zones()
        await client.async_get_usage()
        if zones.zones:
            await client.async_get_usage(zones.zones[0].id)
        return report(client.answers)
