"""Polling the account's zones, and keeping the newest refresh token in the config entry.

The cloud is polled every ``scan_interval`` seconds (one ``GET /zones``, its products inside).
A refresh token the token endpoint rotates is written to the entry at once, without a reload, so
a restart uses the newest one; a refresh token refused starts re-authentication.
"""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant, callback
from homeassistant.exceptions import ConfigEntryAuthFailed, HomeAssistantError
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator, UpdateFailed

from .api import AuthenticationError, Product, RadialightClient, RadialightError, Zone, Zones
from .connection import create_client
from .const import (
    CONF_PRODUCT_ENTITIES,
    CONF_REFRESH_TOKEN,
    CONF_SCAN_INTERVAL,
    CONF_USAGE_SENSORS,
    DEFAULT_PRODUCT_ENTITIES,
    DEFAULT_SCAN_INTERVAL,
    DEFAULT_USAGE_SENSORS,
    DOMAIN,
    MANUFACTURER,
)
from .usage_reader import UsageReader

_LOGGER = logging.getLogger(__name__)

type RadialightConfigEntry = ConfigEntry[RadialightCoordinator]


def account_device_id(entry: ConfigEntry) -> str:
    """The account's device identifier (its usage sensors)."""
    return f"account_{entry.unique_id or entry.entry_id}"


def zone_device_id(zone_id: str) -> str:
    """A zone's device identifier (products have theirs: the ids of both are the cloud's)."""
    return f"zone_{zone_id}"


def product_device_id(product_id: str) -> str:
    """A product's device identifier."""
    return f"product_{product_id}"


