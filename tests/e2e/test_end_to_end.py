"""A real Home Assistant process and both simulators, driven like a user would, then a browser.

Onboarding and the config flow go through Home Assistant's REST and websocket APIs (a wrong
secret first, which the form reports), the history import is awaited, the statistics are read
back over the websocket API and compared hour by hour with the simulator's truth, Home
Assistant is restarted and nothing may be imported twice; then headless Chromium logs in,
opens the Energy dashboard, the meter's device page (with its unusual-day event) and a
statistics-graph card with the flat's base load over the years, saves screenshots in
``docs/screenshots/`` and checks what the pages show. Radialight Cloud runs in the same Home
Assistant: set up through its flow, its zones' usage in the Energy dashboard (validated), and a
zone's setpoint raised in the browser, which the simulated cloud must follow.
"""

from __future__ import annotations

import asyncio
import os
import re
import time
from collections import defaultdict
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from homeassistant.const import __version__ as HA_VERSION  # noqa: N812 - a constant
from playwright.async_api import Page, async_playwright

from demo.client import HomeAssistantClient
from demo.integration import (
    CREDENTIALS,
    TARIFF,
    connection,
    fill_energy_dashboard,
    meters,
    set_tariff,
    suggested_meters,
    wait_for_history,
)
from demo.processes import (
    REPO,
    Child,
    free_port,
    prepare_config,
    start_hass,
    start_radialight,
    start_simulator,
    wait_for_http,
)
from demo.radialight import add_radialight, add_zones_to_energy_dashboard, wait_for_usage
from simulator.account import DAILY, FEED_IN_ONLY, HOUSEHOLD, PHOTOVOLTAIC
from simulator.profiles import VIENNA

SCREENSHOTS = REPO / "docs" / "screenshots"
USER, PASSWORD = "e2e", "e2e-password-1234"
CHROMIUM = "/usr/bin/chromium"

pytestmark = pytest.mark.timeout(1500)


def releases() -> list[tuple[str, Path | None]]:
    """The Home Assistant releases to run against: ``WN_HASS_RELEASES`` (``VERSION=PATH`` of
    each release's ``hass``, comma-separated; scripts/test sets it), else this environment's.
    The first one's screenshots are saved."""
    listed = os.environ.get("WN_HASS_RELEASES", "").strip()
    if not listed:
        return [(HA_VERSION, None)]
    pairs = [item.split("=", 1) for item in listed.split(",") if item.strip()]
    return [(version.strip(), Path(path.strip())) for version, path in pairs]


RELEASES = releases()
# Lines of Home Assistant's log that say this integration uses something deprecated or is
# doing something Home Assistant will stop supporting.
DEPRECATION = re.compile(r"deprecat|will stop working|detected that custom integration", re.I)


@dataclass
class Instance:
    """The running pair and how to reach them."""

    config: Path
    url: str
    simulator_url: str
    simulator: Child
    hass: Child
    session: aiohttp.ClientSession
    release: str
    hass_binary: Path | None
    radialight_url: str
    radialight: Child

    async def stop_hass(self) -> None:
        """Stop Home Assistant as a service manager would."""
        assert self.hass.stop() == 0, self.hass.tail()

    async def start_hass(self, client: HomeAssistantClient) -> float:
        """Start Home Assistant again and log in; returns the seconds from its web server
        answering to the end of its start (state RUNNING)."""
        self.hass = start_hass(self.config, self.hass.log, self.hass_binary)
        await wait_for_http(f"{self.url}/api/onboarding", self.hass, 300)
        answering = time.monotonic()
        await client.login(USER, PASSWORD)
        while (await client.get("/api/config"))["state"] != "RUNNING":
            assert time.monotonic() - answering < 400, self.hass.tail()
            await asyncio.sleep(0.5)
        return time.monotonic() - answering

    async def set_simulator(self, **changes: object) -> None:
        """Change the simulator's settings while it runs."""
        async with self.session.post(
            f"{self.simulator_url}/_sim/settings", json=changes
        ) as response:
            assert response.status == 200, await response.text()

    async def radialight_zones(self) -> list[dict[str, Any]]:
        """The simulated Radialight account's zones as the cloud holds them now."""
        async with self.session.get(f"{self.radialight_url}/_sim/state") as response:
            return list((await response.json())["zones"])


