"""``python -m simulator --port 8099``: serve the simulated WN Smart Meter API.

Options: ``--now`` and ``--frozen`` set the clock, ``--speed`` fast-forwards it up to real time;
``--set name=value`` (repeatable) changes any setting of :class:`simulator.settings.Settings`
at start, e.g. ``--set unlinked=true`` or ``--set scaled_days=2026-03-10``. While running,
``POST /_sim/settings`` and ``/_sim/clock`` change them (see docs/development.md).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from datetime import datetime

from .app import Simulator
from .clock import SimClock
from .command_line import apply_settings
from .server import start
from .settings import Settings


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(prog="python -m simulator", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8099)
    parser.add_argument("--seed", default="wien", help="data seed (same seed, same data)")
    parser.add_argument(
        "--now", type=datetime.fromisoformat, help="start time, e.g. 2026-03-15T12:00:00+01:00"
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
    simulator = Simulator(
        seed=args.seed,
        clock=SimClock(args.now, frozen=args.frozen, speed=args.speed),
        settings=settings,
    )
    running = await start(simulator, args.host, args.port)
    print(f"WN Smart Meter API simulator on {running.url}", flush=True)
    print(f"  api url:   {running.api_url}", flush=True)
    print(f"  token url: {running.token_url}", flush=True)
    print(
        f"  credentials: client id {settings.client_id!r}, secret {settings.client_secret!r}, "
        f"API key {settings.api_key!r}",
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
