"""Options: how often the cloud is polled, which entities exist, and the unit of usage values.

Saving reloads the entry (``OptionsFlowWithReload``).
"""

from __future__ import annotations

from typing import Any

import probatio
from homeassistant.config_entries import ConfigFlowResult, OptionsFlowWithReload
from homeassistant.helpers.selector import (
    BooleanSelector,
    NumberSelector,
    NumberSelectorConfig,
    NumberSelectorMode,
    SelectSelector,
    SelectSelectorConfig,
    SelectSelectorMode,
)

from .const import (
    CONF_PRODUCT_ENTITIES,
    CONF_SCAN_INTERVAL,
    CONF_USAGE_SENSORS,
    CONF_USAGE_UNIT,
    DEFAULT_PRODUCT_ENTITIES,
    DEFAULT_SCAN_INTERVAL,
    DEFAULT_USAGE_SENSORS,
    DEFAULT_USAGE_UNIT,
    MAX_SCAN_INTERVAL,
    MIN_SCAN_INTERVAL,
    USAGE_UNITS,
)


def options_schema() -> probatio.Schema:
    """The options, each with its default."""
    return probatio.Schema(
        {
            probatio.Required(CONF_SCAN_INTERVAL, default=DEFAULT_SCAN_INTERVAL): NumberSelector(
                NumberSelectorConfig(
                    min=MIN_SCAN_INTERVAL,
                    max=MAX_SCAN_INTERVAL,
                    step=1,
                    mode=NumberSelectorMode.BOX,
                    unit_of_measurement="s",
                )
            ),
            probatio.Required(
                CONF_PRODUCT_ENTITIES, default=DEFAULT_PRODUCT_ENTITIES
            ): BooleanSelector(),
            probatio.Required(CONF_USAGE_SENSORS, default=DEFAULT_USAGE_SENSORS): BooleanSelector(),
            probatio.Required(CONF_USAGE_UNIT, default=DEFAULT_USAGE_UNIT): SelectSelector(
                SelectSelectorConfig(
                    options=list(USAGE_UNITS),
                    mode=SelectSelectorMode.LIST,
                    translation_key=CONF_USAGE_UNIT,
                )
            ),
        }
    )


class RadialightOptionsFlow(OptionsFlowWithReload):
    """One form for every option."""

    async def async_step_init(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Show the options; saving reloads the entry."""
        if user_input is not None:
            options = {**user_input, CONF_SCAN_INTERVAL: int(user_input[CONF_SCAN_INTERVAL])}
            return self.async_create_entry(data=options)
        return self.async_show_form(
            step_id="init",
            data_schema=self.add_suggested_values_to_schema(
                options_schema(), self.config_entry.options
            ),
        )