@pytest.fixture(params=RELEASES, ids=[version for version, _ in RELEASES])
async def instance(
    socket_enabled: None, tmp_path: Path, request: pytest.FixtureRequest
) -> AsyncIterator[Instance]:
    """The simulator (validated values only, so every hour must equal the truth) and a fresh
    Home Assistant of one release with its own configuration folder, on free loopback ports."""
    release, hass_binary = request.param
    sim_port, port, radialight_port = free_port(), free_port(), free_port()
    # A known standby, raised by 150 W four months ago for good: the base load's step.
    raised = datetime.now(UTC).astimezone(VIENNA).date() - timedelta(days=120)
    simulator = start_simulator(
        sim_port,
        tmp_path / "simulator.log",
        [
            "estimate_share=0",
            "standby=true",
            f"standby_raised_from={raised}",
            "standby_raise_days=0",
            f"unusual_meters={HOUSEHOLD}",
        ],
    )
    radialight = start_radialight(radialight_port, tmp_path / "radialight.log")
    config = tmp_path / "config"
    prepare_config(config, port)
    hass = start_hass(config, tmp_path / "home-assistant.log", hass_binary)
    session = aiohttp.ClientSession()
    running = Instance(
        config,
        f"http://127.0.0.1:{port}",
        f"http://127.0.0.1:{sim_port}",
        simulator,
        hass,
        session,
        release,
        hass_binary,
        f"http://127.0.0.1:{radialight_port}",
        radialight,
    )
    try:
        await wait_for_http(f"{running.simulator_url}/_sim/state", simulator, 30)
        await wait_for_http(f"{running.radialight_url}/_sim/state", radialight, 30)
        await wait_for_http(f"{running.url}/api/onboarding", hass, 300)
        yield running
    finally:
        await session.close()
        running.hass.stop()
        simulator.stop()
        radialight.stop()


async def statistics(client: HomeAssistantClient, ids: list[str]) -> dict[str, dict[int, Any]]:
    """Every hourly row of these statistics: id → start (ms) → {change, sum}."""
    [found] = await client.ws(
        {
            "type": "recorder/statistics_during_period",
            "start_time": "2020-01-01T00:00:00+00:00",
            "statistic_ids": ids,
            "period": "hour",
            "types": ["change", "sum"],
        }
    )
    return {sid: {int(row["start"]): row for row in found.get(sid, [])} for sid in ids}


async def truth(
    session: aiohttp.ClientSession, simulator_url: str, number: str, first: date, last: date
) -> dict[str, dict[int, float]]:
    """The simulator's true kWh per UTC hour (ms), by flow; day values at their local midnight
    on the days a meter publishes day values only."""
    async with session.get(
        f"{simulator_url}/_sim/truth",
        params={"zaehlpunkt": number, "datumVon": str(first), "datumBis": str(last)},
    ) as response:
        days = (await response.json())["days"]
    hours: dict[str, dict[int, float]] = {}
    for day in days:
        midnight = datetime.fromisoformat(day["starts"][0])
        for flow in ("consumption", "feed_in"):
            values = day[f"{flow}_wh"]
            if values is None:
                continue
            flow_hours = hours.setdefault(flow, defaultdict(float))
            for index, start in enumerate(day["starts"]):
                moment = midnight if day["source"] == "day" else datetime.fromisoformat(start)
                key = int(moment.astimezone(UTC).replace(minute=0).timestamp() * 1000)
                flow_hours[key] += values[index] / 1000
    return hours


