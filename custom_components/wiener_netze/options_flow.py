"""Options: polling, history depth, plausibility, correction window, sensors, tariff, insights.

The tariff is a section of its own: a fixed price per kWh or a price entity for consumption,
a daily charge, and a fixed price or price entity for feed-in. Insights are one too: base load
and the unusual-day event on or off, and the event's band width. Saving reloads the entry; a
changed tariff applies from that moment on (see :mod:`.tariff`).
"""

from __future__ import annotations

from typing import Any

import probatio
from homeassistant.config_entries import ConfigFlowResult, OptionsFlowWithReload
from homeassistant.data_entry_flow import section
from homeassistant.helpers.selector import (
    BooleanSelector,
    EntitySelector,
    EntitySelectorConfig,
    NumberSelector,
    NumberSelectorConfig,
    NumberSelectorMode,
    SelectSelector,
    SelectSelectorConfig,
    SelectSelectorMode,
)

from .const import (
    CONF_BASE_LOAD,
    CONF_CORRECTION_DAYS,
    CONF_DAILY_CHARGE,
    CONF_ENERGY_PRICE,
    CONF_FEED_IN_PRICE,
    CONF_FEED_IN_PRICE_ENTITY,
    CONF_HISTORY_YEARS,
    CONF_INSIGHTS,
    CONF_OPTIONAL_SENSORS,
    CONF_PLAUSIBILITY_LIMIT,
    CONF_PRICE_ENTITY,
    CONF_TARIFF,
    CONF_UNUSUAL_BAND,
    CONF_UNUSUAL_DAYS,
    CONF_UPDATE_INTERVAL,
    DEFAULT_CORRECTION_DAYS,
    DEFAULT_HISTORY_YEARS,
    DEFAULT_OPTIONAL_SENSORS,
    DEFAULT_PLAUSIBILITY_LIMIT,
    DEFAULT_UNUSUAL_BAND,
    DEFAULT_UPDATE_INTERVAL,
    MAX_CORRECTION_DAYS,
    MAX_HISTORY_YEARS,
    MAX_UNUSUAL_BAND,
    MAX_UPDATE_INTERVAL,
    MIN_UNUSUAL_BAND,
    MIN_UPDATE_INTERVAL,
    OptionalSensor,
)
from .tariff import price_factor

# Fixed price, entity: the pairs of which at most one may be set.
PRICE_PAIRS = (
    (CONF_ENERGY_PRICE, CONF_PRICE_ENTITY),
    (CONF_FEED_IN_PRICE, CONF_FEED_IN_PRICE_ENTITY),
)


def _number(low: int, high: int, unit: str | None = None) -> NumberSelector:
    config = NumberSelectorConfig(min=low, max=high, step=1, mode=NumberSelectorMode.BOX)
    if unit is not None:
        config["unit_of_measurement"] = unit
    return NumberSelector(config)


def _money(unit: str) -> NumberSelector:
    return NumberSelector(
        NumberSelectorConfig(
            min=0, max=1000, step="any", mode=NumberSelectorMode.BOX, unit_of_measurement=unit
        )
    )


PRICE_ENTITY = EntitySelector(EntitySelectorConfig(domain=["sensor", "input_number", "number"]))


def tariff_schema(currency: str) -> probatio.Schema:
    """Prices in ``currency``; every field may stay empty."""
    return probatio.Schema(
        {
            probatio.Optional(CONF_ENERGY_PRICE): _money(f"{currency}/kWh"),
            probatio.Optional(CONF_PRICE_ENTITY): PRICE_ENTITY,
            probatio.Optional(CONF_DAILY_CHARGE): _money(f"{currency}/d"),
            probatio.Optional(CONF_FEED_IN_PRICE): _money(f"{currency}/kWh"),
            probatio.Optional(CONF_FEED_IN_PRICE_ENTITY): PRICE_ENTITY,
        }
    )


