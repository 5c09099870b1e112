"""A real Home Assistant with the integration, against the simulator: the demo and the e2e tests.

``python -m demo`` (what ``scripts/develop`` runs) starts both, onboards Home Assistant through
its own onboarding API, adds the integration through the real config flow over the REST API and
fills the Energy dashboard. The end-to-end tests in ``tests/e2e`` use the same pieces.
"""
