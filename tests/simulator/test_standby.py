"""A known standby power and unusual days: the default unchanged, the night floor at the
standby, a day with extra consumption, a raised standby; set at start and while running."""

from __future__ import annotations

import hashlib
import statistics
from collections.abc import AsyncIterator
from datetime import date, datetime, timedelta
from typing import Any

import aiohttp
import pytest

from simulator.__main__ import parse_args
from simulator.account import (
    ACCOUNTS,
    DAILY,
    FEED_IN_ONLY,
    HOUSEHOLD,
    PHOTOVOLTAIC,
    MeterSpec,
    account,
    default_account,
)
from simulator.app import Simulator
from simulator.clock import SimClock
from simulator.command_line import apply_settings
from simulator.profiles import QUARTER, VIENNA, day_profile, household_watts, sun_elevation_sine
from simulator.server import RunningSimulator, start
from simulator.settings import Settings
from simulator.truth import MeterTruth
from tests.support import API_KEY, CLIENT_ID, NOW, SECRET

SPECS = {spec.number: spec for spec in default_account()}
CONSUMING = (HOUSEHOLD, PHOTOVOLTAIC, DAILY)
SMART = (*CONSUMING, FEED_IN_ONLY)
YEAR = [date(2026, 1, 1) + timedelta(days=i) for i in range(365)]
SIXTY_DAYS = YEAR[::6][:60]
# sha256 of the default account's true quarter hours in 2026, seed "tests", as they were before
# the standby existed (see year_digest): standby off must not change a single Wh.
DEFAULT_YEAR_DIGEST = "b49ab9239377ad39b59ddbfce9af661972455e2047d4474dc25fb57df1573f86"
SPIKE_W = 800 - 10  # an appliance adds 800 to 2200 W to a quarter hour


def settings(**changes: Any) -> Settings:
    """Settings with changes applied as ``--set`` / ``POST /_sim/settings`` apply them."""
    result = Settings()
    result.update(changes)
    return result


def truth(number: str, **changes: Any) -> MeterTruth:
    return MeterTruth(SPECS[number], "tests", settings(**changes))


def watts(truth: MeterTruth, day: date, first: int = 0, last: int = 24) -> list[int]:
    """Import power (W) of the day's quarter hours starting from ``first`` to ``last`` o'clock."""
    values = truth.day(day)
    return [
        wh * 4
        for start, wh in zip(values.starts, values.imports, strict=True)
        if first <= start.astimezone(VIENNA).hour < last
    ]