def hours_equal(rows: dict[int, Any], expected: dict[int, float]) -> bool:
    """Whether :func:`assert_hours_equal` holds."""
    try:
        assert_hours_equal(rows, expected, "")
    except AssertionError:
        return False
    return True


def assert_hours_equal(rows: dict[int, Any], expected: dict[int, float], what: str) -> None:
    """The same hours, each hour's change equal, the sum running on without a jump."""
    assert sorted(rows) == sorted(expected), what
    total = 0.0
    for start in sorted(expected):
        total += expected[start]
        assert rows[start]["change"] == pytest.approx(expected[start], abs=1e-6), (what, start)
        assert rows[start]["sum"] == pytest.approx(total, abs=1e-3), (what, start)


def assert_sums_consistent(rows: dict[int, Any], what: str) -> None:
    """Each row's sum is the one before plus its change: no step anywhere."""
    previous = None
    for start in sorted(rows):
        if previous is not None:
            expected = previous + rows[start]["change"]
            assert rows[start]["sum"] == pytest.approx(expected, abs=1e-3), (what, start)
        previous = rows[start]["sum"]


async def wait_for_correction(
    client: HomeAssistantClient,
    ids: list[str],
    before: dict[str, dict[int, Any]],
    cost_ids: list[str],
) -> None:
    """Wait until every statistic holds a changed hour (the correction was written) and every
    cost follows its energy again (it is written after the energy)."""
    deadline = time.monotonic() + 300
    unchanged, unpriced = ids, cost_ids
    while time.monotonic() < deadline:
        now = await statistics(client, ids)
        unchanged = [sid for sid in ids if now[sid] == before[sid]]
        if not unchanged:
            money = await statistics(client, cost_ids)
            unpriced = [
                sid for sid in cost_ids if not hours_equal(money[sid], costs_of(now[sid[:-5]]))
            ]
            if not unpriced:
                return
        await asyncio.sleep(2)
    raise AssertionError(f"the correction did not land: energy {unchanged}, costs {unpriced}")


def costs_of(energy: dict[int, Any]) -> dict[int, float]:
    """What the energy rows cost at the test's tariff, hour by hour."""
    changes = {start: row["change"] for start, row in energy.items()}
    return with_tariff(changes, TARIFF["energy_price"], TARIFF["daily_charge"])


def with_tariff(energy: dict[int, float], price: float, charge: float) -> dict[int, float]:
    """Each hour's energy times the price, plus the daily charge at each local midnight."""
    money = {start: value * price for start, value in energy.items()}
    for start in energy:
        moment = datetime.fromtimestamp(start / 1000, UTC).astimezone(VIENNA)
        if moment.hour == 0:
            money[start] += charge
    return money


async def add_integration_like_a_user(instance: Instance, client: HomeAssistantClient) -> str:
    """The config flow over REST: a wrong secret first (reported in the form), then the right
    one, then the preselected meters. Returns the entry id."""
    flow = await client.start_flow("wiener_netze")
    assert flow["step_id"] == "user"
    data = {**CREDENTIALS, "connection": connection(instance.simulator_url)}
    wrong = await client.flow_step(flow["flow_id"], {**data, "client_secret": "wrong"})
    assert wrong["type"] == "form"
    assert wrong["errors"] == {"base": "invalid_auth"}
    step = await client.flow_step(flow["flow_id"], data)
    assert step["step_id"] == "meters"
    chosen = suggested_meters(step)
    assert sorted(chosen) == sorted([HOUSEHOLD, PHOTOVOLTAIC, FEED_IN_ONLY, DAILY])
    created = await client.flow_step(step["flow_id"], {"meters": chosen})
    assert created["type"] == "create_entry"
    return str(created["result"]["entry_id"])


