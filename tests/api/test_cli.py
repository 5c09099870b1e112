"""The command line, end to end against the simulator."""

from __future__ import annotations

import csv
import io
import json
import os
import runpy
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from custom_components.wiener_netze.api.cli import (
    EXIT_CREDENTIALS,
    EXIT_FORBIDDEN,
    EXIT_MALFORMED,
    EXIT_NOT_FOUND,
    EXIT_OK,
    EXIT_SERVER,
    EXIT_UNREACHABLE,
    EXIT_USAGE,
    main,
)
from simulator.account import DAILY, FERRARIS, HOUSEHOLD, PHOTOVOLTAIC
from simulator.server import SimulatorThread
from tests.support import API_KEY, CLIENT_ID, SECRET


def run(thread: SimulatorThread | None, *args: str, env: bool = True) -> tuple[int, str, str]:
    argv = []
    if thread is not None:
        argv += ["--api-url", thread.running.api_url, "--token-url", thread.running.token_url]
    if env:
        argv += ["--client-id", CLIENT_ID, "--client-secret", SECRET, "--api-key", API_KEY]
    out, err = io.StringIO(), io.StringIO()
    code = main([*argv, *args], out=out, err=err)
    return code, out.getvalue(), err.getvalue()


def test_meters_table(sim_thread: SimulatorThread) -> None:
    code, out, err = run(sim_thread, "meters")
    assert (code, err) == (EXIT_OK, "")
    lines = out.splitlines()
    assert lines[0].split()[:3] == ["METER", "NAME", "KIND"]
    assert len(lines) == 5
    for number in (HOUSEHOLD, PHOTOVOLTAIC, DAILY, FERRARIS):
        assert number in out
    assert "Ferraris (not supported)" in out


def test_meters_json_smart_only(sim_thread: SimulatorThread) -> None:
    code, out, _ = run(sim_thread, "meters", "--smart-only", "--format", "json")
    assert code == EXIT_OK
    rows = json.loads(out)
    assert {row["meter"] for row in rows} == {HOUSEHOLD, PHOTOVOLTAIC, DAILY}
    assert {row["granularity"] for row in rows} == {"QUARTER_HOUR", "DAY"}


def test_readings_csv(sim_thread: SimulatorThread) -> None:
    code, out, _ = run(
        sim_thread,
        "readings",
        "--from", "2026-10-25", "--to", "2026-10-25",
        "--type", "QUARTER_HOUR", "--meter", PHOTOVOLTAIC, "--format", "csv",
    )  # fmt: skip
    assert code == EXIT_OK
    rows = list(csv.DictReader(io.StringIO(out)))
    assert len(rows) == 200  # 25-hour day, consumption and feed-in
    assert {row["obis"] for row in rows} == {"1-1:1.9.0", "1-1:2.9.0"}
    assert rows[0]["start"] == "2026-10-25T00:00:00+02:00"
    assert rows[-1]["end"] == "2026-10-26T00:00:00+01:00"
    truth = sim_thread.simulator.views[PHOTOVOLTAIC].truth.day_total(
        __import__("datetime").date(2026, 10, 25), False
    )
    consumed = sum(float(row["kwh"]) for row in rows if row["obis"] == "1-1:1.9.0")
    assert consumed == pytest.approx(truth / 1000)


def test_readings_table_and_empty(sim_thread: SimulatorThread) -> None:
    code, out, _ = run(
        sim_thread, "readings", "--from", "2026-11-01", "--to", "2026-11-03", "--type", "DAY"
    )
    assert code == EXIT_OK
    assert len(out.splitlines()) == 1 + 3 * 4  # header, 3 days of 4 series
    code, out, _ = run(
        sim_thread, "readings", "--from", "2027-01-01", "--to", "2027-01-02", "--type", "DAY"
    )
    assert (code, out.strip()) == (EXIT_OK, "no readings in this range")
    code, out, _ = run(
        sim_thread,
        "readings", "--from", "2027-01-01", "--to", "2027-01-02", "--type", "DAY",
        "--format", "csv",
    )  # fmt: skip
    assert (code, out) == (EXIT_OK, "")


