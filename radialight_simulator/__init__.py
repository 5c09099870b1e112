"""A stand-in for the Radialight cloud and its Firebase token endpoint (tests, demo, bench)."""
