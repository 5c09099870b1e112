"""Serve the Radialight simulator in the running event loop."""

from __future__ import annotations

from aiohttp import web

from .app import TOKEN_PATH, RadialightSimulator, build_app


class RunningRadialight:
    """A started simulator: its state and the URLs the client needs."""

    def __init__(
        self,
        simulator: RadialightSimulator,
        runner: web.AppRunner,
        port: int,
        host: str = "127.0.0.1",
    ) -> None:
        self.simulator = simulator
        self.runner = runner
        self.port = port
        self.host = host

    @property
    def api_url(self) -> str:
        """The cloud's base URL."""
        return f"http://{self.host}:{self.port}"

    @property
    def token_url(self) -> str:
        """The token endpoint."""
        return f"{self.api_url}{TOKEN_PATH}"

    async def stop(self) -> None:
        """Stop serving."""
        await self.runner.cleanup()


async def start(
    simulator: RadialightSimulator, port: int = 0, host: str = "127.0.0.1"
) -> RunningRadialight:
    """Serve ``simulator`` on ``host`` (port 0: a free one)."""
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
    return RunningRadialight(simulator, runner, bound, host)
