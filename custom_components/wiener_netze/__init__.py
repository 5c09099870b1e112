"""Wiener Netze Smart Meter integration for Home Assistant.

The Home Assistant side (config flow, coordinator, sensors, statistics) is built on the vendored
API client in :mod:`.api`, which knows nothing of Home Assistant.
"""

DOMAIN = "wiener_netze"
