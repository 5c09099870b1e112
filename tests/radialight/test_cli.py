"""The command line against the simulated cloud, served from a thread of its own."""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from custom_components.radialight_cloud.api.cli import main
from radialight_simulator.app import RadialightSimulator
from radialight_simulator.server import RunningRadialight, start


@pytest.fixture
def served(socket_enabled: None) -> Iterator[tuple[RadialightSimulator, RunningRadialight]]:
    sim = RadialightSimulator()
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    running = asyncio.run_coroutine_threadsafe(start(sim), loop).result(10)
    yield sim, running
    asyncio.run_coroutine_threadsafe(running.stop(), loop).result(10)
    loop.call_soon_threadsafe(loop.stop)
    thread.join(10)
    loop.close()


def run(
    argv: list[str],
    served: tuple[RadialightSimulator, RunningRadialight],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> tuple[int, str, str]:
    sim, running = served
    monkeypatch.setenv("RADIALIGHT_API_KEY", sim.settings.api_key)
    monkeypatch.setenv("RADIALIGHT_REFRESH_TOKEN", sim.settings.refresh_token)
    urls = ["--api-url", running.api_url, "--token-url", running.token_url]
    code = main([*argv, *urls])
    out, err = capsys.readouterr()
    return code, out, err


def test_zones_usage_and_the_probe(served, monkeypatch, capsys) -> None:
    code, out, _ = run(["zones"], served, monkeypatch, capsys)
    assert code == 0
    assert next(zone["name"] for zone in json.loads(out)) == "Soggiorno"
    code, out, _ = run(["usage"], served, monkeypatch, capsys)
    assert code == 0
    assert isinstance(json.loads(out), list)
    code, out, _ = run(["probe"], served, monkeypatch, capsys)
    assert code == 0
    assert set(json.loads(out)) == {"GET /usage", "GET /usage?zone", "GET /zones"}
    assert "Soggiorno" not in out
    assert served[0].settings.refresh_token not in out


def test_a_rotated_token_is_saved_and_errors_are_named(
    served, monkeypatch, capsys, tmp_path: Path
) -> None:
    served[0].settings.rotate_refresh_token = True
    saved = tmp_path / "token"
    code, _, err = run(["zones", "--save-token", str(saved)], served, monkeypatch, capsys)
    assert code == 0
    assert saved.read_text().strip() in served[0].valid_refresh
    assert "rotated" in err
    code, _, err = run(["zones"], served, monkeypatch, capsys)  # the old token: refused
    assert code == 1
    assert "rejected" in err
    monkeypatch.delenv("RADIALIGHT_API_KEY")
    assert main(["zones"]) == 2
