"""No secret or token in any log line or exception message, whatever goes wrong."""

from __future__ import annotations

import logging
from datetime import date

import aiohttp
import pytest

from custom_components.wiener_netze.api import ValueType, WienerNetzeError
from custom_components.wiener_netze.api.redact import REDACTED, Redactor
from simulator.account import HOUSEHOLD
from simulator.app import Simulator
from simulator.server import RunningSimulator
from tests.support import API_KEY, SECRET, make_client

FAULTS = [
    {},
    {"unauthorized_next": 2},
    {"unlinked": True},
    {"server_errors_next": 9},
    {"rate_limited_next": 1, "retry_after": 3600},
    {"malformed_next": 1},
    {"wrong_unit": "VARH"},
    {"reject_credentials": True},
]


async def test_secrets_stay_out_of_logs_and_errors(
    session: aiohttp.ClientSession,
    simulator: RunningSimulator,
    sim_state: Simulator,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    messages = []
    for fault in FAULTS:
        sim_state.reset()
        sim_state.settings.update(fault)
        client = make_client(session, simulator, scope="profile" if fault else None)
        try:
            await client.async_get_readings(
                date(2026, 11, 1), date(2026, 11, 2), ValueType.QUARTER_HOUR, [HOUSEHOLD]
            )
        except WienerNetzeError as err:
            messages.append(str(err))
            messages.append(repr(err))
    tokens = list(sim_state.tokens)
    text = "\n".join(messages + [record.getMessage() for record in caplog.records])
    assert len(messages) >= 2 * (len(FAULTS) - 1)
    assert "GET /zaehlpunkte/messwerte" in text  # the debug log was captured
    for secret in [SECRET, API_KEY, *tokens]:
        assert secret not in text


def test_redactor_replaces_every_known_secret() -> None:
    redact = Redactor("super-secret", "api-key-1234", "", "abc")
    redact.add("bearer-token-xyz")
    redact.add(None)
    text = "secret super-secret, key api-key-1234, token bearer-token-xyz, abc stays"
    assert redact(text) == f"secret {REDACTED}, key {REDACTED}, token {REDACTED}, abc stays"
    quoted = redact.quote("x" * 500 + " super-secret")
    assert len(quoted) <= 201
    assert "super-secret" not in redact.quote("  echo:\n super-secret  ")
