"""Fault tests: each starts its own servers or cuts them off with a TCP proxy."""
