"""The self-assessments' part in the personal data registry (accounts/personal_data.py).

Found by autodiscovery. Ratings are kept when a leaver is anonymised, so service and team
figures stay right; comments are free text and may name people, so they are removed.
"""

from __future__ import annotations

from accounts.personal_data import Entry, Scrub, register

from .models import ItemRating, SelfAssessment

register(
    Entry(
        model=SelfAssessment,
        about=("therapist",),
        export=(
            "id",
            "framework__name",
            "version__number",
            "cycle",
            "status",
            "started_at",
            "updated_at",
            "submitted_at",
            "shares_sensitive",
            "service__name",
            "team__name",
        ),
        description="Your self-assessments: framework, version, cycle, when you started and "
        "submitted them, and whether you shared your private answers.",
        note='Kept with their dates, so figures stay right; they read "Former member 7f3a9c".',
    )
)
register(
    Entry(
        model=ItemRating,
        about=("assessment__therapist",),
        export=(
            "id",
            "assessment_id",
            "assessment__cycle",
            "item__key",
            "item__target_text",
            "value",
            "comment",
        ),
        scrub_about={"comment": Scrub.REMOVED},
        description="Every rating you gave (empty for not applicable) and your comments.",
        note="Ratings kept, anonymously; comments replaced by [removed].",
    )
)
