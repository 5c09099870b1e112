"""Start the simulator: in this event loop, or in a thread of its own (for synchronous callers)."""

from __future__ import annotations

import asyncio
import threading
from concurrent.futures import Future
from typing import Any

from aiohttp import web

from .app import API_BASE, TOKEN_PATH, Simulator, build_app


class RunningSimulator:
    """A started simulator: its state, its base URL and the URLs a client needs."""

    def __init__(self, simulator: Simulator, runner: web.AppRunner, host: str, port: int) -> None:
        self.simulator = simulator
        self.runner = runner
        self.host = host
        self.port = port

    @property
    def url(self) -> str:
        """``http://host:port``."""
        return f"http://{self.host}:{self.port}"

    @property
    def api_url(self) -> str:
        """The gateway base, as the client's ``api_url``."""
        return f"{self.url}{API_BASE}"

    @property
    def token_url(self) -> str:
        """The token endpoint, as the client's ``token_url``."""
        return f"{self.url}{TOKEN_PATH}"

    async def stop(self) -> None:
        """Stop serving."""
        await self.runner.cleanup()


async def start(simulator: Simulator, host: str = "127.0.0.1", port: int = 0) -> RunningSimulator:
    """Serve ``simulator`` on ``host:port`` (0: a free port) in the running loop."""
    runner = web.AppRunner(
        build_app(simulator), handler_cancellation=True, shutdown_timeout=0.5, access_log=None
    )
    await runner.setup()
    site = web.TCPSite(runner, host, port)
    await site.start()
    server = site._server  # noqa: SLF001 - the only way to learn the bound port
    if server is None:  # pragma: no cover - start() always creates it
        raise RuntimeError("the simulator's server did not start")
    bound = server.sockets[0].getsockname()[1]  # type: ignore[attr-defined]
    return RunningSimulator(simulator, runner, host, bound)


class SimulatorThread:
    """Runs a simulator in a background thread with its own event loop.

    ``call`` runs a function on the simulator's loop, so state changes never race requests.
    """

    def __init__(self, simulator: Simulator, host: str = "127.0.0.1", port: int = 0) -> None:
        self.simulator = simulator
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(
            target=self._loop.run_forever, name="wn-simulator", daemon=True
        )
        self._thread.start()
        self.running: RunningSimulator = self._submit(start(simulator, host, port)).result(10)

    def _submit(self, coro: Any) -> Future[Any]:
        return asyncio.run_coroutine_threadsafe(coro, self._loop)

    def call(self, function: Any, *args: Any) -> Any:
        """Run ``function(*args)`` on the simulator's loop and return its result."""

        async def run() -> Any:
            return function(*args)

        return self._submit(run()).result(10)

    def stop(self) -> None:
        """Stop the server and the thread."""
        self._submit(self.running.stop()).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)
        self._loop.close()
