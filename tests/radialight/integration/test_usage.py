"""The account's and zones' usage: sensors, the Energy dashboard's statistics, the schedule of
``/usage`` reads, outages, a long downtime, and diagnostics."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.climate import ATTR_TEMPERATURE, SERVICE_SET_TEMPERATURE
from homeassistant.components.recorder import history
from homeassistant.const import ATTR_ENTITY_ID, STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers.recorder import get_instance
from homeassistant.util import dt as dt_util
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.components.recorder.common import (
    async_wait_recording_done,
)

from custom_components.radialight_cloud import usage_statistics
from custom_components.radialight_cloud.const import (
    CONF_USAGE_SENSORS,
    CONF_USAGE_UNIT,
    DOMAIN,
)
from custom_components.radialight_cloud.diagnostics import async_get_config_entry_diagnostics
from custom_components.radialight_cloud.usage_schedule import newest_expected
from custom_components.radialight_cloud.usage_statistics import account_series, zone_series
from radialight_simulator.account import SimZone
from radialight_simulator.app import RadialightSimulator
from tests.integration.statistics_support import stored_rows
from tests.radialight.conftest import NOW
from tests.radialight.integration.conftest import set_up
from tests.recorder_hold import HOLD_SECONDS, hold_recorder

HOUR = timedelta(hours=1)
# When a bucket stops growing in the simulator (its "usage_grows_for_minutes").
SETTLED = timedelta(minutes=75)


def sensor(hass: HomeAssistant, unique_id: str) -> Any:
    """The state of one of this integration's sensors."""
    entity_id = er.async_get(hass).async_get_entity_id("sensor", DOMAIN, unique_id)
    assert entity_id is not None, unique_id
    return hass.states.get(entity_id)


async def stored(hass: HomeAssistant, statistic_id: str) -> dict[datetime, dict[str, Any]]:
    """Every hourly row of a statistic once the recorder wrote what it was given."""
    await async_wait_recording_done(hass)
    return await stored_rows(hass, statistic_id)


def truth_kwh(sim: RadialightSimulator, zone: SimZone | None = None) -> dict[datetime, float]:
    """Each hour's whole usage so far, kWh."""
    return {hour: wh / 1000 for hour, wh in sim.account.truth(zone).items()}


def assert_rows_are_the_truth(
    rows: dict[datetime, dict[str, Any]],
    truth: dict[datetime, float],
    first: datetime,
    now: datetime,
) -> None:
    """From ``first``, one row per hour; settled hours change by the truth; sum = state = the
    running total of the changes; nothing before ``first``."""
    assert min(rows) == first
    expected = [first + index * HOUR for index in range(len(rows))]
    assert sorted(rows) == expected
    total = 0.0
    for start in expected:
        row = rows[start]
        total += row["change"]
        assert row["sum"] == pytest.approx(total, abs=1e-6)
        assert row["state"] == pytest.approx(row["sum"], abs=1e-6)
        if start + SETTLED <= now:
            assert row["change"] == pytest.approx(truth[start], abs=1e-6), start


async def step(
    hass: HomeAssistant,
    entry: MockConfigEntry,
    sim: RadialightSimulator,
    freezer: FrozenDateTimeFactory,
    moment: datetime,
) -> None:
    """Home Assistant and the cloud at ``moment``; one poll and what it started."""
    freezer.move_to(moment)
    sim.clock.set(moment, frozen=True)
    await entry.runtime_data.async_refresh()
    await hass.async_block_till_done(wait_background_tasks=True)


def account_id(entry: MockConfigEntry) -> str:
    """The statistic id of the account's usage."""
    assert entry.unique_id is not None
    return account_series(entry.unique_id).statistic_id


