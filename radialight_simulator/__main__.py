"""``python -m radialight_simulator --port 8098``: serve the simulated Radialight Cloud.

Options: ``--now`` and ``--frozen`` set the clock, ``--speed`` fast-forwards it up to real time;
``--set name=value`` (repeatable) changes any setting of
:class:`radialight_simulator.settings.Settings` at start, e.g. ``--set account=large`` or
``--set usage_unit=10Wh``. While running, ``POST /_sim/settings`` and ``/_sim/zones`` change
them (see docs/development.md).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from datetime import UTC, datetime, timedelta

from simulator.clock import SimClock
from simulator.command_line import apply_settings

from .app import RadialightSimulator
from .server import start
from .settings import Settings

# The rooms are run from this long before the start, so the first /usage answer is full.
WARM_UP = timedelta(days=1)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(prog="python -m radialight_simulator", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8098)
    parser.add_argument(
        "--now", type=datetime.fromisoformat, help="start time, e.g. 2026-12-02T10:10:00+00:00"
    )
    parser.add_argument("--frozen", action="store_true", help="keep the clock still until told")
    parser.add_argument(
        "--speed",
        type=float,
        default=1.0,
        help="simulated seconds per real second until the clock reaches real time",
    )
    parser.add_argument("--set", action="append", default=[], metavar="NAME=VALUE")
    return parser.parse_args(argv)


async def serve(args: argparse.Namespace) -> None:
    """Run until interrupted."""
    settings = Settings()
    apply_settings(settings, args.set)
    start_at = args.now or datetime.now(UTC)
    clock = SimClock(start_at - WARM_UP, frozen=True)
    simulator = RadialightSimulator(settings, clock)
    clock.set(start_at, frozen=True)
    simulator.now()  # a day of heating behind it
    clock.set(start_at, frozen=args.frozen)
    clock.speed = args.speed
    running = await start(simulator, args.port, args.host)
    print(f"Radialight Cloud simulator on {running.api_url}", flush=True)
    print(f"  token url: {running.token_url}", flush=True)
    print(
        f"  credentials: API key {settings.api_key!r}, refresh token {settings.refresh_token!r}",
        flush=True,
    )
    try:
        await asyncio.Event().wait()
    finally:
        await running.stop()


def main(argv: list[str] | None = None) -> int:
    """Entry point."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    try:
        asyncio.run(serve(parse_args(argv)))
    except KeyboardInterrupt:
        return 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
