"""A stand-in for the WSTW API gateway and the log.wien token endpoint, for tests and the demo.

Serves the official WN Smart Meter API's four endpoints at their real paths with deterministic,
realistic data for Vienna, a settable clock, publication delay, estimated values that are
revised later, and faults that can be switched on at start or at run time.
"""
