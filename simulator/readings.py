"""The readings the gateway serves: truth, as published at the simulated time, with faults.

Day D becomes visible on D+1 at the publication hour. Some days are first published as EST with
different values and replaced by VAL a few days later. Faults that corrupt quarter hours
(missing, duplicated, scaled, spike) leave day totals and registers right, as in March 2026.
A delivery outage holds days back and then releases them at once; a meter switching to quarter
hours during a day has them from that moment on, the switch day's ones published late.
"""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from .account import MeterSpec
from .profiles import QUARTER, VIENNA, day_bounds
from .settings import Settings
from .truth import MeterTruth

INTERVAL_OBIS = {False: "1-1:1.9.0", True: "1-1:2.9.0"}
REGISTER_OBIS = {False: "1-1:1.8.0", True: "1-1:2.8.0"}
TARIFF_OBIS = {1: "1-1:1.8.1", 2: "1-1:1.8.2"}
SPIKE_WH = 23_944_000  # the 23,944 kWh quarter hour of March 2026
VALUE_TYPES = ("QUARTER_HOUR", "DAY", "METER_READ")


def published_at(day: date, settings: Settings) -> datetime:
    """When day ``day`` becomes visible: the next day at the publication hour, local time."""
    return publication_hour(day + timedelta(days=1), settings)


def publication_hour(day: date, settings: Settings) -> datetime:
    """The publication hour of the local day ``day``, in UTC."""
    local = datetime.combine(day, time(settings.publish_hour), tzinfo=VIENNA)
    return local.astimezone(UTC)


def estimate_factor(seed: str, meter: str, day: date, settings: Settings) -> float | None:
    """The factor of a day first published as an estimate, or None for a day published as VAL."""
    rng = random.Random(f"{seed}:estimate:{meter}:{day.isoformat()}")
    if rng.random() >= settings.estimate_share:
        return None
    return rng.uniform(1.06, 1.18) if rng.random() < 0.5 else rng.uniform(0.82, 0.94)