INSIGHTS_SCHEMA = probatio.Schema(
    {
        probatio.Required(CONF_BASE_LOAD, default=True): BooleanSelector(),
        probatio.Required(CONF_UNUSUAL_DAYS, default=True): BooleanSelector(),
        probatio.Required(CONF_UNUSUAL_BAND, default=DEFAULT_UNUSUAL_BAND): NumberSelector(
            NumberSelectorConfig(
                min=MIN_UNUSUAL_BAND, max=MAX_UNUSUAL_BAND, step=0.5, mode=NumberSelectorMode.SLIDER
            )
        ),
    }
)


def options_schema(currency: str) -> probatio.Schema:
    """Update interval, history depth, plausibility limit, sensor groups and the tariff."""
    return probatio.Schema(
        {
            probatio.Required(CONF_UPDATE_INTERVAL, default=DEFAULT_UPDATE_INTERVAL): _number(
                MIN_UPDATE_INTERVAL, MAX_UPDATE_INTERVAL, "min"
            ),
            probatio.Required(CONF_HISTORY_YEARS, default=DEFAULT_HISTORY_YEARS): _number(
                0, MAX_HISTORY_YEARS
            ),
            probatio.Required(CONF_PLAUSIBILITY_LIMIT, default=DEFAULT_PLAUSIBILITY_LIMIT): _number(
                1000, 1_000_000, "W"
            ),
            probatio.Required(CONF_CORRECTION_DAYS, default=DEFAULT_CORRECTION_DAYS): _number(
                1, MAX_CORRECTION_DAYS
            ),
            probatio.Required(CONF_OPTIONAL_SENSORS, default=DEFAULT_OPTIONAL_SENSORS): (
                SelectSelector(
                    SelectSelectorConfig(
                        options=[sensor.value for sensor in OptionalSensor],
                        multiple=True,
                        mode=SelectSelectorMode.LIST,
                        translation_key=CONF_OPTIONAL_SENSORS,
                    )
                )
            ),
            probatio.Required(CONF_TARIFF, default={}): section(
                tariff_schema(currency), {"collapsed": True}
            ),
            probatio.Required(CONF_INSIGHTS, default={}): section(
                INSIGHTS_SCHEMA, {"collapsed": True}
            ),
        }
    )


class WienerNetzeOptionsFlow(OptionsFlowWithReload):
    """Options; the entry reloads when they change."""

    async def async_step_init(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """One form for all options, the tariff in a section of its own."""
        errors: dict[str, str] = {}
        if user_input is not None:
            tariff = dict(user_input.get(CONF_TARIFF) or {})
            errors = self._tariff_errors(tariff)
            if not errors:
                return self.async_create_entry(
                    data={
                        **user_input,
                        CONF_UPDATE_INTERVAL: int(user_input[CONF_UPDATE_INTERVAL]),
                        CONF_HISTORY_YEARS: int(user_input[CONF_HISTORY_YEARS]),
                        CONF_PLAUSIBILITY_LIMIT: int(user_input[CONF_PLAUSIBILITY_LIMIT]),
                        CONF_CORRECTION_DAYS: int(user_input[CONF_CORRECTION_DAYS]),
                        CONF_TARIFF: tariff,
                        CONF_INSIGHTS: INSIGHTS_SCHEMA(dict(user_input.get(CONF_INSIGHTS) or {})),
                    }
                )
        schema = options_schema(self.hass.config.currency)
        return self.async_show_form(
            step_id="init",
            data_schema=self.add_suggested_values_to_schema(
                schema,
                user_input or {CONF_TARIFF: {}, CONF_INSIGHTS: {}, **self.config_entry.options},
            ),
            errors=errors,
        )

    def _tariff_errors(self, tariff: dict[str, Any]) -> dict[str, str]:
        """A fixed price or an entity, not both; an entity must give a price per energy."""
        for fixed, entity in PRICE_PAIRS:
            if tariff.get(fixed) is not None and tariff.get(entity):
                return {"base": "price_and_entity"}
            if not (entity_id := tariff.get(entity)):
                continue
            state = self.hass.states.get(entity_id)
            unit = state.attributes.get("unit_of_measurement") if state else None
            if price_factor(unit, self.hass.config.currency) is None:
                return {"base": "price_entity_unit"}
        return {}