async def test_usage_sensors_show_the_buckets_with_the_seed_attributes(
    hass: HomeAssistant, entry: MockConfigEntry, rl_state: RadialightSimulator
) -> None:
    """Last hour (the newest ended bucket), today (local day), rolling 24 h, in kWh; the
    attributes of the seed; each zone's usage today is its own buckets' sum."""
    uid = entry.unique_id
    buckets = {
        hour: wh / 1000
        for hour, wh in rl_state.account.usage(None, NOW, hours=24, shows_after=35, grows_for=75)
    }
    last_hour = sensor(hass, f"{uid}_usage_last_hour")
    assert float(last_hour.state) == pytest.approx(buckets[datetime(2026, 12, 2, 9, tzinfo=UTC)])
    assert last_hour.attributes["unit_of_measurement"] == "kWh"
    assert last_hour.attributes["device_class"] == "energy"
    day_start = dt_util.start_of_local_day(dt_util.as_local(NOW))
    today = sum(value for hour, value in buckets.items() if hour >= day_start)
    # The cloud rounds each bucket to a thousandth of its unit.
    assert float(sensor(hass, f"{uid}_usage_today").state) == pytest.approx(today, abs=1e-4)
    rolling = sensor(hass, f"{uid}_usage_24h")
    assert float(rolling.state) == pytest.approx(sum(buckets.values()), abs=1e-4)
    attributes = rolling.attributes
    assert attributes["unit_hint"] == "kWh (one cloud unit read as 1 Wh)"
    assert attributes["point_count"] == len(buckets) == 23
    assert attributes["series_start"] == min(buckets).isoformat()
    assert attributes["series_end"] == max(buckets).isoformat()
    assert attributes["stale"] is False
    assert [p["timestamp"] for p in attributes["last_48_hours"]] == [
        hour.isoformat() for hour in sorted(buckets)
    ]
    # A zone's usage today: its own buckets since local midnight.
    cold = rl_state.account.zones[2]
    zone_today = sensor(hass, f"{cold.id}_usage_today")
    zone_truth = {
        hour: wh / 1000
        for hour, wh in rl_state.account.usage(cold, NOW, hours=24, shows_after=35, grows_for=75)
        if hour >= day_start
    }
    assert float(zone_today.state) == pytest.approx(sum(zone_truth.values()), abs=1e-4)


