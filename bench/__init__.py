"""Benchmarks (not tests): `make bench-images`. They print figures and ratios and write bench-results/."""