async def test_end_to_end(instance: Instance) -> None:
    """From onboarding to a filled Energy dashboard, right to the hour, restart-proof, visible."""
    client = HomeAssistantClient(instance.session, instance.url)
    await client.onboard("End to end", USER, PASSWORD)
    await client.confirm_http_settings()
    await client.remove_entries("met")
    entry_id = await add_integration_like_a_user(instance, client)
    await add_radialight(client, instance.radialight_url)
    await set_tariff(client, entry_id)
    await wait_for_history(client, 900)
    today = datetime.now(UTC).astimezone(VIENNA).date()
    first = today - timedelta(days=3 * 366)
    await client.post(
        "/api/services/wiener_netze/recalculate_costs",
        {"config_entry_id": entry_id, "start": str(first), "end": str(today - timedelta(days=1))},
    )
    sources = await fill_energy_dashboard(client)
    assert len(sources) == 4
    zones = await add_zones_to_energy_dashboard(client, await wait_for_usage(client, 120))
    assert len(zones) == len(await instance.radialight_zones())
    [validation] = await client.ws({"type": "energy/validate"})
    assert validation["energy_sources"] == [[], [], [], []]
    assert validation["device_consumption"] == [[] for _ in zones]

    ids = []
    expected: dict[str, dict[int, float]] = {}
    for number in (HOUSEHOLD, PHOTOVOLTAIC, FEED_IN_ONLY, DAILY):
        flows = await truth(instance.session, instance.simulator_url, number, first, today)
        for flow, hours in flows.items():
            sid = f"wiener_netze:{number.lower()}_{flow}"
            ids.append(sid)
            expected[sid] = dict(hours)
    stored = await statistics(client, ids)
    for sid in ids:
        rows = stored[sid]
        assert rows, sid
        # Hours up to the newest imported one; the truth goes on to today, still unpublished.
        newest = max(rows)
        assert datetime.fromtimestamp(newest / 1000, UTC) > datetime.now(UTC) - timedelta(days=3)
        hours = {start: value for start, value in expected[sid].items() if start <= newest}
        hours = {start: value for start, value in hours.items() if start >= min(rows)}
        assert_hours_equal(rows, hours, sid)
    cost_ids = [f"{sid}_cost" for sid in ids if sid.endswith("_consumption")]
    money = await statistics(client, cost_ids)
    for sid in cost_ids:
        assert_hours_equal(money[sid], costs_of(stored[sid[:-5]]), sid)

    # Home Assistant is off while Wiener Netze publishes the newest days again, changed (as
    # estimates): the restart has a correction to write. The start must not wait for it (the
    # recorder writes only once the start is over), the correction lands afterwards, and
    # nothing else is imported twice: every other hour unchanged, the sums consistent.
    await instance.stop_hass()
    await instance.set_simulator(estimate_share=1.0)
    seconds = await instance.start_hass(client)
    # A stalled start ends after Home Assistant's 300 s timeout; a busy machine takes a while.
    assert seconds < 150, f"Home Assistant took {seconds:.0f} s to finish starting"
    assert "is blocking Home Assistant" not in instance.hass.log.read_text(errors="replace")
    await wait_for_history(client, 300)
    await wait_for_correction(client, ids, stored, cost_ids)
    after = await statistics(client, ids)
    for sid in ids:
        changed = [
            start
            for start, row in after[sid].items()
            if row["change"] != pytest.approx(stored[sid][start]["change"], abs=1e-6)
        ]
        newest_days = datetime.now(UTC) - timedelta(days=4)
        assert changed, sid
        assert all(datetime.fromtimestamp(start / 1000, UTC) > newest_days for start in changed)
        assert_sums_consistent(after[sid], sid)
    money_after = await statistics(client, cost_ids)
    for sid in cost_ids:  # the cost follows the corrected energy, hour by hour
        assert_hours_equal(money_after[sid], costs_of(after[sid[:-5]]), sid)
    await instance.set_simulator(estimate_share=0.0)
    await check_base_load(instance, client, first, today)

    config = await client.get("/api/config")
    assert config["version"] == instance.release
    await look_at_it_in_a_browser(instance, client, entry_id)
    log = instance.hass.log.read_text(errors="replace")
    ours = [
        line
        for line in log.splitlines()
        if ("wiener_netze" in line or "radialight_cloud" in line) and DEPRECATION.search(line)
    ]
    assert not ours, "\n".join(ours)


