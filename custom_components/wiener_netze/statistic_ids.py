"""The statistic ids and metadata of the imported statistics; they never change.

Energy: ``wiener_netze:<meter number, lower case>_consumption`` and ``…_feed_in`` (kWh, a sum,
no mean). Money: ``…_consumption_cost`` and ``…_feed_in_compensation`` (the instance's
currency, a sum, no mean): Home Assistant refuses a price on an external statistic, so money is
a statistic of its own. Base load: ``…_base_load`` (W, a mean per day, no sum).
"""

from __future__ import annotations

from homeassistant.components.recorder.models import StatisticMeanType, StatisticMetaData
from homeassistant.const import UnitOfEnergy, UnitOfPower
from homeassistant.util.unit_conversion import EnergyConverter, PowerConverter

from .api import Flow
from .const import DOMAIN

# How a flow is named in statistic names and log messages, and what its money is called.
FLOW_NAMES = {Flow.CONSUMPTION: "consumption", Flow.FEED_IN: "feed-in"}
COST_SUFFIX = {Flow.CONSUMPTION: "cost", Flow.FEED_IN: "compensation"}


def statistic_id(number: str, flow: Flow) -> str:
    """The external statistic of one meter and flow, e.g. ``wiener_netze:at00…_consumption``."""
    return f"{DOMAIN}:{number.lower()}_{flow.value}"


def metadata(number: str, flow: Flow, meter: str) -> StatisticMetaData:
    """Hourly energy in kWh with a running sum, no mean; named after the meter and flow."""
    return StatisticMetaData(
        mean_type=StatisticMeanType.NONE,
        has_sum=True,
        name=f"{meter} {FLOW_NAMES[flow]}",
        source=DOMAIN,
        statistic_id=statistic_id(number, flow),
        unit_class=EnergyConverter.UNIT_CLASS,
        unit_of_measurement=UnitOfEnergy.KILO_WATT_HOUR,
    )


def cost_statistic_id(number: str, flow: Flow) -> str:
    """The money of one meter and flow: ``…_consumption_cost`` or ``…_feed_in_compensation``."""
    return f"{statistic_id(number, flow)}_{COST_SUFFIX[flow]}"


def cost_metadata(number: str, flow: Flow, meter: str, currency: str) -> StatisticMetaData:
    """Hourly cost or compensation in the instance's currency with a running sum, no mean."""
    return StatisticMetaData(
        mean_type=StatisticMeanType.NONE,
        has_sum=True,
        name=f"{meter} {FLOW_NAMES[flow]} {COST_SUFFIX[flow]}",
        source=DOMAIN,
        statistic_id=cost_statistic_id(number, flow),
        unit_class=None,
        unit_of_measurement=currency,
    )


def base_load_statistic_id(number: str) -> str:
    """The base load of one meter: ``wiener_netze:at00…_base_load``."""
    return f"{DOMAIN}:{number.lower()}_base_load"


def base_load_metadata(number: str, meter: str) -> StatisticMetaData:
    """The base load in W, one arithmetic mean per local day, no sum."""
    return StatisticMetaData(
        mean_type=StatisticMeanType.ARITHMETIC,
        has_sum=False,
        name=f"{meter} base load",
        source=DOMAIN,
        statistic_id=base_load_statistic_id(number),
        unit_class=PowerConverter.UNIT_CLASS,
        unit_of_measurement=UnitOfPower.WATT,
    )