async def test_a_zone_without_usage_shows_zero(
    hass: HomeAssistant,
    rl_cloud: Any,
    rl_state: RadialightSimulator,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Zero usage is 0, not unknown: a zone whose only radiator was offline all day."""
    zone = rl_state.account.add_zone("Cantina", [("KLIMA", 800)])
    rl_state.settings.offline_products = [zone.products[0].id]
    later = NOW + 3 * HOUR
    rl_state.clock.set(later, frozen=True)
    rl_state.now()
    freezer.move_to(later)
    await set_up(hass, rl_cloud, rl_state)
    assert sensor(hass, f"{zone.id}_usage_today").state == "0.0"


async def test_a_week_of_overlapping_answers_gives_each_hour_once(
    hass: HomeAssistant,
    entry: MockConfigEntry,
    rl_state: RadialightSimulator,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Polled every 20 minutes for a week: each answer overlaps the last by 23 hours; every
    settled hour of the account and of each zone equals the truth, from the first answer's
    oldest hour on; a bucket that grew after it was first written changed its hour."""
    first = NOW.replace(minute=0) - 23 * HOUR
    account = account_id(entry)
    moment = NOW
    first_written: dict[datetime, float] = {}
    for _ in range(7 * 24 * 3):
        moment += timedelta(minutes=20)
        await step(hass, entry, rl_state, freezer, moment)
        if moment.minute == 50 and moment.hour in (7, 12, 18):
            # The bucket of this hour was just read for the first time, while it grows.
            hour = moment.replace(minute=0)
            first_written[hour] = (await stored(hass, account))[hour]["change"]
    rows = await stored(hass, account)
    assert_rows_are_the_truth(rows, truth_kwh(rl_state), first, moment)
    assert max(rows) == newest_expected(moment)
    grown = [hour for hour, value in first_written.items() if value < rows[hour]["change"] - 1e-6]
    assert len(grown) > len(first_written) / 2
    for zone in rl_state.account.zones:
        zone_id = zone_series(entry.unique_id or "", zone.id, None).statistic_id
        assert_rows_are_the_truth(
            await stored(hass, zone_id), truth_kwh(rl_state, zone), first, moment
        )


async def test_a_restart_keeps_the_statistics_and_counts_nothing_twice(
    hass: HomeAssistant,
    entry: MockConfigEntry,
    rl_state: RadialightSimulator,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Reloaded twice within the cloud's 24 hours: the statistics go on from the recorder, each
    hour once, no issue raised."""
    account = account_id(entry)
    moment = NOW
    for pause in (timedelta(hours=5), timedelta(hours=20, minutes=30)):
        moment += pause
        freezer.move_to(moment)
        rl_state.clock.set(moment, frozen=True)
        assert await hass.config_entries.async_reload(entry.entry_id)
        await hass.async_block_till_done(wait_background_tasks=True)
    assert_rows_are_the_truth(
        await stored(hass, account), truth_kwh(rl_state), NOW.replace(minute=0) - 23 * HOUR, moment
    )
    assert not [i for (d, i) in ir.async_get(hass).issues if d == DOMAIN]


async def test_hours_lost_over_a_long_downtime_are_named_never_filled(
    hass: HomeAssistant,
    entry: MockConfigEntry,
    rl_state: RadialightSimulator,
    freezer: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Home Assistant off for 30 hours: the hours the cloud no longer shows stay empty, the sum
    goes on from the last hour written, and one repair issue names the range."""
    account = account_id(entry)
    before = await stored(hass, account)
    last_written = max(before)
    assert await hass.config_entries.async_unload(entry.entry_id)
    moment = NOW + timedelta(hours=30)
    freezer.move_to(moment)
    rl_state.clock.set(moment, frozen=True)
    rl_state.now()
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)
    rows = await stored(hass, account)
    truth = truth_kwh(rl_state)
    oldest_shown = moment.replace(minute=0) - 23 * HOUR
    lost = [h for h in truth if last_written < h < oldest_shown]
    assert len(lost) == 7  # 10:00 to 16:00: the cloud shows 17:00 on
    assert not set(lost) & set(rows)
    assert rows[oldest_shown]["sum"] == pytest.approx(
        before[last_written]["sum"] + truth[oldest_shown], abs=1e-6
    )
    issues = [
        issue
        for (domain, _), issue in ir.async_get(hass).issues.items()
        if domain == DOMAIN and issue.translation_key == "usage_lost"
    ]
    assert len(issues) == 1
    assert issues[0].is_persistent  # found once: it must outlive a restart
    placeholders = issues[0].translation_placeholders or {}
    assert placeholders["hours"] == "7"
    assert placeholders["start"] == f"{dt_util.as_local(lost[0]):%Y-%m-%d %H:%M}"
    assert placeholders["end"] == f"{dt_util.as_local(lost[-1] + HOUR):%Y-%m-%d %H:%M}"
    # Every zone lost the same hours: one issue names them all.
    assert placeholders["series"].count("energy") == 1 + len(rl_state.account.zones)
    assert caplog.text.count("can no longer be read") == 1
    # Removing the entry removes its issues (the statistics stay).
    assert await hass.config_entries.async_remove(entry.entry_id)
    assert not [i for (d, i) in ir.async_get(hass).issues if d == DOMAIN]
    assert await stored(hass, account)


async def test_a_refresh_token_revoked_before_a_usage_read_asks_for_new_credentials(
    hass: HomeAssistant,
    entry: MockConfigEntry,
    rl_state: RadialightSimulator,
    freezer: FrozenDateTimeFactory,
) -> None:
    """The ID token expires and the refresh token is refused when usage is read: Home
    Assistant asks for new credentials; the usage stays as it was."""
    rl_state.settings.revoked = True
    rl_state.id_tokens.clear()
    entry.runtime_data.usage.schedule.next_at = None
    entry.runtime_data.usage.start_if_due({}, entry.runtime_data.async_update_listeners)
    await hass.async_block_till_done(wait_background_tasks=True)
    flows = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert [flow["context"]["source"] for flow in flows] == ["reauth"]
    assert entry.runtime_data.usage.account.stale


async def test_a_usage_outage_keeps_the_last_points_and_the_zones_working(
    hass: HomeAssistant,
    entry: MockConfigEntry,
    rl_state: RadialightSimulator,
    freezer: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """/usage answers 503 for hours: the usage sensors keep their values, marked stale, the
    outage is logged once per series, the climate entities go on; then it answers again."""
    uid = entry.unique_id
    shown = sensor(hass, f"{uid}_usage_24h").attributes["last_48_hours"]
    rl_state.settings.usage_down = True
    moment = NOW
    for _ in range(12):
        moment += timedelta(minutes=30)
        await step(hass, entry, rl_state, freezer, moment)
    state = sensor(hass, f"{uid}_usage_24h")
    assert state.attributes["last_48_hours"] == shown
    assert state.attributes["stale"] is True
    # One warning for the outage, naming every series.
    assert caplog.text.count("Usage could not be read") == 1
    assert caplog.text.count("the cloud failed (503)") == 1 + len(rl_state.account.zones)
    zone = rl_state.account.zones[0]
    climate = er.async_get(hass).async_get_entity_id("climate", DOMAIN, f"{zone.id}_climate")
    assert hass.states.get(climate).state != STATE_UNAVAILABLE
    await hass.services.async_call(
        "climate",
        SERVICE_SET_TEMPERATURE,
        {ATTR_ENTITY_ID: climate, ATTR_TEMPERATURE: 22.5},
        blocking=True,
    )
    assert zone.t_comfort == 225
    rl_state.settings.usage_down = False
    moment += timedelta(hours=1)
    await step(hass, entry, rl_state, freezer, moment)
    assert sensor(hass, f"{uid}_usage_24h").attributes["stale"] is False
    assert caplog.text.count("Usage is read again") == 1
    assert_rows_are_the_truth(
        await stored(hass, account_id(entry)),
        truth_kwh(rl_state),
        NOW.replace(minute=0) - 23 * HOUR,
        moment,
    )


async def test_an_unparsable_usage_answer_costs_that_answer(
    hass: HomeAssistant,
    entry: MockConfigEntry,
    rl_state: RadialightSimulator,
    freezer: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A /usage body that is not the expected form: a warning, the last points stay, no
    exception in the update; the next read brings it all."""
    rl_state.settings.malformed_usage_next = 1
    moment = NOW + timedelta(minutes=40)
    await step(hass, entry, rl_state, freezer, moment)
    assert entry.runtime_data.last_update_success
    assert "no list of values" in caplog.text
    assert sensor(hass, f"{entry.unique_id}_usage_24h").attributes["stale"] is True
    moment += timedelta(hours=1)
    await step(hass, entry, rl_state, freezer, moment)
    assert sensor(hass, f"{entry.unique_id}_usage_24h").attributes["stale"] is False


async def test_usage_is_read_when_a_new_bucket_can_exist_not_on_every_poll(
    hass: HomeAssistant,
    entry: MockConfigEntry,
    rl_state: RadialightSimulator,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Polled every minute for six hours: /zones 360 times, /usage once an hour for the account
    and each zone (the public integration's pattern: 360 times each). (ID tokens live long
    here: the client's clock does not move with the test's.)"""
    for token in rl_state.id_tokens:
        rl_state.id_tokens[token] = NOW + timedelta(days=1)
    before = dict(rl_state.counts)
    moment = NOW
    for _ in range(6 * 60):
        moment += timedelta(minutes=1)
        await step(hass, entry, rl_state, freezer, moment)
    zones = len(rl_state.account.zones)
    assert rl_state.counts["zones"] - before["zones"] == 6 * 60
    assert rl_state.counts["usage"] - before["usage"] == 6 * (1 + zones)


async def test_a_late_bucket_is_looked_for_again_soon(
    hass: HomeAssistant,
    entry: MockConfigEntry,
    rl_state: RadialightSimulator,
    freezer: FrozenDateTimeFactory,
) -> None:
    """The newest bucket shows 50 minutes after its hour instead of 35: the read at :40 misses
    it, the one 15 minutes later finds it."""
    rl_state.settings.usage_shows_after_minutes = 50
    zones = len(rl_state.account.zones)
    moment = NOW.replace(minute=39)
    await step(hass, entry, rl_state, freezer, moment)
    counted = rl_state.counts["usage"]
    for minutes in range(1, 30):
        await step(hass, entry, rl_state, freezer, moment + timedelta(minutes=minutes))
    assert rl_state.counts["usage"] - counted == 2 * (1 + zones)
    series = entry.runtime_data.usage.account
    assert max(series.points) == NOW.replace(minute=0)


async def test_the_unit_option_scales_the_values(
    hass: HomeAssistant, rl_cloud: Any, rl_state: RadialightSimulator
) -> None:
    """The cloud sends tens of Wh and the option says so from the start: sensors and
    statistics in kWh equal what the cloud measured."""
    rl_state.settings.usage_unit = "10Wh"
    entry = await set_up(hass, rl_cloud, rl_state, {CONF_USAGE_UNIT: "10wh"})
    state = sensor(hass, f"{entry.unique_id}_usage_24h")
    assert state.attributes["unit_hint"] == "kWh (one cloud unit read as 10 Wh)"
    wh = dict(rl_state.account.usage(None, NOW, hours=24, shows_after=35, grows_for=75))
    assert float(state.state) == pytest.approx(sum(wh.values()) / 1000, abs=1e-4)
    rows = await stored(hass, account_id(entry))
    assert sorted(rows) == sorted(wh)
    for hour, value in wh.items():
        assert rows[hour]["change"] == pytest.approx(value / 1000, abs=1e-5)


async def test_without_usage_sensors_the_statistics_are_still_written(
    hass: HomeAssistant,
    entry: MockConfigEntry,
    rl_state: RadialightSimulator,
    freezer: FrozenDateTimeFactory,
) -> None:
    """The option turns the usage sensors off (and the account's device goes); the Energy
    dashboard's statistics go on: the next read writes the next hour."""
    hass.config_entries.async_update_entry(entry, options={CONF_USAGE_SENSORS: False})
    assert await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)
    registry = er.async_get(hass)
    assert registry.async_get_entity_id("sensor", DOMAIN, f"{entry.unique_id}_usage_24h") is None
    zone = rl_state.account.zones[0]
    assert registry.async_get_entity_id("sensor", DOMAIN, f"{zone.id}_usage_today") is None
    devices = dr.async_entries_for_config_entry(dr.async_get(hass), entry.entry_id)
    assert not [device for device in devices if device.entry_type is not None]
    before = await stored(hass, account_id(entry))
    moment = NOW + timedelta(hours=1)
    await step(hass, entry, rl_state, freezer, moment)
    after = await stored(hass, account_id(entry))
    assert max(after) == max(before) + HOUR == newest_expected(moment)


async def test_zones_added_and_removed_get_and_lose_their_series(
    hass: HomeAssistant,
    entry: MockConfigEntry,
    rl_state: RadialightSimulator,
    freezer: FrozenDateTimeFactory,
) -> None:
    """A zone added in the app gets its usage read from the next read on (its statistics start
    then, nothing lost); a zone removed is no longer asked for."""
    added = rl_state.account.add_zone("Studio", [("ICON", 1250)])
    removed = rl_state.account.zones[1]
    rl_state.account.remove_zone(removed.id)
    moment = NOW + timedelta(minutes=40)
    await step(hass, entry, rl_state, freezer, moment)
    usage = entry.runtime_data.usage
    assert usage.zone(added.id) is not None
    assert usage.zone(removed.id) is None
    asked = [item["query"].get("zone") for item in rl_state.log if item["kind"] == "usage"]
    assert asked[-len(rl_state.account.zones) :] == [z.id for z in rl_state.account.zones]
    rows = await stored(hass, zone_series(entry.unique_id or "", added.id, None).statistic_id)
    assert rows
    assert not [i for (d, i) in ir.async_get(hass).issues if d == DOMAIN]


async def test_diagnostics_show_shapes_and_snapshots_without_secrets_or_names(
    hass: HomeAssistant, entry: MockConfigEntry, rl_state: RadialightSimulator
) -> None:
    """Options, the usage snapshot of the seed, the answers' shapes; no token, key, user id,
    zone or product id, name or serial anywhere."""
    found = await async_get_config_entry_diagnostics(hass, entry)
    text = json.dumps(found, default=str)
    secrets = [
        rl_state.settings.api_key,
        rl_state.settings.refresh_token,
        rl_state.settings.user_id,
    ]
    for zone in rl_state.account.zones:
        secrets += [zone.id, zone.name]
        for product in zone.products:
            secrets += [product.id, product.name, product.serial]
    leaked = [secret for secret in secrets if secret in text]
    assert not leaked
    assert found["entry"]["enable_usage_sensors"] is True
    snapshot = found["usage"]["account"]
    assert snapshot["point_count"] == 23
    assert len(snapshot["sample_last_5_points"]) == 5
    assert "GET /usage" in found["shapes"]
    assert found["shapes"]["GET /zones"]["zones"]["list of"] == len(rl_state.account.zones)


async def test_a_clock_set_back_reads_on_and_refuses_what_it_cannot_place(
    hass: HomeAssistant,
    entry: MockConfigEntry,
    rl_state: RadialightSimulator,
    freezer: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Three days on, a zone added, then the clocks set back three days: the next poll reads
    at once; the series with three days of rows cannot place the old answer and write nothing
    (said once each), the young zone's series starts earlier; forward again, all write on."""
    moment = NOW
    for _ in range(3 * 24):
        moment += HOUR
        await step(hass, entry, rl_state, freezer, moment)
    added = rl_state.account.add_zone("Studio", [("ICON", 1250)])
    moment += HOUR
    await step(hass, entry, rl_state, freezer, moment)
    account = account_id(entry)
    before = await stored(hass, account)
    young = zone_series(entry.unique_id or "", added.id, None).statistic_id
    back = moment - timedelta(days=3)
    # The simulator's rooms run forward only; its answers are those of three days ago.
    await step(hass, entry, rl_state, freezer, back)
    assert await stored(hass, account) == before
    refused = caplog.text.count("usage statistics not written")
    assert refused == 1 + 3  # the account and the three zones with days of rows
    assert min(await stored(hass, young)) < moment - timedelta(days=1)
    entry.runtime_data.usage.schedule.next_at = None  # read again at once
    await step(hass, entry, rl_state, freezer, back + timedelta(minutes=30))
    assert caplog.text.count("usage statistics not written") == refused  # said once
    moment += HOUR
    await step(hass, entry, rl_state, freezer, moment)
    assert max(await stored(hass, account)) == newest_expected(moment)


@contextmanager
def _recorder_held(hass: HomeAssistant, _: pytest.MonkeyPatch) -> Iterator[None]:
    """The recorder's thread does not work off its queue: the wait for earlier writes."""
    hold = hold_recorder(hass)
    try:
        yield
    finally:
        hold.released.set()


@contextmanager
def _reads_stuck(_: HomeAssistant, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Reading the rows recorded does not answer: the wait for the read."""
    released = threading.Event()
    original = usage_statistics.get_last_statistics

    def stuck(*args: Any) -> Any:
        released.wait(HOLD_SECONDS)
        return original(*args)

    with monkeypatch.context() as patched:
        patched.setattr(usage_statistics, "get_last_statistics", stuck)
        try:
            yield
        finally:
            released.set()


@pytest.mark.parametrize("slow", [_recorder_held, _reads_stuck])
async def test_a_slow_recorder_leaves_the_answer_to_a_read_soon_after(
    hass: HomeAssistant,
    entry: MockConfigEntry,
    rl_state: RadialightSimulator,
    freezer: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
    slow: Callable[[HomeAssistant, pytest.MonkeyPatch], AbstractContextManager[None]],
) -> None:
    """The recorder does not answer within the wait, for earlier writes or for the read (no
    wait at all, as the test's clock stands still): nothing is written, said once, and the
    read is repeated five minutes later, when the hour is written; nothing is lost."""
    moment = NOW + timedelta(minutes=40)
    with monkeypatch.context() as patched, slow(hass, monkeypatch):
        patched.setattr(usage_statistics, "RECORDER_WAIT", 0)
        await step(hass, entry, rl_state, freezer, moment)
    assert "The recorder did not answer in time" in caplog.text
    assert max(await stored(hass, account_id(entry))) < moment.replace(minute=0)
    schedule = entry.runtime_data.usage.schedule
    assert schedule.next_at == moment + timedelta(minutes=5)
    await step(hass, entry, rl_state, freezer, moment + timedelta(minutes=5))
    assert max(await stored(hass, account_id(entry))) == moment.replace(minute=0)
    assert schedule.late == 0
    assert caplog.text.count("The recorder did not answer in time") == 1


async def test_the_series_attributes_are_not_recorded(
    hass: HomeAssistant, entry: MockConfigEntry
) -> None:
    """The last 48 hours are in the state's attributes now, not in the recorder's history."""
    entity_id = sensor(hass, f"{entry.unique_id}_usage_24h").entity_id
    assert hass.states.get(entity_id).attributes["last_48_hours"]
    await async_wait_recording_done(hass)
    found = await get_instance(hass).async_add_executor_job(
        history.get_significant_states, hass, NOW - HOUR, None, [entity_id]
    )
    recorded = found[entity_id]
    assert recorded
    assert all("last_48_hours" not in state.attributes for state in recorded)
    assert recorded[-1].attributes["unit_of_measurement"] == "kWh"


async def test_a_zones_answer_with_an_unreadable_entry_keeps_the_zone_series(
    hass: HomeAssistant,
    entry: MockConfigEntry,
    rl_state: RadialightSimulator,
    freezer: FrozenDateTimeFactory,
) -> None:
    """A zone comes without its id: its usage series stays (not asked for now), and is read
    again once the zone is readable."""
    zone = rl_state.account.zones[1]
    rl_state.settings.unreadable_zones = [zone.id]
    moment = NOW + timedelta(minutes=40)
    await step(hass, entry, rl_state, freezer, moment)
    usage = entry.runtime_data.usage
    assert usage.zone(zone.id) is not None
    asked = [item["query"].get("zone") for item in rl_state.log if item["kind"] == "usage"]
    assert zone.id not in asked[-len(rl_state.account.zones) :]
    rl_state.settings.unreadable_zones = []
    moment += HOUR
    await step(hass, entry, rl_state, freezer, moment)
    series = usage.zone(zone.id)
    assert series is not None
    assert max(series.points) == moment.replace(minute=0)


async def test_a_refresh_token_refused_stops_the_read(
    hass: HomeAssistant, entry: MockConfigEntry, rl_state: RadialightSimulator
) -> None:
    """The first series' read finds the credentials refused: no zone is asked after it."""
    rl_state.settings.revoked = True
    rl_state.id_tokens.clear()
    asked = rl_state.counts["usage"]
    usage = entry.runtime_data.usage
    usage.schedule.next_at = None
    usage.start_if_due(entry.runtime_data.data, entry.runtime_data.async_update_listeners)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert rl_state.counts["usage"] - asked == 1
    assert all(series.stale for series in usage.series.values())
