"""A demo service action list for `make run`: the lead's own actions on Northshire's list
(protected CPD time, a peer consultation group, a finished one), each with an owner, a due
date, a status and the Opportunity statements it targets, and one named suggestion from
therapist03 waiting for the lead.

Written through `service_actions.services`; a service whose list has anything on it is left
alone, so running it again adds nothing. The reported barriers the lead's page shows come from
the demo self-assessments (`demo.assessments`): no extra therapists are needed, as the demo
service has over twenty.
"""

from __future__ import annotations

import datetime
import uuid

from django.db import transaction
from django.utils import timezone

from accounts.models import Service, User
from assessments.models import FrameworkItem
from service_actions import services
from service_actions.models import ServiceAction

from .people import DEMO_SERVICE_SLUG

Status = ServiceAction.Status
SUGGESTING_THERAPIST = "therapist03"
# (title, description, owner, days until due (negative: past), status, statement keys)
ACTIONS: tuple[tuple[str, str, str, int, str, tuple[str, ...]], ...] = (
    (
        "Protected CPD time: half a day a month for every therapist",
        "Block the first Friday afternoon of each month in every diary for CPD, and keep it "
        "free of clinical bookings.",
        "Service lead with the team managers",
        60,
        Status.PLANNED,
        ("O3", "O5"),
    ),
    (
        "Monthly peer consultation group per team",
        "A 90-minute peer group each month to discuss therapeutic work, facilitated in turn.",
        "Senior therapists",
        30,
        Status.IN_PROGRESS,
        ("O7",),
    ),
    (
        "Clear guidance on suitability for the service",
        "Publish the referral criteria with worked examples and go through them at team meetings.",
        "Clinical lead",
        -20,
        Status.DONE,
        ("O1",),
    ),
)
SUGGESTION = (
    "Fortnightly group supervision slot for complex cases",
    "With caseloads as they are, a protected slot for complex cases would help us get "
    "supervision when we need it rather than waiting for the next individual session.",
    ("O6",),
)


@transaction.atomic
def build_demo_service_actions(today: datetime.date | None = None) -> int:
    """Fill Northshire's action list unless it has anything on it. Returns the rows made."""
    today = today or timezone.localdate()
    service = Service.objects.select_related("framework").get(slug=DEMO_SERVICE_SLUG)
    if ServiceAction.objects.filter(service=service).exists() or service.framework is None:
        return 0
    version = service.framework.current_version()
    statements = {item.key: item for item in FrameworkItem.objects.filter(version=version)}
    lead = User.objects.get(username="lead")
    made = 0
    for title, description, owner, due_in, status, keys in ACTIONS:
        due_on = today + datetime.timedelta(days=due_in)
        _action, created = services.add_action(
            service,
            by=lead,
            token=uuid.uuid4(),
            items=[statements[key] for key in keys if key in statements],
            title=title,
            description=description,
            owner=owner,
            due_on=due_on,
            status=status,
            # A finished action was due before today: the form's rule is for new plans.
            today=min(today, due_on),
        )
        made += created
    title, description, keys = SUGGESTION
    _suggestion, created = services.suggest_action(
        User.objects.get(username=SUGGESTING_THERAPIST),
        service,
        title=title,
        description=description,
        items=[statements[key] for key in keys if key in statements],
        token=uuid.uuid4(),
    )
    return made + created
