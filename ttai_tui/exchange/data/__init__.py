"""Committed reference data of the simulated exchange (listed names; see each file's header)."""