class Formatter:
    """Writes times, units and values in the configured response form."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def time(self, moment: datetime) -> str:
        """A timestamp in one of the forms the real API was seen to use."""
        style = self.settings.time_style
        if style == "offset":
            return moment.astimezone(VIENNA).isoformat(timespec="seconds")
        utc = moment.astimezone(UTC)
        if style == "z":
            return utc.strftime("%Y-%m-%dT%H:%M:%SZ")
        if style == "plus0000":
            return utc.strftime("%Y-%m-%dT%H:%M:%S+0000")
        return utc.strftime("%Y-%m-%dT%H:%M:%S.000Z")

    @property
    def unit(self) -> str:
        """The ``einheit`` of series with values."""
        return self.settings.wrong_unit or self.settings.unit_style

    def value(self, wh: int) -> int | float:
        """A value in the configured unit (the wrong-unit fault keeps Wh numbers)."""
        if self.settings.wrong_unit is None and self.settings.unit_style.upper() == "KWH":
            return round(wh / 1000, 3)
        return wh if self.settings.value_style == "int" else float(wh)


class MeterView:
    """What the gateway shows of one meter at a given simulated time."""

    def __init__(self, truth: MeterTruth, settings: Settings) -> None:
        self.truth = truth
        self.settings = settings
        self.format = Formatter(settings)

    @property
    def switch_moment(self) -> datetime | None:
        """When this meter switches to quarter hours (``opt_in_meter``, ``opt_in_at``), or None."""
        spec = self.truth.spec
        if self.settings.opt_in_meter != spec.number or not spec.is_smart:
            return None
        return self.settings.opt_in_at

    @property
    def switch_day(self) -> date | None:
        """The local day of the switch to quarter hours, or None."""
        moment = self.switch_moment
        return None if moment is None else moment.astimezone(VIENNA).date()

    @property
    def spec(self) -> MeterSpec:
        """The meter as the settings make it: a switching meter has quarter hours from its day."""
        switch_day = self.switch_day
        if switch_day is None:
            return self.truth.spec
        return replace(self.truth.spec, granularity="QUARTER_HOUR", quarter_hours_from=switch_day)

    def withheld(self, day: date) -> bool:
        """Whether a delivery outage (``outage_*``) covers ``day`` of this meter."""
        settings = self.settings
        if settings.outage_from is None or day < settings.outage_from:
            return False
        return not settings.outage_meters or self.truth.spec.number in settings.outage_meters

    def publication(self, day: date, value_type: str) -> datetime | None:
        """When ``day`` becomes visible as ``value_type``; None while an open outage holds it.

        The switch day's quarter hours come ``opt_in_delay_days`` after its day value; an outage
        that ends releases every day it held back at once.
        """
        settings = self.settings
        moment = published_at(day, settings)
        if value_type == "QUARTER_HOUR" and day == self.switch_day:
            moment += timedelta(days=settings.opt_in_delay_days)
        if not self.withheld(day):
            return moment
        if settings.outage_ends_on is None:
            return None
        return max(moment, publication_hour(settings.outage_ends_on, settings))

    def visible(self, day: date, now: datetime, value_type: str = "DAY") -> bool:
        """Installed, published as ``value_type``, and within the retention period."""
        publication = self.publication(day, value_type)
        if day < self.truth.spec.installed or publication is None or now < publication:
            return False
        if day in self.settings.undelivered_days:
            return False
        today = now.astimezone(VIENNA).date()
        return (today - day).days <= self.settings.retention_days

    def estimated(self, day: date, now: datetime) -> float | None:
        """The estimate factor while ``day`` is still published as EST, else None."""
        factor = estimate_factor(self.truth.seed, self.truth.spec.number, day, self.settings)
        revised = published_at(day, self.settings) + timedelta(days=self.settings.revision_days)
        return factor if factor is not None and now < revised else None

    def quarter_hours(
        self, day: date, feed_in: bool, now: datetime
    ) -> list[tuple[datetime, int, str]]:
        """(start, Wh, quality) of each quarter hour as published, faults applied."""
        values = self.truth.day(day)
        factor = self.estimated(day, now)
        quality = "EST" if factor else "VAL"
        rows = [
            (start, round(wh * factor) if factor else wh, quality)
            for start, wh in zip(values.starts, values.values(feed_in), strict=True)
        ]
        switch = self.switch_moment
        if switch is not None and day == self.switch_day:
            rows = [row for row in rows if row[0] >= switch]  # none before the switch
        settings = self.settings
        if day in settings.scaled_days:
            rows = [(start, wh * 10, q) for start, wh, q in rows]
        if day in settings.spike_days and len(rows) > 50:
            start, _, q = rows[50]
            rows[50] = (start, SPIKE_WH, q)
        if day in settings.missing_interval_days:
            rows = rows[:40] + rows[44:]
        if day in settings.duplicated_interval_days:
            rows = [row for row in rows for _ in (0, 1)]
        return rows

    def day_value(self, day: date, feed_in: bool, now: datetime) -> tuple[int, str]:
        """The day total (sum of the published quarter hours without faults) and its quality."""
        values = self.truth.day(day).values(feed_in)
        factor = self.estimated(day, now)
        if factor:
            return sum(round(wh * factor) for wh in values), "EST"
        return sum(values), "VAL"

    def register(self, day: date, feed_in: bool) -> int:
        """The register at the end of ``day``; a replaced meter starts again from zero."""
        settings = self.settings
        replaced = settings.replacement_day
        if settings.replaced_meter == self.truth.spec.number and replaced and day >= replaced:
            before = self.truth.register(replaced - timedelta(days=1), feed_in)
            return self.truth.register(day, feed_in) - before
        return self.truth.register(day, feed_in)

    def registers(self, days: list[date]) -> list[bool]:
        """The flows the meter has on these days (False: consumption, True: feed-in).

        Consumption where it consumes, feed-in once its PV exists: a register added later is
        not listed for the days before.
        """
        spec = self.spec
        flows = [False] if spec.consumes else []
        if any(spec.feeds_in_on(day) for day in days):
            flows.append(True)
        return flows

    def zaehlwerke(self, days: list[date], value_type: str, now: datetime) -> list[dict[str, Any]]:
        """The ``zaehlwerke`` list for the given days and value type."""
        spec = self.spec
        if not spec.is_smart:
            return []
        visible = [day for day in days if self.visible(day, now, value_type)]
        result: list[dict[str, Any]] = []
        for feed_in in self.registers(days):
            shown = [day for day in visible if not feed_in or spec.feeds_in_on(day)]
            if value_type == "QUARTER_HOUR":
                shown = [day for day in shown if spec.quarter_hours_on(day)]
                if not any(spec.quarter_hours_on(day) for day in days):
                    # Quarter hours not enabled: the series exists, without values and unit.
                    result.append(
                        {"obisCode": INTERVAL_OBIS[feed_in], "einheit": None, "messwerte": []}
                    )
                    continue
            messwerte = self._messwerte(shown, value_type, feed_in, now)
            if self.settings.reverse_order:
                messwerte.reverse()
            obis = REGISTER_OBIS[feed_in] if value_type == "METER_READ" else INTERVAL_OBIS[feed_in]
            result.append({"obisCode": obis, "einheit": self.format.unit, "messwerte": messwerte})
        if value_type == "METER_READ" and spec.number in self.settings.tariff_meters:
            for tariff, obis in TARIFF_OBIS.items():
                messwerte = [
                    self._entry(*day_bounds(day), self.truth.tariff_register(day, tariff), "VAL")
                    for day in visible
                ]
                result.append(
                    {"obisCode": obis, "einheit": self.format.unit, "messwerte": messwerte}
                )
        if self.settings.other_register and value_type != "METER_READ":
            messwerte = [self._entry(*day_bounds(day), 1234, "VAL") for day in visible]
            result.append({"obisCode": "1-1:3.9.0", "einheit": "WH", "messwerte": messwerte})
        self._spoil(result, value_type)
        if self.settings.reverse_order:
            result.reverse()
        return result

    def _spoil(self, result: list[dict[str, Any]], value_type: str) -> None:
        """The bad-value faults: one value of this meter, or one register's unit.

        The value spoiled is the first quarter hour where the meter has them all that day, else
        its day value: the day's other source stays readable.
        """
        settings = self.settings
        if settings.bad_unit_meter == self.truth.spec.number:
            for register in result:
                if register["messwerte"]:
                    register["einheit"] = "VARH"
                    break
        if settings.bad_value is None or settings.bad_value_day is None:
            return
        day = settings.bad_value_day
        whole_day = self.spec.quarter_hours_on(day) and day != self.switch_day
        wanted = "QUARTER_HOUR" if whole_day else "DAY"
        if value_type != wanted:
            return
        day_start = self.format.time(day_bounds(day)[0])
        for register in result:
            for entry in register["messwerte"]:
                if entry["zeitVon"] == day_start:
                    _spoil_value(entry, settings.bad_value)
                    return

    def _messwerte(
        self, days: list[date], value_type: str, feed_in: bool, now: datetime
    ) -> list[dict[str, Any]]:
        out = []
        for day in days:
            if value_type == "QUARTER_HOUR":
                for start, wh, quality in self.quarter_hours(day, feed_in, now):
                    out.append(self._entry(start, start + QUARTER, wh, quality))
                continue
            start, end = day_bounds(day)
            if value_type == "DAY":
                wh, quality = self.day_value(day, feed_in, now)
            else:
                wh, quality = self.register(day, feed_in), "VAL"
            out.append(self._entry(start, end, wh, quality))
        return out

    def _entry(self, start: datetime, end: datetime, wh: int, quality: str) -> dict[str, Any]:
        return {
            "messwert": self.format.value(wh),
            "qualitaet": quality,
            "zeitVon": self.format.time(start),
            "zeitBis": self.format.time(end),
        }


def _spoil_value(entry: dict[str, Any], how: str) -> None:
    """Make one ``messwert`` object unreadable in the way the fault names."""
    if how == "empty":  # JSON null
        entry["messwert"] = None
    elif how == "negative":
        entry["messwert"] = -abs(entry["messwert"] or 1)
    elif how == "text":
        entry["messwert"] = "n/a"
    elif how == "reversed":
        entry["zeitBis"], entry["zeitVon"] = entry["zeitVon"], entry["zeitBis"]
    else:
        raise ValueError(f"unknown bad value {how!r}")