def test_credentials_from_environment(
    sim_thread: SimulatorThread, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WN_CLIENT_ID", CLIENT_ID)
    monkeypatch.setenv("WN_CLIENT_SECRET", SECRET)
    monkeypatch.setenv("WN_API_KEY", API_KEY)
    monkeypatch.setenv("WN_API_URL", sim_thread.running.api_url)
    monkeypatch.setenv("WN_TOKEN_URL", sim_thread.running.token_url)
    code, out, _ = run(None, "meters", "--format", "csv", env=False)
    assert code == EXIT_OK
    assert out.count("\n") == 5


@pytest.mark.parametrize(
    ("settings", "code", "text"),
    [
        ({"reject_credentials": True}, EXIT_CREDENTIALS, "client id or secret rejected"),
        ({"unlinked": True}, EXIT_FORBIDDEN, "linked"),
        ({"server_errors_next": 99}, EXIT_SERVER, "503"),
        ({"malformed_next": 99}, EXIT_MALFORMED, "not valid JSON"),
    ],
)
def test_api_errors_are_one_line_with_distinct_codes(
    sim_thread: SimulatorThread, settings: dict[str, object], code: int, text: str
) -> None:
    sim_thread.call(sim_thread.simulator.settings.update, settings)
    sim_thread.call(setattr, sim_thread.simulator.settings, "retry_after", 0)
    result, out, err = run(sim_thread, "--attempts", "2", "meters")
    assert result == code
    assert out == ""
    assert err.startswith("error: ")
    assert text in err
    assert err.count("\n") == 1
    assert SECRET not in err


def test_unknown_meter(sim_thread: SimulatorThread) -> None:
    code, _, err = run(
        sim_thread,
        "readings", "--from", "2026-11-01", "--to", "2026-11-02", "--type", "DAY",
        "--meter", "AT0000",
    )  # fmt: skip
    assert code == EXIT_NOT_FOUND
    assert "404" in err


@pytest.mark.parametrize(
    ("args", "text"),
    [
        (["readings", "--from", "2026-02-30", "--to", "2026-03-01", "--type", "DAY"], "2026-02-30"),
        (["readings", "--from", "2026-03-02", "--to", "2026-03-01", "--type", "DAY"], "before"),
        (["readings", "--from", "2026-03-01", "--to", "2026-03-02", "--type", "HOUR"], "HOUR"),
        (
            ["readings", "--from", "2026-03-01", "--to", "2026-03-02", "--type", "DAY",
             "--chunk-days", "0"],
            "chunk-days",
        ),
        (["frobnicate"], "frobnicate"),
        (["--attempts", "0", "meters"], "--attempts"),
    ],
)  # fmt: skip
def test_usage_errors(args: list[str], text: str) -> None:
    code, _, err = run(None, *args)
    assert code == EXIT_USAGE
    assert err.startswith("error: ")
    assert text in err
    assert err.count("\n") == 1


def test_missing_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("WN_CLIENT_ID", "WN_CLIENT_SECRET", "WN_API_KEY"):
        monkeypatch.delenv(name, raising=False)
    code, _, err = run(None, "--client-id", "x", "meters", env=False)
    assert code == EXIT_USAGE
    assert err == "error: missing --client-secret (or WN_CLIENT_SECRET)\n"


def test_unreachable_server(socket_enabled: None) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"http://127.0.0.1:{port}"
    code, _, err = run(None, "--api-url", url, "--token-url", url, "--attempts", "1", "meters")
    assert code == EXIT_UNREACHABLE
    assert "cannot reach" in err


def test_module_entry_point(sim_thread: SimulatorThread) -> None:
    """``python -m custom_components.wiener_netze.api meters`` as a user runs it."""
    env = dict(os.environ, WN_CLIENT_ID=CLIENT_ID, WN_CLIENT_SECRET=SECRET, WN_API_KEY=API_KEY)
    result = subprocess.run(
        [
            sys.executable, "-m", "custom_components.wiener_netze.api",
            "--api-url", sim_thread.running.api_url,
            "--token-url", sim_thread.running.token_url,
            "meters",
        ],
        capture_output=True, text=True, env=env, cwd=Path(__file__).parents[2], check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stdout.count("AT00100000") == 4
    assert result.stderr == ""


def test_module_entry_point_in_process(
    sim_thread: SimulatorThread, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(
        sys,
        "argv",
        [
            "api",
            "--client-id", CLIENT_ID, "--client-secret", SECRET, "--api-key", API_KEY,
            "--api-url", sim_thread.running.api_url, "--token-url", sim_thread.running.token_url,
            "meters", "--format", "json",
        ],
    )  # fmt: skip
    with pytest.raises(SystemExit) as exited:
        runpy.run_module("custom_components.wiener_netze.api", run_name="__main__")
    assert exited.value.code == 0
    assert len(json.loads(capsys.readouterr().out)) == 4
