"""The benchmarks use the integration tests' harness: the real recorder, the simulator."""

from tests.conftest import sim_state, simulator
from tests.integration.conftest import mock_recorder_before_hass
