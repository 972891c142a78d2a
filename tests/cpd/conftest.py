"""Shared fixtures for the CPD plan's tests: a therapist with a submitted self-assessment of
the shipped framework whose needs are known."""

from __future__ import annotations

import pytest

from tests import factories

# Rated below 5, so each is a need: M1 and M11 (private) are Motivation, C1 Capability,
# O1 Opportunity, S1 a behaviour with no coding. Largest need first: M1, M11, C1, O1, S1.
RATINGS = {"M1": 1, "M11": 1, "C1": 2, "O1": 3, "S1": 4}


@pytest.fixture
def assessed(therapist, published_version):
    """The therapist's submitted self-assessment, private answers not shared."""
    return factories.submitted_assessment(therapist, published_version, RATINGS)
