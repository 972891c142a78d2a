"""The CPD plan's part in the personal data registry (accounts/personal_data.py).

Found by autodiscovery. Plans stay when a leaver is anonymised, with their dates, and goals
with their measures, dates and statuses, so service figures stay right; a goal's title,
description and described outcome are free text that may name people, so they are removed.
"""

from __future__ import annotations

from accounts.personal_data import Entry, Scrub, register

from .models import CpdGoal, CpdPlan, SuggestionDismissal

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