def floor_w(truth: MeterTruth, day: date) -> int:
    """The 10th percentile of the day's quarter-hour import power (W).

    Of the dark quarter hours for a meter with PV: by day the sun lowers its imports.
    """
    values = truth.day(day)
    pv = truth.spec.feeds_in_on(day)
    power = [
        wh * 4
        for start, wh in zip(values.starts, values.imports, strict=True)
        if not pv or sun_elevation_sine(start + QUARTER / 2) <= 0
    ]
    return sorted(power)[len(power) // 10]


def year_digest(make: Any) -> str:
    """sha256 of every smart meter's quarter hours (import and export) in 2026."""
    digest = hashlib.sha256()
    for spec in default_account():
        if spec.is_smart:
            meter = make(spec)
            for day in YEAR:
                values = meter.day(day)
                line = f"{spec.number}:{list(values.imports)}:{list(values.exports)}\n"
                digest.update(line.encode())
    return digest.hexdigest()


# -- standby off: the numbers as ever ------------------------------------------------------------


def test_standby_off_is_the_profile_as_ever() -> None:
    """Off (the default), a year of every meter is what it was, with the live settings or
    without, and what ``day_profile`` gives with its defaults."""
    live = Settings()
    assert live.standby is False
    assert year_digest(lambda spec: MeterTruth(spec, "tests", live)) == DEFAULT_YEAR_DIGEST
    assert year_digest(lambda spec: MeterTruth(spec, "tests")) == DEFAULT_YEAR_DIGEST
    for spec in default_account():
        if not spec.is_smart:
            continue
        with_settings, without = MeterTruth(spec, "tests", live), MeterTruth(spec, "tests")
        for day in YEAR:
            assert with_settings.standby_w(day) is None
            assert with_settings.extra_wh(day) == 0
            pv_peak_kw = spec.pv_peak_kw if spec.feeds_in_on(day) else 0.0
            imports, exports = day_profile("tests", spec.number, day, spec.load_scale, pv_peak_kw)
            explicit = day_profile(
                "tests",
                spec.number,
                day,
                spec.load_scale,
                pv_peak_kw,
                standby_w=None,
                extra_wh=0,
                raise_w=0.0,
            )
            assert explicit == (imports, exports)
            values = with_settings.day(day)
            assert list(values.exports) == exports
            assert list(values.imports) == (imports if spec.consumes else [0] * len(imports))
            assert values == without.day(day)
        for feed_in in (False, True) if spec.feeds_in else (False,):
            assert with_settings.register(YEAR[-1], feed_in) == without.register(YEAR[-1], feed_in)
        assert with_settings.tariff_register(YEAR[-1], 1) == without.tariff_register(YEAR[-1], 1)


def test_household_watts_with_a_standby() -> None:
    """None: as ever; a standby: it plus the peaks, never below it, nothing added at night."""
    for hour in range(24):
        local = datetime(2026, 1, 7, hour, 30, tzinfo=VIENNA)
        assert household_watts(local, 1.2, False, None) == household_watts(local, 1.2, False)
        assert household_watts(local, 1.2, False, 85.0) >= 85.0
    night = datetime(2026, 1, 7, 2, 0, tzinfo=VIENNA)
    assert household_watts(night, 1.2, False, 85.0) == pytest.approx(85.0, abs=0.01)
    evening = datetime(2026, 1, 7, 19, 30, tzinfo=VIENNA)
    assert household_watts(evening, 1.2, False, 85.0) > 85.0 + 800


def test_every_consuming_meter_has_a_standby() -> None:
    for name in ACCOUNTS:
        for spec in account(name):
            if spec.is_smart and spec.consumes:
                assert spec.standby_w > 0, (name, spec.number)
    assert (SPECS[HOUSEHOLD].standby_w, SPECS[PHOTOVOLTAIC].standby_w) == (85.0, 140.0)
    assert (SPECS[DAILY].standby_w, SPECS[FEED_IN_ONLY].standby_w) == (70.0, 0.0)


# -- standby on: the night floor is the standby --------------------------------------------------


@pytest.mark.parametrize("number", CONSUMING)
def test_night_floor_is_the_standby(number: str) -> None:
    """01:00-04:00 every quarter hour is the standby (within rounding) unless an appliance
    runs; the day's 10th percentile is the standby, and nothing is below it."""
    meter = truth(number, standby=True)
    standby = SPECS[number].standby_w
    for day in SIXTY_DAYS:
        assert meter.standby_w(day) == standby
        night = watts(meter, day, 1, 4)
        assert len(night) == 12
        for power in night:
            assert abs(power - standby) <= 4 or power >= standby + SPIKE_W, (day, night)
        assert abs(statistics.median(night) - standby) <= 4, day
        assert abs(floor_w(meter, day) - standby) <= 5, day
        if not SPECS[number].feeds_in_on(day):
            assert min(watts(meter, day)) >= standby - 2, day


def test_standby_on_keeps_the_feed_in_only_meter() -> None:
    """A metering point that does not consume has no standby: its feed-in as ever."""
    on, off = truth(FEED_IN_ONLY, standby=True), MeterTruth(SPECS[FEED_IN_ONLY], "tests")
    for day in SIXTY_DAYS:
        assert on.standby_w(day) == 0.0
        assert on.day(day) == off.day(day)
        assert set(on.day(day).imports) == {0}


@pytest.mark.parametrize(
    ("day", "count", "night"), [(date(2026, 3, 29), 92, 8), (date(2026, 10, 25), 100, 16)]
)
@pytest.mark.parametrize("number", CONSUMING)
def test_standby_on_clock_change_days(number: str, day: date, count: int, night: int) -> None:
    """The days of 92 and 100 quarter hours: the floor, the totals and registers agree."""
    meter = truth(number, standby=True, extra_kwh_days=[day])
    values = meter.day(day)
    assert len(values.starts) == len(values.imports) == len(values.exports) == count
    standby = SPECS[number].standby_w
    power = watts(meter, day, 1, 4)
    assert len(power) == night
    assert abs(statistics.median(power) - standby) <= 4
    assert abs(floor_w(meter, day) - standby) <= 5
    before = meter.register(day - timedelta(days=1), False)
    assert meter.register(day, False) - before == meter.day_total(day, False)
    usual = truth(number, standby=True)
    assert meter.day_total(day, False) - usual.day_total(day, False) == 6000


# -- a day with extra consumption ----------------------------------------------------------------

EXTRA_DAY = date(2026, 2, 14)


@pytest.mark.parametrize("standby", [False, True])
@pytest.mark.parametrize("number", CONSUMING)
def test_extra_day_adds_exactly_the_extra_kwh(number: str, standby: bool) -> None:
    """6 kWh more that day, in the evening quarter hours, all imported (the PV's feed-in as it
    was); other days as they were; the registers 6000 Wh higher from that day on."""
    usual = truth(number, standby=standby)
    sauna = truth(number, standby=standby, extra_kwh_days=[EXTRA_DAY.isoformat()])
    assert sauna.extra_wh(EXTRA_DAY) == 6000
    assert sauna.day_total(EXTRA_DAY, False) - usual.day_total(EXTRA_DAY, False) == 6000
    assert sauna.day(EXTRA_DAY).exports == usual.day(EXTRA_DAY).exports
    more = {
        start.astimezone(VIENNA).hour
        for start, extra, plain in zip(
            sauna.day(EXTRA_DAY).starts,
            sauna.day(EXTRA_DAY).imports,
            usual.day(EXTRA_DAY).imports,
            strict=True,
        )
        if extra != plain
    }
    assert more == {18, 19, 20, 21}
    for other in (EXTRA_DAY - timedelta(days=1), EXTRA_DAY + timedelta(days=1)):
        assert sauna.extra_wh(other) == 0
        assert sauna.day(other) == usual.day(other)
    before = EXTRA_DAY - timedelta(days=1)
    assert sauna.register(before, False) == usual.register(before, False)
    for later in (EXTRA_DAY, EXTRA_DAY + timedelta(days=30)):
        assert sauna.register(later, False) - usual.register(later, False) == 6000
        assert sauna.tariff_register(later, 1) - usual.tariff_register(later, 1) == 6000
        assert sauna.tariff_register(later, 2) == usual.tariff_register(later, 2)
    if SPECS[number].feeds_in:
        assert sauna.register(EXTRA_DAY, True) == usual.register(EXTRA_DAY, True)


def test_extra_day_of_some_meters_only_and_in_whole_wh() -> None:
    """``unusual_meters`` limits the extra day; an odd amount is split into whole Wh."""
    changes = {"extra_kwh_days": [EXTRA_DAY], "extra_kwh": "2.503", "unusual_meters": DAILY}
    for number in SMART:
        usual, unusual = truth(number), truth(number, **changes)
        grown = unusual.day_total(EXTRA_DAY, False) - usual.day_total(EXTRA_DAY, False)
        assert grown == (2503 if number == DAILY else 0), number
        assert unusual.day(EXTRA_DAY).exports == usual.day(EXTRA_DAY).exports
    feed_in_only = truth(FEED_IN_ONLY, extra_kwh_days=[EXTRA_DAY])
    assert feed_in_only.extra_wh(EXTRA_DAY) == 0  # it does not consume
    assert set(feed_in_only.day(EXTRA_DAY).imports) == {0}


def test_registers_follow_a_change_of_the_live_settings() -> None:
    """A run-time change starts a fresh accumulation; going back gives the old registers."""
    live = Settings()
    meter = MeterTruth(SPECS[HOUSEHOLD], "tests", live)
    later = EXTRA_DAY + timedelta(days=10)
    as_ever = meter.register(later, False)
    live.update({"extra_kwh_days": [EXTRA_DAY]})
    assert meter.register(later, False) == as_ever + 6000
    before = EXTRA_DAY - timedelta(days=1)
    assert meter.register(before, False) == MeterTruth(SPECS[HOUSEHOLD], "tests").register(
        before, False
    )
    live.update({"standby": True})
    on = meter.register(later, False)
    assert on != as_ever + 6000
    live.update({"extra_kwh_days": [], "standby": False})
    assert meter.register(later, False) == as_ever
    live.update({"standby": True})
    assert meter.register(later, False) == on - 6000


# -- a raised standby ----------------------------------------------------------------------------

RAISED_FROM = date(2026, 5, 4)


@pytest.mark.parametrize("standby", [True, False])
@pytest.mark.parametrize("number", CONSUMING)
def test_raised_standby_for_some_days(number: str, standby: bool) -> None:
    """For ``standby_raise_days`` from the day the floor is higher by the raise, then as before;
    with standby off the raise is added to every quarter hour (a day: 24 h of it)."""
    changes = {"standby": standby, "standby_raised_from": RAISED_FROM, "standby_raise_days": 3}
    usual, raised = truth(number, standby=standby), truth(number, **changes)
    for offset in range(-2, 6):
        day = RAISED_FROM + timedelta(days=offset)
        rise = 150 if 0 <= offset < 3 else 0
        assert abs(floor_w(raised, day) - floor_w(usual, day) - rise) <= 5, day
        if standby:
            assert raised.standby_w(day) == SPECS[number].standby_w + rise
        else:
            assert raised.standby_w(day) is None
        if not SPECS[number].feeds_in:
            grown = raised.day_total(day, False) - usual.day_total(day, False)
            assert abs(grown - rise * 24) <= 48, day  # each quarter hour rounds by ≤ 0.5 Wh


def test_raised_standby_for_good_and_of_some_meters() -> None:
    """``standby_raise_days=0`` lasts; ``unusual_meters`` limits it; another raise."""
    changes = {
        "standby": "on",
        "standby_raised_from": "2026-05-04",
        "standby_raise_days": "0",
        "standby_raise_w": "60",
        "unusual_meters": [HOUSEHOLD, FEED_IN_ONLY],
    }
    for day in (RAISED_FROM, RAISED_FROM + timedelta(days=400)):
        assert truth(HOUSEHOLD, **changes).standby_w(day) == 145.0
        assert abs(floor_w(truth(HOUSEHOLD, **changes), day) - 145) <= 5
        assert truth(DAILY, **changes).standby_w(day) == 70.0
        assert truth(FEED_IN_ONLY, **changes).standby_w(day) == 0.0
    assert truth(HOUSEHOLD, **changes).standby_w(RAISED_FROM - timedelta(days=1)) == 85.0


# -- at start and while running, over HTTP -------------------------------------------------------


async def headers(session: aiohttp.ClientSession, sim: RunningSimulator) -> dict[str, str]:
    form = {"grant_type": "client_credentials", "client_id": CLIENT_ID, "client_secret": SECRET}
    async with session.post(sim.token_url, data=form) as response:
        token = (await response.json())["access_token"]
    return {"Authorization": f"Bearer {token}", "x-Gateway-APIKey": API_KEY}


async def true_day(
    session: aiohttp.ClientSession, sim: RunningSimulator, number: str, day: date
) -> dict[str, Any]:
    params = {"zaehlpunkt": number, "datumVon": str(day), "datumBis": str(day)}
    async with session.get(f"{sim.url}/_sim/truth", params=params) as response:
        days: list[dict[str, Any]] = (await response.json())["days"]
    [answer] = days
    return answer


async def served(
    session: aiohttp.ClientSession, sim: RunningSimulator, number: str, day: date, value_type: str
) -> list[int]:
    """The consumption values the gateway serves for ``day`` (datumBis the day after)."""
    params = {
        "datumVon": str(day),
        "datumBis": str(day + timedelta(days=1)),
        "wertetyp": value_type,
    }
    url = f"{sim.api_url}/zaehlpunkte/{number}/messwerte"
    async with session.get(url, params=params, headers=await headers(session, sim)) as response:
        assert response.status == 200
        body = await response.json()
    [series] = [s for s in body["zaehlwerke"] if s["obisCode"] in ("1-1:1.9.0", "1-1:1.8.0")]
    day_start = datetime.combine(day, datetime.min.time(), tzinfo=VIENNA)
    return [
        entry["messwert"]
        for entry in series["messwerte"]
        if day_start <= datetime.fromisoformat(entry["zeitVon"]) < day_start + timedelta(days=1)
    ]


@pytest.fixture
async def started(socket_enabled: None) -> AsyncIterator[RunningSimulator]:
    """A simulator started as ``python -m simulator --set standby=true --set ...`` starts one."""
    args = parse_args(
        ["--set", "standby=true", "--set", "extra_kwh_days=2026-11-19", "--set", "estimate_share=0"]
    )
    start_settings = Settings(client_id=CLIENT_ID, client_secret=SECRET, api_key=API_KEY)
    apply_settings(start_settings, args.set)
    sim = Simulator(seed="tests", clock=SimClock(NOW, frozen=True), settings=start_settings)
    running = await start(sim)
    yield running
    await running.stop()


async def test_standby_at_start_and_switched_while_running(
    session: aiohttp.ClientSession, started: RunningSimulator
) -> None:
    """Given at start, the truth and the readings answers carry the standby and the extra day;
    switched off over ``POST /_sim/settings`` they are as ever, and back on as at start."""
    day = date(2026, 11, 19)
    spec: MeterSpec = SPECS[HOUSEHOLD]
    on = MeterTruth(spec, "tests", settings(standby=True, extra_kwh_days=[day]))
    as_ever = MeterTruth(spec, "tests")

    answer = await true_day(session, started, HOUSEHOLD, day)
    assert (answer["standby_w"], answer["extra_wh"]) == (85.0, 6000)
    assert answer["consumption_wh"] == list(on.day(day).imports)
    assert answer["register_wh"] == on.register(day, False)
    assert (
        await served(session, started, HOUSEHOLD, day, "QUARTER_HOUR") == answer["consumption_wh"]
    )
    assert await served(session, started, HOUSEHOLD, day, "DAY") == [on.day_total(day, False)]
    assert await served(session, started, HOUSEHOLD, day, "METER_READ") == [answer["register_wh"]]
    feed_in_only = await true_day(session, started, FEED_IN_ONLY, day)
    assert (feed_in_only["standby_w"], feed_in_only["extra_wh"]) == (None, None)
    pv = await true_day(session, started, PHOTOVOLTAIC, day)
    assert (pv["standby_w"], pv["extra_wh"]) == (140.0, 6000)

    async with session.post(
        f"{started.url}/_sim/settings", json={"standby": False, "extra_kwh_days": []}
    ) as response:
        assert response.status == 200
    answer = await true_day(session, started, HOUSEHOLD, day)
    assert (answer["standby_w"], answer["extra_wh"]) == (None, 0)
    assert answer["consumption_wh"] == list(as_ever.day(day).imports)
    assert await served(session, started, HOUSEHOLD, day, "DAY") == [as_ever.day_total(day, False)]
    assert await served(session, started, HOUSEHOLD, day, "METER_READ") == [
        as_ever.register(day, False)
    ]

    async with session.post(f"{started.url}/_sim/reset") as response:
        assert response.status == 200
    answer = await true_day(session, started, HOUSEHOLD, day)
    assert (answer["standby_w"], answer["extra_wh"]) == (85.0, 6000)
    assert answer["register_wh"] == on.register(day, False)


async def test_bad_values_are_refused_over_http(
    session: aiohttp.ClientSession, started: RunningSimulator
) -> None:
    for change, name in (
        ({"extra_kwh": -1}, "extra_kwh"),
        ({"standby_raise_days": -1}, "standby_raise_days"),
        ({"extra_kwh_days": "notadate"}, "extra_kwh_days"),
    ):
        async with session.post(f"{started.url}/_sim/settings", json=change) as response:
            assert response.status == 400
            assert name in (await response.json())["error"]
    async with session.get(f"{started.url}/_sim/state") as response:
        state = (await response.json())["settings"]
    assert (state["extra_kwh"], state["standby_raise_days"]) == (6.0, 1)
    assert state["extra_kwh_days"] == ["2026-11-19"]


# -- bad values ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("extra_kwh", -1),
        ("extra_kwh", "nan"),
        ("standby_raise_days", -1),
        ("standby_raise_days", "1.5"),
        ("standby_raise_w", "-150"),
        ("extra_kwh_days", "notadate"),
        ("standby_raised_from", "tomorrow"),
        ("standby", "maybe"),
    ],
)
def test_bad_values_are_refused_naming_the_setting(name: str, value: object) -> None:
    start_settings = Settings()
    with pytest.raises(ValueError, match=name):
        start_settings.update({name: value})
    assert start_settings == Settings()  # all or nothing
    with pytest.raises(SystemExit, match=name):
        apply_settings(Settings(), [f"{name}={value}"])
