"""Deterministic quarter-hour energy for one local day: household load and solar production.

Values are whole watt-hours (the API's ``messwert`` is an integer in Wh). Every quarter hour of
a local day in Vienna is produced, so clock-change days have 92 or 100 of them.
"""

from __future__ import annotations

import math
import random
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

VIENNA = ZoneInfo("Europe/Vienna")
LATITUDE = math.radians(48.21)
LONGITUDE_DEG = 16.37
QUARTER = timedelta(minutes=15)


def day_bounds(day: date) -> tuple[datetime, datetime]:
    """Local midnight of ``day`` and of the next day, in UTC."""
    start = datetime.combine(day, time(), tzinfo=VIENNA).astimezone(UTC)
    end = datetime.combine(day + timedelta(days=1), time(), tzinfo=VIENNA).astimezone(UTC)
    return start, end


def quarter_starts(day: date) -> list[datetime]:
    """UTC starts of the quarter hours of a local day (92, 96 or 100 of them)."""
    start, end = day_bounds(day)
    count = int((end - start) / QUARTER)
    return [start + i * QUARTER for i in range(count)]


def _bump(hour: float, centre: float, width: float) -> float:
    return math.exp(-(((hour - centre) / width) ** 2) / 2)


def household_watts(
    local: datetime, season: float, weekend: bool, standby_w: float | None = None
) -> float:
    """Mean power of a Vienna flat at a local time: base load, morning and evening peaks.

    With ``standby_w`` the base load is that known standby power and nothing else: the result
    is ``standby_w`` plus the peaks (no seasonal base, no night dip), never below ``standby_w``.
    """
    hour = local.hour + local.minute / 60 + 7.5 / 60
    morning_peak = 550.0 * _bump(hour, 9.0 if weekend else 7.0, 0.9)
    noon_peak = 260.0 * _bump(hour, 12.5, 1.3) * (1.6 if weekend else 0.7)
    evening_peak = 820.0 * season * _bump(hour, 19.5, 1.6)
    if standby_w is not None:
        return standby_w + morning_peak + noon_peak + evening_peak
    # Summed in this order, the numbers the snapshot tests know.
    watts = 140.0 * season
    watts += morning_peak
    watts += noon_peak
    watts += evening_peak
    watts -= 60.0 * _bump(hour, 3.5, 1.5)
    return max(watts, 60.0)


def sun_elevation_sine(moment: datetime) -> float:
    """Sine of the sun's elevation in Vienna at a UTC moment (simple solar geometry)."""
    doy = moment.timetuple().tm_yday
    declination = math.radians(23.44) * math.sin(2 * math.pi * (284 + doy) / 365)
    b = 2 * math.pi * (doy - 81) / 364
    equation_of_time = 9.87 * math.sin(2 * b) - 7.53 * math.cos(b) - 1.5 * math.sin(b)
    solar_hours = moment.hour + moment.minute / 60 + LONGITUDE_DEG / 15 + equation_of_time / 60
    hour_angle = math.radians(15 * (solar_hours - 12))
    return math.sin(LATITUDE) * math.sin(declination) + math.cos(LATITUDE) * math.cos(
        declination
    ) * math.cos(hour_angle)


def season_factor(day: date) -> float:
    """Above 1 in winter (light, heating aids), below 1 in summer."""
    return 1.0 + 0.28 * math.cos(2 * math.pi * (day.timetuple().tm_yday - 15) / 365)


def day_profile(
    seed: str,
    meter: str,
    day: date,
    load_scale: float,
    pv_peak_kw: float,
    *,
    standby_w: float | None = None,
    extra_wh: int = 0,
    raise_w: float = 0.0,
) -> tuple[list[int], list[int]]:
    """Import and export energy (Wh) of each quarter hour of ``day``.

    Without PV all energy is import. With PV the household uses its own production first;
    what is left over is exported, what is missing imported.

    ``standby_w`` (None: the household profile's own base load) is a known standby power: the
    load is that plus the peaks, the noise and ``load_scale`` applying to the peaks only, so the
    night quarter hours are ``standby_w / 4`` Wh (but for an appliance now and then).
    ``raise_w`` is added to the load of every quarter hour (a raised standby). ``extra_wh`` is
    imported on top, after rounding, spread as whole Wh over the quarter hours from 18:00 to
    22:00 local time: the day's import grows by exactly that. The random draws are the same in
    every case, so the defaults give the same numbers as ever.
    """
    rng = random.Random(f"{seed}:{meter}:{day.isoformat()}")
    season = season_factor(day)
    weekend = day.weekday() >= 5
    # Summer days are clearer than winter days in Vienna.
    clearness = min(1.0, max(0.08, rng.betavariate(2.2, 1.4) * (1.15 - 0.3 * season + 0.28)))
    imports: list[int] = []
    exports: list[int] = []
    evening: list[int] = []  # indexes of the quarter hours from 18:00 to 22:00 local
    for index, start in enumerate(quarter_starts(day)):
        local = start.astimezone(VIENNA)
        if standby_w is None:
            load = household_watts(local, season, weekend) * load_scale * rng.uniform(0.75, 1.3)
        else:
            peaks = household_watts(local, season, weekend, 0.0)
            load = standby_w + peaks * load_scale * rng.uniform(0.75, 1.3)
        if raise_w:
            load += raise_w
        if rng.random() < 0.035:  # kettle, oven, washing machine
            load += rng.uniform(800, 2200)
        solar = 0.0
        if pv_peak_kw:
            elevation = sun_elevation_sine(start + QUARTER / 2)
            if elevation > 0:
                cloud = clearness * rng.uniform(0.85, 1.0) if clearness > 0.6 else clearness
                solar = pv_peak_kw * 1000 * 0.82 * elevation**1.15 * cloud
        net_wh = (load - solar) / 4
        imports.append(round(max(net_wh, 0.0)))
        exports.append(round(max(-net_wh, 0.0)))
        if 18 <= local.hour < 22:
            evening.append(index)
    if extra_wh:
        share, left = divmod(extra_wh, len(evening))
        for position, index in enumerate(evening):
            imports[index] += share + (1 if position < left else 0)
    return imports, exports
