"""What reports does when assessments announces a submit (`assessment_submitting`)."""

from __future__ import annotations

from typing import Any

from assessments.models import SelfAssessment

from .summaries import summarise_submission


def summarise_on_submit(sender: type, *, assessment: SelfAssessment, **kwargs: Any) -> None:
    """Add the assessment to the analytics summaries, inside the submit transaction."""
    summarise_submission(assessment)
