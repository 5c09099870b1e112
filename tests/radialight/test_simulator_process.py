"""``python -m radialight_simulator`` as a process: its settings at start, its clock over HTTP."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).parents[2]


def call(url: str, body: Any = None) -> Any:
    """GET, or POST ``body`` as JSON; the decoded answer."""
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data, {"Content-Type": "application/json"})  # noqa: S310
    with urllib.request.urlopen(request, timeout=10) as answer:  # noqa: S310 - loopback
        return json.loads(answer.read())


def test_the_process_takes_settings_and_a_clock(socket_enabled: None) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    command = [sys.executable, "-m", "radialight_simulator", "--port", str(port)]
    command += ["--set", "account=large", "--now", "2026-12-02T10:10:00+00:00", "--frozen"]
    process = subprocess.Popen(
        command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    try:
        assert process.stdout is not None
        assert f"127.0.0.1:{port}" in process.stdout.readline()
        base = f"http://127.0.0.1:{port}/_sim"
        state = call(f"{base}/state")
        assert len(state["zones"]) == 10
        assert state["now"].startswith("2026-12-02T10:10:00")
        moved = call(f"{base}/clock", {"now": "2026-12-02T12:00:00+00:00", "frozen": True})
        assert moved["now"].startswith("2026-12-02T12:00:00")
        assert call(f"{base}/state")["now"] == moved["now"]
    finally:
        process.terminate()
        process.wait(30)


def test_a_bad_setting_ends_the_process_with_its_name() -> None:
    command = [sys.executable, "-m", "radialight_simulator", "--set", "usage_unit=MWh"]
    done = subprocess.run(
        command, cwd=ROOT, capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode != 0
    assert "usage_unit" in done.stderr
