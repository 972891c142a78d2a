"""Benchmark data generator and runner (`make bench`); never imported by the app."""
