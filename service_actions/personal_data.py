"""The service action list's part in the personal data registry (accounts/personal_data.py).

Found by autodiscovery. A therapist's suggestion names them (`suggested_by`), so it is theirs to
download, and anonymising them removes its title and description, which are their words and may
name them; the action itself stays on the service's list with its dates and status. Actions a
lead wrote are theirs to download too (`created_by`), and stay as the service's plan. So do
the lead's ratings of the service on the patient-involvement continuum (`rated_by`): theirs to
download, kept as the service's history (the evidence describes the service, not the lead).
"""

from __future__ import annotations

from accounts.personal_data import Entry, Scrub, register

from .models import InvolvementRating, ServiceAction

register(
    Entry(
        model=ServiceAction,
        about=("suggested_by",),
        by=("created_by",),
        export=(
            "id",
            "service_id",
            "title",
            "description",
            "origin",
            "status",
            "owner",
            "due_on",
            "suggested_by_id",
            "created_by_id",
            "created_at",
            "updated_at",
        ),
        scrub_about={"title": Scrub.REMOVED, "description": Scrub.REMOVED},
        description="Suggestions you sent to your service lead, and, as a lead, the actions you "
        "added to your service's action list: what, for whom, by when and how they stand.",
        note="A therapist's suggestion is kept on the service's list with its dates and status; "
        "its title and description replaced by [removed]. Actions a lead added are kept as the "
        "service's plan.",
    )
)

register(
    Entry(
        model=InvolvementRating,
        by=("rated_by",),
        export=(
            "id",
            "service_id",
            "level",
            "level_name",
            "evidence",
            "rated_on",
            "rated_by_id",
            "created_at",
        ),
        description="As a service lead, your ratings of your service on the patient-involvement "
        "continuum: the level, its evidence and date.",
        note="Kept as the service's history of involvement, with the level, evidence and date; "
        "who rated it reads as the former member's pseudonym.",
    )
)
