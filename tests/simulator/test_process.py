"""``python -m simulator`` as a process, and the client's command line against it."""

from __future__ import annotations

import io
import socket
import subprocess
import sys
import time
from pathlib import Path

from custom_components.wiener_netze.api.cli import main

ROOT = Path(__file__).parents[2]


def test_simulator_process_serves_the_default_account(socket_enabled: None) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    process = subprocess.Popen(
        [sys.executable, "-m", "simulator", "--port", str(port), "--set", "api_key=k-1234"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        assert process.stdout is not None
        banner = process.stdout.readline()
        assert f"127.0.0.1:{port}" in banner
        base = f"http://127.0.0.1:{port}"
        out = io.StringIO()
        deadline = time.monotonic() + 10
        code = main(
            [
                "--client-id", "demo", "--client-secret", "demo", "--api-key", "k-1234",
                "--api-url", f"{base}/gateway/WN_SMART_METER_API/1.0",
                "--token-url", f"{base}/auth/realms/logwien/protocol/openid-connect/token",
                "meters", "--format", "csv",
            ],
            out=out,
        )  # fmt: skip
        assert time.monotonic() < deadline
        assert code == 0
        assert len(out.getvalue().splitlines()) == 1 + 5  # header, the five meters of every shape
    finally:
        process.terminate()
        process.wait(10)


def test_bad_setting_at_start_is_a_clear_error() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "simulator", "--set", "nonsense=1"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert result.returncode != 0
    assert "unknown setting 'nonsense'" in result.stderr
    assert "Traceback" not in result.stderr
