"""Demo data for `make run` (DEBUG or DEMO_MODE only): people, teams and self-assessments."""
