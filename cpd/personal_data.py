"""The CPD plan's part in the personal data registry (accounts/personal_data.py).

Found by autodiscovery. Plans stay when a leaver is anonymised, with their dates, and goals
with their measures, dates and statuses, so service figures stay right; a goal's title,
description and described outcome are free text that may name people, so they are removed.
"""

from __future__ import annotations

from accounts.personal_data import Entry, Scrub, register

# Imported for its signal handler: an evidence row deleted (anonymisation deletes them) takes its
# stored file with it.
from . import evidence  # noqa: F401
from .models import (
    CpdActivity,
    CpdComment,
    CpdEvidence,
    CpdGoal,
    CpdPlan,
    GoalEvaluation,
    SuggestionDismissal,
)

register(
    Entry(
        model=CpdPlan,
        about=("therapist",),
        export=("id", "starts_on", "ends_on", "accreditation_renewal_on", "created_at"),
        description="Your CPD plans: each CPD year's dates and your accreditation renewal date.",
        note="Kept with their dates.",
    )
)
register(
    Entry(
        model=CpdGoal,
        about=("plan__therapist",),
        export=(
            "id",
            "plan_id",
            "title",
            "description",
            "measure",
            "target_rating",
            "outcome",
            "target_on",
            "status",
            "carried_from_id",
            "created_at",
        ),
        scrub_about={
            "title": Scrub.REMOVED,
            "description": Scrub.REMOVED,
            "outcome": Scrub.REMOVED,
        },
        description="The goals in your CPD plans: what, about which statements, how measured, "
        "by when and how they stand.",
        note="Kept with their measures, dates and statuses; the title, description and "
        "described outcome replaced by [removed].",
    )
)
register(
    Entry(
        model=SuggestionDismissal,
        about=("therapist",),
        export=("id", "item_key", "dismissed_at"),
        description="The suggestions for your CPD plan that you dismissed.",
        note="Kept: a statement key and a date, no text.",
    )
)
register(
    Entry(
        model=CpdComment,
        about=("plan__therapist",),
        by=("author",),
        export=("id", "plan_id", "goal_id", "activity_id", "author_id", "text", "created_at"),
        scrub_about={"text": Scrub.REMOVED},
        scrub_by={"text": Scrub.REMOVED},
        description="Comments in the review of your CPD plans, and those you wrote on others'.",
        note="Kept with their dates; the text replaced by [removed], on the leaver's plans and "
        "wherever the leaver wrote it.",
    )
)
register(
    Entry(
        model=GoalEvaluation,
        about=("goal__plan__therapist",),
        export=(
            "id",
            "goal_id",
            "assessment_id",
            "rating_before",
            "rating_after",
            "result",
            "evaluated_at",
        ),
        description="How your CPD goals with a target rating fared at your next self-assessment.",
        note="Kept: ratings, results and dates, no text.",
    )
)
register(
    Entry(
        model=CpdActivity,
        about=("plan__therapist",),
        export=(
            "id",
            "plan_id",
            "type",
            "title",
            "done_on",
            "hours",
            "provider",
            "learned",
            "application",
            "impact",
            "created_at",
        ),
        scrub_about={
            "title": Scrub.REMOVED,
            "learned": Scrub.REMOVED,
            "application": Scrub.REMOVED,
            "impact": Scrub.REMOVED,
        },
        description="Your CPD activities: what, when, how long, who provided it, and your "
        "reflections.",
        note="Kept with their types, dates, hours and providers; the title and the reflections "
        "replaced by [removed].",
    )
)
register(
    Entry(
        model=CpdEvidence,
        about=("activity__plan__therapist",),
        export=("id", "activity_id", "original_name", "content_type", "size", "uploaded_at"),
        delete=True,
        files=("file",),
        description="The evidence files of your CPD activities: their names, types and sizes, "
        "and the files themselves (under files/).",
        note="Deleted, and their files removed from storage.",
    )
)
