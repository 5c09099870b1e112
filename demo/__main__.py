"""``python -m demo`` (``scripts/develop``): the integration in a real Home Assistant.

Against the simulator, onboarded, configured and with a filled Energy dashboard. Ctrl-C stops
it all.

State lives in ``.demo/`` in the repository (Home Assistant's configuration folder and the
logs), so a second run reuses the instance, its user and its statistics.
"""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import aiohttp

from .client import HomeAssistantClient
from .integration import (
    add_integration,
    fill_energy_dashboard,
    history_progress,
    progress_line,
    set_tariff,
    wait_for_history,
)
from .processes import REPO, prepare_config, start_hass, start_simulator, wait_for_http

USER, PASSWORD = "demo", "wiener-netze-demo"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(prog="scripts/develop", description=__doc__)
    parser.add_argument(
        "--port",
        type=int,
        default=8123,
        help="Home Assistant's port (taken on the first run; Home Assistant keeps it after that)",
    )
    parser.add_argument("--simulator-port", type=int, default=8099)
    parser.add_argument("--state", type=Path, default=REPO / ".demo", help="state folder")
    parser.add_argument(
        "--fast-forward",
        type=float,
        default=0,
        metavar="DAYS",
        help="start the simulator's clock DAYS in the past and let it catch up with real time "
        "(at --speed), so new days, corrections and faults happen while you watch",
    )
    parser.add_argument("--speed", type=float, default=720.0, help="simulated seconds per second")
    parser.add_argument(
        "--fault",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="a simulator setting, e.g. server_errors_next=5, scaled_days=2026-11-10, "
        "unlinked=true (repeatable; see docs/development.md)",
    )
    parser.add_argument("--history-timeout", type=float, default=900)
    return parser.parse_args(argv)


def say(message: str) -> None:
    """Progress on the terminal."""
    print(f"develop: {message}", flush=True)


async def run(args: argparse.Namespace) -> None:
    """Start everything, set it up, and keep it running until interrupted."""
    task = asyncio.current_task()
    if task is not None:  # stop as on Ctrl-C when terminated
        asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, task.cancel)
    state: Path = args.state
    config = state / "config"
    prepare_config(config, args.port)
    now = None
    if args.fast_forward:
        now = (datetime.now(UTC) - timedelta(days=args.fast_forward)).isoformat()
    speed = args.speed if args.fast_forward else 1.0
    simulator = start_simulator(
        args.simulator_port, state / "simulator.log", args.fault, now=now, speed=speed
    )
    hass = None
    try:
        simulator_url = f"http://127.0.0.1:{args.simulator_port}"
        await wait_for_http(f"{simulator_url}/_sim/state", simulator, 30)
        say(f"simulator on {simulator_url} (log: {simulator.log})")
        hass = start_hass(config, state / "home-assistant.log")
        url = f"http://127.0.0.1:{args.port}"
        say(f"starting Home Assistant on {url} (log: {hass.log}) ...")
        await wait_for_http(f"{url}/api/onboarding", hass, 300)
        async with aiohttp.ClientSession() as session:
            client = HomeAssistantClient(session, url)
            await client.onboard("Demo", USER, PASSWORD)
            await client.confirm_http_settings()
            await client.remove_entries("met")  # onboarding's weather service needs the internet
            say("onboarded")
            entry = await add_integration(client, simulator_url)
            say(f"integration added: {entry['title']}")
            await set_tariff(client, entry["entry_id"], fast=bool(args.fast_forward))
            say("waiting for the history import (the History import sensors) ...")
            await wait_for_history(
                client, args.history_timeout, lambda line: say(f"history import: {line}")
            )
            await client.post(
                "/api/services/wiener_netze/recalculate_costs",
                {
                    "config_entry_id": entry["entry_id"],
                    "start": (datetime.now(UTC) - timedelta(days=3 * 366)).date().isoformat(),
                    "end": (datetime.now(UTC) - timedelta(days=2)).date().isoformat(),
                },
            )
            sources = await fill_energy_dashboard(client)
            say(f"Energy dashboard: {len(sources)} grid sources with cost and compensation")
            say(f"history import: {progress_line(await history_progress(client))}")
        print(
            f"\n  Open {url}\n  user: {USER}\n  password: {PASSWORD}\n"
            f"  Energy dashboard: {url}/energy   Devices: {url}/config/integrations/integration/"
            "wiener_netze\n\n  Ctrl-C stops Home Assistant and the simulator.\n",
            flush=True,
        )
        while hass.alive() and simulator.alive():
            await asyncio.sleep(1)
        say("a process ended; stopping")
    finally:
        if hass is not None:
            hass.stop()
        simulator.stop()


def main(argv: list[str] | None = None) -> int:
    """Entry point."""
    try:
        asyncio.run(run(parse_args(argv)))
    except KeyboardInterrupt, asyncio.CancelledError:
        say("stopped")
    return 0


if __name__ == "__main__":
    sys.exit(main())
