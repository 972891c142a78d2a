"""The supervision log's part in the personal data registry (accounts/personal_data.py).

Found by autodiscovery. Entries stay when a leaver is anonymised, with their dates, durations
and formats, so supervision hours and service figures stay right; reflections, comments, agreed
actions, rupture records, agenda items and notes are free text that may name people, so they are
removed. Scores (CTS-R, observer ratings, session reflections' marks) stay, as ratings do.
"""

from __future__ import annotations

from accounts.personal_data import Entry, Scrub, register

from .models import (
    CTSR_ITEMS,
    AgendaItem,
    AgreedAction,
    CtsrRating,
    ObserverItemRating,
    ObserverRating,
    ReflectionMark,
    RuptureRecord,
    SessionComment,
    SessionReflection,
    SupervisionSession,
)

register(
    Entry(
        model=SupervisionSession,
        about=("supervisee",),
        by=("supervisor", "confirmed_by"),
        export=(
            "id",
            "held_on",
            "duration_minutes",
            "format",
            "group_size",
            "delivery",
            "activities",
            "supervisor_id",
            "supervisor__first_name",
            "supervisor__last_name",
            "external_supervisor_name",
            "external_supervisor_accredited",
            "reflection",
            "status",
            "submitted_at",
            "confirmed_by_id",
            "confirmed_at",
            "amends_id",
            "supervisee_id",
        ),
        scrub_about={"reflection": Scrub.REMOVED},
        description="Your supervision log: each session's date, length, format, supervisor, "
        "activities, reflection and review status, and the sessions you supervised or "
        "confirmed.",
        note="Kept with dates, lengths and formats, so supervision hours stay right; "
        "reflections replaced by [removed]. Entries a leaver supervised or confirmed keep "
        'pointing at them and read "Former member 7f3a9c".',
    )
)
register(
    Entry(
        model=SessionComment,
        about=("entry__supervisee",),
        by=("author",),
        export=("id", "entry_id", "author_id", "text", "created_at"),
        scrub_about={"text": Scrub.REMOVED},
        scrub_by={"text": Scrub.REMOVED},
        description="Comments on your supervision log entries, and those you wrote on others'.",
        note="Kept with their dates; the text replaced by [removed], on the leaver's entries "
        "and wherever the leaver wrote it.",
    )
)
register(
    Entry(
        model=AgreedAction,
        about=("entry__supervisee",),
        export=("id", "entry_id", "entry__held_on", "text", "due_on", "done_on"),
        scrub_about={"text": Scrub.REMOVED},
        description="The actions you agreed in supervision, with their due and done dates.",
        note="Kept with their dates; the text replaced by [removed].",
    )
)

RUPTURE_TEXT = (
    "markers",
    "exploration",
    "validation",
    "prevention_plan",
    "collaboration_across_teams",
    "social_network_involvement",
)
register(
    Entry(
        model=RuptureRecord,
        about=("entry__supervisee",),
        export=("id", "entry_id", "entry__held_on", *RUPTURE_TEXT, "repair"),
        scrub_about=dict.fromkeys(RUPTURE_TEXT, Scrub.REMOVED),
        description="The rupture-and-repair records in your supervision log entries.",
        note="Kept with whether the rupture was repaired; every text replaced by [removed].",
    )
)
register(
    Entry(
        model=CtsrRating,
        about=("entry__supervisee",),
        export=(
            "id",
            "entry_id",
            "entry__held_on",
            "recording_on",
            *(name for name, _title in CTSR_ITEMS),
        ),
        description="The CTS-R ratings of recorded sessions in your supervision log entries.",
        note="Kept: scores only, no text.",
    )
)
register(
    Entry(
        model=AgendaItem,
        about=("supervisee",),
        by=("added_by",),
        export=(
            "id",
            "supervisee_id",
            "added_by_id",
            "origin",
            "text",
            "status",
            "discussed_in_id",
            "created_at",
            "closed_at",
        ),
        scrub_about={"text": Scrub.REMOVED},
        scrub_by={"text": Scrub.REMOVED},
        description="Items on your supervision agenda, and those you added to a supervisee's.",
        note="Kept with their dates and status; the text replaced by [removed], on the leaver's "
        "agenda and wherever the leaver wrote it.",
    )
)
register(
    Entry(
        model=ObserverRating,
        about=("supervisee",),
        by=("supervisor",),
        export=("id", "supervisor_id", "supervisee_id", "version_id", "rated_on", "note"),
        scrub_about={"note": Scrub.REMOVED},
        scrub_by={"note": Scrub.REMOVED},
        description="Your supervisors' ratings of your target behaviours, and those you gave "
        "your supervisees.",
        note="Kept with their dates and values; the note replaced by [removed].",
    )
)
register(
    Entry(
        model=ObserverItemRating,
        about=("rating__supervisee",),
        by=("rating__supervisor",),
        export=("id", "rating_id", "item__key", "value"),
        description="The statement-by-statement values of those observer ratings.",
        note="Kept: values only, no text.",
    )
)
register(
    Entry(
        model=SessionReflection,
        about=("therapist",),
        export=("id", "version_id", "held_on", "note", "created_at"),
        scrub_about={"note": Scrub.REMOVED},
        description="Your quick reflections after therapy sessions.",
        note="Kept with their dates; the note replaced by [removed].",
    )
)
register(
    Entry(
        model=ReflectionMark,
        about=("reflection__therapist",),
        export=("id", "reflection_id", "item__key", "happened"),
        description="Which in-session behaviours each reflection records as having happened.",
        note="Kept: yes or no per behaviour, no text.",
    )
)
