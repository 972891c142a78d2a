"""A demo service action list for `make run`: the lead's own actions on Northshire's list
(protected CPD time, a peer consultation group, a finished one), each with an owner, a due
date, a status and the Opportunity statements it targets, and one named suggestion from
therapist03 waiting for the lead. The lead's actions were added between the demo's two cycles
(`CREATED_DAYS_AGO`), so the list shows the share reporting each targeted statement before the
action and now. And two ratings on the patient-involvement continuum: Consultation a year ago,
Participation three months ago, each with its evidence.

Written through `service_actions.services`; a service whose list (or involvement history) has
anything on it is left alone, so running it again adds nothing. The reported barriers the lead's
page shows come from the demo self-assessments (`demo.assessments`): no extra therapists are
needed, as the demo service has over twenty.
"""

from __future__ import annotations

import datetime
import uuid

from django.db import transaction
from django.utils import timezone

from accounts.models import Service, User
from assessments.models import FrameworkItem
from service_actions import services
from service_actions.models import InvolvementRating, ServiceAction

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
# The demo's baselines were submitted 130 to 210 days ago, its reassessments from 105 days ago
# (demo.assessments.SCHEDULES): actions added in between have a "before" and a "now".
CREATED_DAYS_AGO = 150
# (days ago, level, evidence)
INVOLVEMENT: tuple[tuple[int, int, str], ...] = (
    (
        365,
        2,
        "Feedback forms after every group programme and two focus groups a year with people "
        "who use the service; a summary goes to the team meetings.",
    ),
    (
        91,
        3,
        "A steering group with people who use the service, staff and commissioners meets "
        "quarterly and changed the waiting-list letters and the group timetable this year.",
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
    """Fill Northshire's action list unless it has anything on it, and its involvement history
    unless it has one. Returns the rows made."""
    today = today or timezone.localdate()
    service = Service.objects.select_related("framework").get(slug=DEMO_SERVICE_SLUG)
    if service.framework is None:
        return 0
    lead = User.objects.get(username="lead")
    made = _build_involvement(service, lead, today)
    if ServiceAction.objects.filter(service=service).exists():
        return made
    version = service.framework.current_version()
    statements = {item.key: item for item in FrameworkItem.objects.filter(version=version)}
    added = timezone.now() - datetime.timedelta(days=CREATED_DAYS_AGO)
    for title, description, owner, due_in, status, keys in ACTIONS:
        due_on = today + datetime.timedelta(days=due_in)
        action, created = services.add_action(
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
        # Added between the two cycles, as if the lead had planned it then.
        ServiceAction.objects.filter(pk=action.pk).update(created_at=added)
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


def _build_involvement(service: Service, lead: User, today: datetime.date) -> int:
    """The service's two ratings on the involvement continuum, unless it has any."""
    if InvolvementRating.objects.filter(service=service).exists():
        return 0
    for days_ago, level, evidence in INVOLVEMENT:
        services.record_involvement(
            service,
            by=lead,
            token=uuid.uuid4(),
            level=level,
            evidence=evidence,
            rated_on=today - datetime.timedelta(days=days_ago),
            today=today,
        )
    return len(INVOLVEMENT)
