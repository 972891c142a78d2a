"""The supervision log's part in the personal data registry (accounts/personal_data.py).

Found by autodiscovery. Entries stay when a leaver is anonymised, with their dates, durations
and formats, so supervision hours and service figures stay right; reflections, comments and
agreed actions are free text that may name people, so they are removed.
"""

from __future__ import annotations

from accounts.personal_data import Entry, Scrub, register

from .models import AgreedAction, SessionComment, SupervisionSession

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
