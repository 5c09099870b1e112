"""Talking to a running Home Assistant as its frontend does: onboarding, login, REST, websocket.

Nothing here reaches into Home Assistant's internals: the owner is created through the
onboarding API, tokens come from the auth API, the integration is added through the config
flow's REST endpoints and the Energy dashboard is set through the websocket API.
"""

from __future__ import annotations

from typing import Any

import aiohttp

ONBOARDING_STEPS = ("user", "core_config", "analytics", "integration")


class HomeAssistantError(RuntimeError):
    """Home Assistant answered something other than what was asked for."""


class HomeAssistantClient:
    """An authenticated session with one Home Assistant instance."""

    def __init__(self, session: aiohttp.ClientSession, url: str) -> None:
        self.session = session
        self.url = url.rstrip("/")
        self.client_id = f"{self.url}/"
        self.token: str | None = None

    # -- authentication ---------------------------------------------------------------------

    async def onboarding_done(self) -> set[str]:
        """The onboarding steps already done (all, once onboarding is over and gone)."""
        async with self.session.get(f"{self.url}/api/onboarding") as response:
            if response.status == 404:
                return set(ONBOARDING_STEPS)
            response.raise_for_status()
            steps = await response.json()
        return {step["step"] for step in steps if step["done"]}

    async def onboard(self, name: str, username: str, password: str) -> None:
        """Create the owner and finish every onboarding step, as the onboarding wizard does."""
        done = await self.onboarding_done()
        if "user" not in done:
            answer = await self._json(
                "POST",
                "/api/onboarding/users",
                auth=False,
                json={
                    "client_id": self.client_id,
                    "name": name,
                    "username": username,
                    "password": password,
                    "language": "en",
                },
            )
            await self._token({"grant_type": "authorization_code", "code": answer["auth_code"]})
        else:
            await self.login(username, password)
        if "core_config" not in done:
            await self._json("POST", "/api/onboarding/core_config")
        if "analytics" not in done:
            await self._json("POST", "/api/onboarding/analytics")
        if "integration" not in done:
            await self._json(
                "POST",
                "/api/onboarding/integration",
                json={"client_id": self.client_id, "redirect_uri": f"{self.url}/?auth_callback=1"},
            )

    async def login(self, username: str, password: str) -> None:
        """Log in with the login flow, as the login page does."""
        flow = await self._json(
            "POST",
            "/auth/login_flow",
            auth=False,
            json={
                "client_id": self.client_id,
                "handler": ["homeassistant", None],
                "redirect_uri": f"{self.url}/?auth_callback=1",
            },
        )
        result = await self._json(
            "POST",
            f"/auth/login_flow/{flow['flow_id']}",
            auth=False,
            json={"client_id": self.client_id, "username": username, "password": password},
        )
        if result.get("type") != "create_entry":
            raise HomeAssistantError(f"login failed: {result.get('errors')}")
        await self._token({"grant_type": "authorization_code", "code": result["result"]})

    async def _token(self, form: dict[str, str]) -> None:
        async with self.session.post(
            f"{self.url}/auth/token", data={**form, "client_id": self.client_id}
        ) as response:
            if response.status != 200:
                raise HomeAssistantError(f"token: {response.status} {await response.text()}")
            self.token = (await response.json())["access_token"]

    async def confirm_http_settings(self) -> None:
        """Confirm the HTTP settings taken from YAML, which would otherwise be reverted."""
        [config] = await self.ws({"type": "http/config"})
        if config.get("pending") and not config["pending"].get("error"):
            await self.ws({"type": "http/config/promote"})

    async def remove_entries(self, domain: str) -> None:
        """Remove the config entries of ``domain`` (onboarding adds a weather service)."""
        for entry in await self.config_entries(domain):
            await self._json("DELETE", f"/api/config/config_entries/entry/{entry['entry_id']}")

    # -- REST -------------------------------------------------------------------------------

    async def _json(self, method: str, path: str, *, auth: bool = True, json: Any = None) -> Any:
        headers = {"Authorization": f"Bearer {self.token}"} if auth else {}
        async with self.session.request(
            method, f"{self.url}{path}", json=json, headers=headers
        ) as response:
            if response.status >= 400:
                raise HomeAssistantError(
                    f"{method} {path}: {response.status} {await response.text()}"
                )
            return await response.json()

    async def get(self, path: str) -> Any:
        """GET a REST path."""
        return await self._json("GET", path)

    async def post(self, path: str, json: Any = None) -> Any:
        """POST to a REST path."""
        return await self._json("POST", path, json=json)

    async def config_entries(self, domain: str) -> list[dict[str, Any]]:
        """The config entries of ``domain``."""
        entries = await self.get(f"/api/config/config_entries/entry?domain={domain}")
        return list(entries)

    async def start_flow(self, handler: str) -> dict[str, Any]:
        """Start a config flow (the "Add integration" button)."""
        return dict(await self.post("/api/config/config_entries/flow", {"handler": handler}))

    async def flow_step(self, flow_id: str, data: dict[str, Any]) -> dict[str, Any]:
        """Submit a config flow form."""
        return dict(await self.post(f"/api/config/config_entries/flow/{flow_id}", data))

    async def options_flow(self, entry_id: str, data: dict[str, Any]) -> dict[str, Any]:
        """Open the options of an entry and submit them at once."""
        flow = await self.post("/api/config/config_entries/options/flow", {"handler": entry_id})
        return dict(
            await self.post(f"/api/config/config_entries/options/flow/{flow['flow_id']}", data)
        )

    # -- websocket --------------------------------------------------------------------------

    async def ws(self, *commands: dict[str, Any]) -> list[Any]:
        """Send websocket commands one after another; returns their results."""
        results = []
        async with self.session.ws_connect(f"{self.url}/api/websocket", max_msg_size=0) as socket:
            await socket.receive_json()  # auth_required
            await socket.send_json({"type": "auth", "access_token": self.token})
            if (await socket.receive_json())["type"] != "auth_ok":
                raise HomeAssistantError("websocket authentication failed")
            for number, command in enumerate(commands, start=1):
                await socket.send_json({"id": number, **command})
                while True:
                    answer = await socket.receive_json()
                    if answer.get("id") == number and answer["type"] == "result":
                        break
                if not answer["success"]:
                    raise HomeAssistantError(f"{command['type']}: {answer['error']}")
                results.append(answer["result"])
        return results

    async def energy_prefs(self) -> dict[str, Any]:
        """The Energy dashboard's settings ({} before anything was saved)."""
        try:
            [prefs] = await self.ws({"type": "energy/get_prefs"})
        except HomeAssistantError:  # nothing saved yet
            return {}
        return dict(prefs)

    async def update_energy_prefs(self, **changes: Any) -> None:
        """Save ``energy_sources`` and/or ``device_consumption``; the other stays as it is."""
        prefs = await self.energy_prefs()
        await self.ws(
            {
                "type": "energy/save_prefs",
                "energy_sources": prefs.get("energy_sources", []),
                "device_consumption": prefs.get("device_consumption", []),
                **changes,
            }
        )
