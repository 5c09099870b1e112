"""``python -m demo`` (``scripts/develop``): both integrations in a real Home Assistant.

Wiener Netze and Radialight Cloud, each against its simulator, onboarded, configured and with a
filled Energy dashboard (``--only`` shows one). Ctrl-C stops it all.

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
from .processes import (
    REPO,
    Child,
    prepare_config,
    start_hass,
    start_radialight,
    start_simulator,
    wait_for_http,
)
from .radialight import add_radialight, add_zones_to_energy_dashboard, wait_for_usage

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
    parser.add_argument("--radialight-port", type=int, default=8098)
    parser.add_argument(
        "--only",
        choices=["wiener_netze", "radialight_cloud"],
        help="set up only this integration (both are linked in)",
    )
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
    parser.add_argument(
        "--radialight-fault",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="a Radialight simulator setting, e.g. account=large, usage_unit=10Wh, "
        "usage_down=true (repeatable; see docs/development.md)",
    )
    parser.add_argument("--history-timeout", type=float, default=900)
    return parser.parse_args(argv)


def say(message: str) -> None:
    """Progress on the terminal."""
    print(f"develop: {message}", flush=True)


async def set_up_wiener_netze(
    client: HomeAssistantClient, args: argparse.Namespace, simulator_url: str
) -> None:
    """The Wiener Netze entry, its tariff, its history and its grid sources."""
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


async def set_up_radialight(client: HomeAssistantClient, radialight_url: str) -> None:
    """The Radialight entry and its zones' usage as devices of the Energy dashboard."""
    entry = await add_radialight(client, radialight_url)
    say(f"integration added: {entry['title']}")
    ids = await wait_for_usage(client, 120)
    devices = await add_zones_to_energy_dashboard(client, ids)
    say(f"Energy dashboard: {len(devices)} Radialight zones as individual devices")


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
    children: list[Child] = []
    simulator_url = f"http://127.0.0.1:{args.simulator_port}"
    radialight_url = f"http://127.0.0.1:{args.radialight_port}"
    try:
        if args.only != "radialight_cloud":
            simulator = start_simulator(
                args.simulator_port, state / "simulator.log", args.fault, now=now, speed=speed
            )
            children.append(simulator)
            await wait_for_http(f"{simulator_url}/_sim/state", simulator, 30)
            say(f"Wiener Netze simulator on {simulator_url} (log: {simulator.log})")
        if args.only != "wiener_netze":
            radialight = start_radialight(
                args.radialight_port,
                state / "radialight.log",
                args.radialight_fault,
                now=now,
                speed=speed,
            )
            children.append(radialight)
            await wait_for_http(f"{radialight_url}/_sim/state", radialight, 30)
            say(f"Radialight simulator on {radialight_url} (log: {radialight.log})")
        hass = start_hass(config, state / "home-assistant.log")
        children.append(hass)
        url = f"http://127.0.0.1:{args.port}"
        say(f"starting Home Assistant on {url} (log: {hass.log}) ...")
        await wait_for_http(f"{url}/api/onboarding", hass, 300)
        async with aiohttp.ClientSession() as session:
            client = HomeAssistantClient(session, url)
            await client.onboard("Demo", USER, PASSWORD)
            await client.confirm_http_settings()
            await client.remove_entries("met")  # onboarding's weather service needs the internet
            say("onboarded")
            if args.only != "wiener_netze":
                await set_up_radialight(client, radialight_url)
            if args.only != "radialight_cloud":
                await set_up_wiener_netze(client, args, simulator_url)
        print(
            f"\n  Open {url}\n  user: {USER}\n  password: {PASSWORD}\n"
            f"  Energy dashboard: {url}/energy   Integrations: {url}/config/integrations\n\n"
            "  Ctrl-C stops Home Assistant and the simulators.\n",
            flush=True,
        )
        while all(child.alive() for child in children):
            await asyncio.sleep(1)
        say("a process ended; stopping")
    finally:
        for child in reversed(children):
            child.stop()


def main(argv: list[str] | None = None) -> int:
    """Entry point."""
    try:
        asyncio.run(run(parse_args(argv)))
    except KeyboardInterrupt, asyncio.CancelledError:
        say("stopped")
    return 0


if __name__ == "__main__":
    sys.exit(main())