BASE_LOAD = f"wiener_netze:{HOUSEHOLD.lower()}_base_load"


async def check_base_load(
    instance: Instance, client: HomeAssistantClient, first: date, today: date
) -> None:
    """The flat's base load: a row per day, each within 5 W of the simulator's standby."""
    async with instance.session.get(
        f"{instance.simulator_url}/_sim/truth",
        params={"zaehlpunkt": HOUSEHOLD, "datumVon": str(first), "datumBis": str(today)},
    ) as response:
        standby = {day["date"]: day["standby_w"] for day in (await response.json())["days"]}
    [found] = await client.ws(
        {
            "type": "recorder/statistics_during_period",
            "start_time": "2020-01-01T00:00:00+00:00",
            "statistic_ids": [BASE_LOAD],
            "period": "hour",
            "types": ["mean"],
        }
    )
    rows = found[BASE_LOAD]
    assert len(rows) > 365, len(rows)
    for row in rows:
        day = datetime.fromtimestamp(row["start"] / 1000, UTC).astimezone(VIENNA).date()
        assert row["mean"] == pytest.approx(standby[str(day)], abs=5), day
    assert {round(row["mean"] / 10) for row in rows} >= {8, 24}  # 85 W, then 235 W


async def add_base_load_card(client: HomeAssistantClient) -> str:
    """A dashboard with a statistics-graph card: a year of the flat's base load by week."""
    await client.ws(
        {
            "type": "lovelace/dashboards/create",
            "url_path": "meter-insights",
            "title": "Insights",
            "mode": "storage",
            "show_in_sidebar": True,
            "require_admin": False,
        }
    )
    card = {
        "type": "statistics-graph",
        "title": "Base load",
        "entities": [BASE_LOAD],
        "stat_types": ["mean"],
        "period": "week",
        "days_to_show": 365,
        "chart_type": "line",
    }
    await client.ws(
        {
            "type": "lovelace/config/save",
            "url_path": "meter-insights",
            "config": {"views": [{"title": "Base load", "path": "base-load", "cards": [card]}]},
        }
    )
    return "/meter-insights/base-load"


async def showing(page: Page, *patterns: str, seconds: float = 30) -> None:
    """Wait until the page's text matches every pattern (values arrive after the names)."""
    deadline = time.monotonic() + seconds
    while True:
        shown = await text_of(page)
        missing = [pattern for pattern in patterns if not re.search(pattern, shown)]
        if not missing:
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"not shown: {missing}; the page shows: {shown[:3000]}")
        await asyncio.sleep(0.5)


async def text_of(page: Page) -> str:
    """The visible text of a page, shadow roots included (the frontend is web components)."""
    text = await page.evaluate(
        """() => {
            const parts = [];
            const walk = (node) => {
                if (node.nodeType === Node.TEXT_NODE) { parts.push(node.textContent); return; }
                if (node.shadowRoot) walk(node.shadowRoot);
                for (const child of node.childNodes) walk(child);
            };
            walk(document.body);
            return parts.join(" ");
        }"""
    )
    return " ".join(str(text).split())