class RadialightCoordinator(DataUpdateCoordinator[dict[str, Zone]]):
    """The zones of one account, by id."""

    config_entry: RadialightConfigEntry

    def __init__(self, hass: HomeAssistant, entry: RadialightConfigEntry) -> None:
        interval = entry.options.get(CONF_SCAN_INTERVAL, DEFAULT_SCAN_INTERVAL)
        super().__init__(
            hass,
            _LOGGER,
            config_entry=entry,
            name=DOMAIN,
            update_interval=timedelta(seconds=interval),
        )
        self.client: RadialightClient = create_client(
            hass, entry.data, on_rotated=self._save_refresh_token
        )
        # Zones and products the last answer could not read (named in the log once).
        self.dropped = 0
        self.product_entities = bool(
            entry.options.get(CONF_PRODUCT_ENTITIES, DEFAULT_PRODUCT_ENTITIES)
        )
        self.usage_sensors = bool(entry.options.get(CONF_USAGE_SENSORS, DEFAULT_USAGE_SENSORS))
        self.usage = UsageReader(hass, entry, self.client)
        # One change of a zone at a time: each sends the whole configuration as last read.
        self._zone_locks: dict[str, asyncio.Lock] = defaultdict(asyncio.Lock)

    @callback
    def _save_refresh_token(self, refresh_token: str) -> None:
        """The token endpoint rotated the refresh token: keep the new one (no reload)."""
        entry = self.config_entry
        if entry.data.get(CONF_REFRESH_TOKEN) != refresh_token:
            self.hass.config_entries.async_update_entry(
                entry, data={**entry.data, CONF_REFRESH_TOKEN: refresh_token}
            )

    async def _async_update_data(self) -> dict[str, Zone]:
        """Read the zones; then start a read of the usage, if one is due, in the background."""
        try:
            zones: Zones = await self.client.async_get_zones()
        except AuthenticationError as err:
            raise ConfigEntryAuthFailed(
                translation_domain=DOMAIN, translation_key="auth_failed"
            ) from err
        except RadialightError as err:
            self.usage.start_if_due(self.data or {}, self.async_update_listeners, complete=False)
            raise UpdateFailed(
                translation_domain=DOMAIN,
                translation_key="update_failed",
                translation_placeholders={"error": str(err)},
            ) from err
        if zones.dropped and zones.dropped != self.dropped:
            _LOGGER.warning(
                "%d zones or products in the cloud's answer could not be read and are left out",
                zones.dropped,
            )
        self.dropped = zones.dropped
        if zones.zones and not zones.dropped:  # an answer that may lack zones removes nothing
            self._remove_stale_devices(zones.zones)
        self._sync_devices(zones.zones)
        by_id = {zone.id: zone for zone in zones.zones}
        complete = bool(zones.zones) and not zones.dropped
        self.usage.start_if_due(by_id, self.async_update_listeners, complete=complete)
        return by_id

    def _remove_stale_devices(self, zones: tuple[Zone, ...]) -> None:
        """Devices of zones and products removed in the app go, with their entities.

        So do the products' devices when the options no longer ask for their entities.
        """
        wanted = {zone_device_id(zone.id) for zone in zones}
        if self.usage_sensors:
            wanted.add(account_device_id(self.config_entry))
        if self.product_entities:
            wanted |= {product_device_id(p.id) for zone in zones for p in zone.products}
        registry = dr.async_get(self.hass)
        for device in dr.async_entries_for_config_entry(registry, self.config_entry.entry_id):
            ids = {identifier for domain, identifier in device.identifiers if domain == DOMAIN}
            if ids and not ids & wanted:
                registry.async_update_device(
                    device.id, remove_config_entry_id=self.config_entry.entry_id
                )

    def _sync_devices(self, zones: tuple[Zone, ...]) -> None:
        """Each zone's device exists before its entities: radiators are linked to it.

        Zones and radiators renamed in the app get their new name; a name given in Home
        Assistant stays (it is kept apart, as ``name_by_user``).
        """
        registry = dr.async_get(self.hass)
        for zone in zones:  # creates the device, or brings its name up to date
            registry.async_get_or_create(
                config_entry_id=self.config_entry.entry_id,
                identifiers={(DOMAIN, zone_device_id(zone.id))},
                manufacturer=MANUFACTURER,
                model="Zone",
                name=zone.name or f"Zone {zone.id}",
            )
        names = {product_device_id(p.id): p.name for zone in zones for p in zone.products}
        for device in dr.async_entries_for_config_entry(registry, self.config_entry.entry_id):
            for domain, identifier in device.identifiers:
                name = names.get(identifier) if domain == DOMAIN else None
                if name and name != device.name:
                    registry.async_update_device(device.id, name=name)

    def product(self, product_id: str) -> Product | None:
        """A product as last read, in whichever zone it is now."""
        for zone in (self.data or {}).values():
            for product in zone.products:
                if product.id == product_id:
                    return product
        return None

    async def async_change_zone(self, zone_id: str, **changes: int) -> None:
        """Send a zone's configuration as last read with ``changes``.

        The change shows at once, and the zones are read again without waiting for the next
        poll. A refusal raises and changes nothing shown. Changes of one zone go one at a time,
        each from the configuration the one before left.
        """
        async with self._zone_locks[zone_id]:
            zone = self.data[zone_id]
            async with self._calling(zone.name or zone.id):
                body = await self.client.async_set_zone(zone, **changes)
            if zone_id in self.data:
                self.async_set_updated_data({**self.data, zone_id: zone.with_configuration(body)})
        await self.async_request_refresh()

    async def async_set_light(self, product_id: str, on: bool) -> None:
        """Switch a product's LED, then read the zones again."""
        product = self.product(product_id)
        async with self._calling(product.name if product and product.name else product_id):
            await self.client.async_set_light(product_id, on)
        await self.async_request_refresh()

    @asynccontextmanager
    async def _calling(self, target: str) -> AsyncIterator[None]:
        """A change of ``target``; every failure raises a translated error naming it.

        Refused credentials start re-authentication too.
        """
        try:
            yield
        except AuthenticationError as err:
            self.config_entry.async_start_reauth(self.hass)
            raise HomeAssistantError(
                translation_domain=DOMAIN, translation_key="auth_failed"
            ) from err
        except RadialightError as err:
            raise HomeAssistantError(
                translation_domain=DOMAIN,
                translation_key="set_failed",
                translation_placeholders={"target": target, "error": str(err)},
            ) from err
