"""Starting and stopping the simulators and a real Home Assistant as child processes.

All listen on loopback only. Home Assistant gets a configuration folder with both integrations
linked in from this repository, Vienna's time zone and the euro, so what it shows is what a user
in Vienna would see.
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import aiohttp

REPO = Path(__file__).resolve().parents[1]

CONFIGURATION = """\
# Written by the demo (scripts/develop) on every start.
homeassistant:
  name: Wiener Netze demo
  time_zone: Europe/Vienna
  currency: EUR
  country: AT
  language: en
  unit_system: metric
  latitude: 48.1747
  longitude: 16.3767
  elevation: 170
{http}frontend:
energy:
history:
logger:
  default: warning
  logs:
    custom_components.wiener_netze: info
    custom_components.radialight_cloud: info
"""
# The integrations linked into the configuration folder: domain → its folder here.
INTEGRATIONS = {
    "wiener_netze": REPO / "custom_components" / "wiener_netze",
    "radialight_cloud": REPO / "radialight" / "custom_components" / "radialight_cloud",
}


def free_port() -> int:
    """A TCP port on loopback that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Child:
    """A child process and the file its output goes to."""

    name: str
    process: subprocess.Popen[bytes]
    log: Path
    _output: IO[bytes]

    def alive(self) -> bool:
        """Whether it is still running."""
        return self.process.poll() is None

    def stop(self, timeout: float = 60) -> int:
        """Ask it to stop (SIGTERM), wait, then kill; returns the exit code."""
        if self.alive():
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._output.close()
        return int(self.process.returncode)

    def tail(self, lines: int = 40) -> str:
        """The end of its output, for error messages."""
        text = self.log.read_text(encoding="utf-8", errors="replace").splitlines()
        return "\n".join(text[-lines:])


def spawn(
    name: str, command: list[str], log: Path, extra_env: dict[str, str] | None = None
) -> Child:
    """Start ``command`` from the repository root with its output in ``log``."""
    log.parent.mkdir(parents=True, exist_ok=True)
    output = log.open("ab")
    env = {**os.environ, "PYTHONUNBUFFERED": "1", **(extra_env or {})}
    process = subprocess.Popen(command, cwd=REPO, stdout=output, stderr=subprocess.STDOUT, env=env)
    return Child(name, process, log, output)


def simulator_command(
    module: str, port: int, settings: list[str] | None, now: str | None, speed: float
) -> list[str]:
    """``python -m module`` on loopback ``port``; ``settings`` as ``NAME=VALUE``."""
    command = [sys.executable, "-m", module, "--host", "127.0.0.1", "--port", str(port)]
    for item in settings or []:
        command += ["--set", item]
    if now:
        command += ["--now", now]
    if speed != 1.0:
        command += ["--speed", str(speed)]
    return command


def start_simulator(
    port: int,
    log: Path,
    settings: list[str] | None = None,
    *,
    now: str | None = None,
    speed: float = 1.0,
) -> Child:
    """The Wiener Netze simulator on ``port``; ``settings`` as ``NAME=VALUE``."""
    return spawn("simulator", simulator_command("simulator", port, settings, now, speed), log)


def start_radialight(
    port: int,
    log: Path,
    settings: list[str] | None = None,
    *,
    now: str | None = None,
    speed: float = 1.0,
) -> Child:
    """The Radialight Cloud simulator on ``port``; ``settings`` as ``NAME=VALUE``."""
    command = simulator_command("radialight_simulator", port, settings, now, speed)
    return spawn("Radialight simulator", command, log)


HTTP = """\
http:
  server_host: 127.0.0.1
  server_port: {port}
"""


def prepare_config(config: Path, port: int) -> bool:
    """A configuration folder for Home Assistant with this repository's integrations linked in.

    Since 2026.10 Home Assistant takes the ``http`` settings from YAML only once, as a trial to
    be confirmed (see :meth:`HomeAssistantClient.confirm_http_settings`), and keeps them in its
    storage after that; so they are written only into a new folder. Returns whether it is new.
    """
    config.mkdir(parents=True, exist_ok=True)
    new = not (config / ".storage" / "http").exists()
    http = HTTP.format(port=port) if new else ""
    (config / "configuration.yaml").write_text(CONFIGURATION.format(http=http), encoding="utf-8")
    custom = config / "custom_components"
    custom.mkdir(exist_ok=True)
    for domain, target in INTEGRATIONS.items():
        link = custom / domain
        if link.is_symlink() and link.resolve() != target:
            link.unlink()
        if not link.exists():
            link.symlink_to(target)
    return new


def start_hass(config: Path, log: Path, hass: Path | None = None) -> Child:
    """Home Assistant itself: ``hass`` (another release's), else the project environment's."""
    hass = hass or Path(sys.executable).with_name("hass")
    # Deprecation warnings are written to the log, so that a test can look for ours.
    return spawn(
        "Home Assistant",
        [str(hass), "--config", str(config)],
        log,
        {"PYTHONWARNINGS": "default::DeprecationWarning"},
    )


async def wait_for_http(url: str, child: Child, timeout: float) -> None:
    """Wait until ``url`` answers at all, failing early if the process ends."""
    deadline = time.monotonic() + timeout
    async with aiohttp.ClientSession() as session:
        while time.monotonic() < deadline:
            if not child.alive():
                raise RuntimeError(f"{child.name} stopped:\n{child.tail()}")
            try:
                async with session.get(url, timeout=aiohttp.ClientTimeout(total=5)) as response:
                    if response.status < 500:
                        return
            except aiohttp.ClientError, TimeoutError:
                pass
            await asyncio.sleep(0.5)
    raise TimeoutError(f"{child.name} did not answer at {url} in {timeout:.0f} s:\n{child.tail()}")