async def look_at_it_in_a_browser(
    instance: Instance, client: HomeAssistantClient, entry_id: str
) -> None:
    """Log in, open the Energy dashboard (yesterday) and the meter's device page; screenshots."""
    screenshots = instance.release == RELEASES[0][0]
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    [household] = [
        device for device in await meters(client, entry_id) if device["name"] == "Wohnung"
    ]
    card_page = await add_base_load_card(client)
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-dev-shm-usage"]
        )
        try:
            page = await browser.new_page(
                viewport={"width": 1400, "height": 1000}, timezone_id="Europe/Vienna"
            )
            await page.goto(instance.url)
            await page.get_by_role("textbox", name="Username").fill(USER)
            await page.get_by_role("textbox", name="Password").fill(PASSWORD)
            await page.get_by_role("button", name=re.compile("log in", re.IGNORECASE)).click()
            await page.wait_for_url(re.compile(r".*/(home|lovelace).*"), timeout=60_000)

            await page.goto(f"{instance.url}/energy")
            # Two days back: the day before yesterday is always published (yesterday from 6:00).
            previous = page.get_by_role("button", name=re.compile("previous", re.IGNORECASE))
            for _ in range(2):
                await previous.click()
                await page.wait_for_timeout(1000)
            await page.get_by_text("Wohnung consumption").first.wait_for(timeout=30_000)
            await showing(page, "Wohnung consumption", r"\d+(\.\d+)? kWh")
            await page.wait_for_timeout(4000)  # the charts animate in
            if screenshots:
                await page.screenshot(path=SCREENSHOTS / "energy-dashboard.png")

            await page.goto(f"{instance.url}/config/devices/device/{household['id']}")
            await page.get_by_text("Meter reading").first.wait_for(timeout=30_000)
            await showing(
                page,
                "Wohnung",
                "Wiener Netze",
                r"Meter reading \S+ kWh",
                "Unusual day",
                r"Base load \S+ W",
            )
            await page.wait_for_timeout(2000)
            if screenshots:
                await page.screenshot(path=SCREENSHOTS / "device.png")

            await page.goto(f"{instance.url}{card_page}")
            await page.get_by_text("Wohnung base load").first.wait_for(timeout=30_000)
            await showing(page, "Base load")
            await page.wait_for_timeout(4000)  # the chart animates in
            if screenshots:
                await page.screenshot(path=SCREENSHOTS / "base-load.png")

            await raise_a_setpoint(instance, client, page, screenshots)
        finally:
            await browser.close()


async def raise_a_setpoint(
    instance: Instance, client: HomeAssistantClient, page: Page, screenshots: bool
) -> None:
    """A Radialight zone's device page, its thermostat, one step up: the cloud follows."""
    [before] = [zone for zone in await instance.radialight_zones() if zone["name"] == "Soggiorno"]
    [devices] = await client.ws({"type": "config/device_registry/list"})
    [zone] = [device for device in devices if device["name"] == "Soggiorno"]
    await page.goto(f"{instance.url}/config/devices/device/{zone['id']}")
    await page.get_by_text(re.compile("Currently")).first.click()
    dialog = page.locator("ha-more-info-dialog")
    await dialog.get_by_text("Current temperature").first.wait_for(timeout=30_000)
    await dialog.locator("ha-outlined-icon-button").nth(1).click()  # the second is "+"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        [now] = [z for z in await instance.radialight_zones() if z["name"] == "Soggiorno"]
        if now["tComfort"] != before["tComfort"]:
            break
        await asyncio.sleep(0.5)
    assert now["tComfort"] == before["tComfort"] + 5  # tenths of a degree: 0.5 °C up
    assert now["tECO"] == before["tECO"]  # the rest of the configuration as it was
    # Home Assistant shows it once it has the cloud's answer.
    deadline = time.monotonic() + 30
    while True:
        states = await client.get("/api/states")
        [climate] = [
            state
            for state in states
            if state["entity_id"].startswith("climate.")
            and state["attributes"].get("friendly_name") == "Soggiorno"
        ]
        if climate["attributes"]["temperature"] == now["tComfort"] / 10:
            break
        assert time.monotonic() < deadline, climate["attributes"]
        await asyncio.sleep(0.5)
    if screenshots:
        await page.wait_for_timeout(1500)
        await page.screenshot(path=SCREENSHOTS / "radialight-zone.png")
