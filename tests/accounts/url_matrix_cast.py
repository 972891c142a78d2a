"""The people and records the URL permission matrix (test_url_matrix.py) requests pages with.

Built once per module inside a transaction that is rolled back at the end: two services, each
with its own published framework; around one therapist (the owner) every kind of person the
matrix asks about, each signed in once, so a cell costs one request and no sign-in.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth.models import AnonymousUser, Permission
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.test import Client
from django.utils import timezone

from accounts.models import Role, Service, User
from assessments import questionnaire, services
from assessments.framework_io import import_framework, parse_yaml
from assessments.models import FrameworkItem, ItemRating, SelfAssessment
from cpd import comments as cpd_comments
from cpd import services as cpd_services
from cpd.models import ActivityType, CpdActivity, CpdEvidence, CpdGoal
from service_actions.models import ServiceAction
from supervision.models import AgendaItem, AgreedAction, SupervisionSession
from tests import factories

# Every identity of the matrix, in the order its tables list them.
IDENTITIES: tuple[str, ...] = (
    "anonymous",
    "owner",  # the therapist whose profile and assessments the URLs name
    "colleague",  # another therapist in the owner's team
    "other_therapist",  # a therapist of the other service
    "supervisor",  # supervises the owner today
    "former_supervisor",  # supervised the owner until yesterday
    "other_supervisor",  # same service, supervises nobody
    "dual",  # therapist in the owner's team and supervisor of the colleague
    "lead",  # leads the owner's service
    "other_lead",  # leads the other service
    "staff",  # is_staff, no permission, no membership
    "admin",  # superuser
)
SIGNED_IN: tuple[str, ...] = IDENTITIES[1:]
THERAPISTS: tuple[str, ...] = ("owner", "colleague", "other_therapist", "dual")
SUPERVISORS: tuple[str, ...] = ("supervisor", "former_supervisor", "other_supervisor", "dual")


@dataclass
class Cast:
    people: dict[str, User | AnonymousUser]
    service: Service
    other_service: Service
    framework_slug: str
    other_framework_slug: str
    published_number: int
    draft_number: int
    shared: SelfAssessment
    not_shared: SelfAssessment
    open_assessment: SelfAssessment
    duals_assessment: SelfAssessment
    # A staff member with the view permission of every model, for the admin rule.
    admin_viewer: User
    # A draft supervision log entry of the owner's, supervised by `supervisor`.
    owner_entry: SupervisionSession
    # An entry of the owner's awaiting review by `supervisor`.
    submitted_entry: SupervisionSession
    # An entry of the owner's that `former_supervisor` confirmed while supervising them.
    confirmed_entry: SupervisionSession
    # An item on the owner's supervision agenda, and an action agreed in the owner's entry.
    agenda_item: AgendaItem
    owner_action: AgreedAction
    sessions: dict[str, str] = field(default_factory=dict)
    # A goal in the owner's CPD plan.
    cpd_goal: CpdGoal | None = None
    # A CPD activity of the owner's, with a PDF evidence file (stored in the tests' MEDIA_ROOT).
    cpd_activity: CpdActivity | None = None
    cpd_evidence: CpdEvidence | None = None
    # An action on the action list of the owner's service.
    service_action: ServiceAction | None = None

    @property
    def owner(self) -> User:
        return self.people["owner"]  # type: ignore[return-value]

    @property
    def colleague(self) -> User:
        return self.people["colleague"]  # type: ignore[return-value]

    def pk(self, identity: str) -> int:
        """The identity's own user id (0, which matches nobody, for anonymous)."""
        return self.people[identity].pk or 0

    def client(self, identity: str) -> Client:
        """A fresh client carrying the identity's session (none for anonymous)."""
        client = Client()
        if identity in self.sessions:
            client.cookies[settings.SESSION_COOKIE_NAME] = self.sessions[identity]
        return client


def days_ago(days: int) -> datetime.date:
    return timezone.localdate() - datetime.timedelta(days=days)


def _lead_of(service: Service) -> User:
    user = factories.UserFactory()
    factories.MembershipFactory(user=user, service=service, team=None, role=Role.SERVICE_LEAD)
    return user


def _all_answers(version) -> dict[str, int]:
    return {
        key: 3
        for key in FrameworkItem.objects.filter(version=version).values_list("key", flat=True)
    }


def _sign_in(user: User) -> str:
    client = Client()
    client.force_login(user)
    return client.cookies[settings.SESSION_COOKIE_NAME].value


def _cpd_goal(owner: User) -> CpdGoal:
    plan = cpd_services.current_plan(owner)
    goal, _ = cpd_services.add_goal(
        plan,
        by=owner,
        title="Read about ruptures",
        description="",
        measure=CpdGoal.Measure.OUTCOME,
        target_rating=None,
        outcome="Notes discussed in supervision",
        target_on=plan.ends_on,
    )
    return goal


def _cpd_evidence(owner: User) -> tuple[CpdActivity, CpdEvidence]:
    plan = cpd_services.current_plan(owner)
    activity = CpdActivity.objects.create(
        plan=plan,
        type=ActivityType.READING,
        title="Read about ruptures",
        done_on=plan.starts_on,
        hours=1,
    )
    name = default_storage.save(
        "cpd-evidence/matrix/certificate.pdf", ContentFile(b"%PDF-1.4\n%%EOF\n")
    )
    item = CpdEvidence.objects.create(
        activity=activity,
        file=name,
        original_name="certificate.pdf",
        content_type="application/pdf",
        size=14,
    )
    return activity, item


def build_cast() -> Cast:
    """Create everyone and everything; call inside a transaction that will be rolled back."""
    version = import_framework(
        parse_yaml(settings.FRAMEWORK_FIXTURE.read_text(encoding="utf-8")), publish=True
    )
    draft = factories.FrameworkVersionFactory(
        framework=version.framework, number=version.number + 1
    )
    other_version = factories.FrameworkItemFactory(
        section__version__framework__slug="other-framework"
    ).version
    services.publish(other_version)

    service = factories.ServiceFactory(framework=version.framework)
    team = factories.TeamFactory(service=service)
    other_service = factories.ServiceFactory(framework=other_version.framework)
    other_team = factories.TeamFactory(service=other_service)

    owner = factories.therapist(team=team)
    colleague = factories.therapist(team=team)
    supervisor = factories.supervisor(team=team)
    factories.SupervisionFactory(supervisor=supervisor, supervisee=owner)
    former_supervisor = factories.supervisor(team=team)
    factories.SupervisionFactory(
        supervisor=former_supervisor, supervisee=owner, starts_on=days_ago(400), ends_on=days_ago(1)
    )
    dual = factories.therapist(team=team)
    factories.MembershipFactory(user=dual, service=service, team=None, role=Role.SUPERVISOR)
    factories.SupervisionFactory(supervisor=dual, supervisee=colleague)

    answers = _all_answers(version)
    not_shared = factories.submitted_assessment(
        owner, version, answers, cycle=0, submitted_at=timezone.now() - datetime.timedelta(200)
    )
    shared = factories.submitted_assessment(
        owner,
        version,
        answers,
        cycle=1,
        submitted_at=timezone.now() - datetime.timedelta(100),
        shares_sensitive=True,
    )
    duals_assessment = factories.submitted_assessment(dual, version, answers, cycle=0)
    open_assessment = questionnaire.start_or_resume(owner, version, service=service)
    ItemRating.objects.bulk_create(
        ItemRating(assessment=open_assessment, item=item, value=3)
        for item in FrameworkItem.objects.filter(version=version).rated()
    )

    owner_entry = factories.SupervisionSessionFactory(supervisee=owner, supervisor=supervisor)
    submitted_entry = factories.SupervisionSessionFactory(
        supervisee=owner,
        supervisor=supervisor,
        status=SupervisionSession.Status.SUBMITTED,
        submitted_at=timezone.now(),
    )
    confirmed_entry = factories.SupervisionSessionFactory(
        supervisee=owner,
        supervisor=former_supervisor,
        held_on=days_ago(30),
        status=SupervisionSession.Status.CONFIRMED,
        submitted_at=timezone.now(),
        confirmed_by=former_supervisor,
        confirmed_at=timezone.now(),
    )

    agenda_item = AgendaItem.objects.create(supervisee=owner, added_by=owner, text="Pacing")
    owner_action = factories.AgreedActionFactory(entry=owner_entry)

    admin_viewer = factories.UserFactory(is_staff=True)
    admin_viewer.user_permissions.set(Permission.objects.filter(codename__startswith="view_"))

    people: dict[str, User | AnonymousUser] = {
        "anonymous": AnonymousUser(),
        "owner": owner,
        "colleague": colleague,
        "other_therapist": factories.therapist(team=other_team),
        "supervisor": supervisor,
        "former_supervisor": former_supervisor,
        "other_supervisor": factories.supervisor(team=team),
        "dual": dual,
        "lead": _lead_of(service),
        "other_lead": _lead_of(other_service),
        "staff": factories.UserFactory(is_staff=True),
        "admin": factories.UserFactory(is_staff=True, is_superuser=True),
    }
    assert tuple(people) == IDENTITIES
    cast = Cast(
        people=people,
        service=service,
        other_service=other_service,
        framework_slug=version.framework.slug,
        other_framework_slug=other_version.framework.slug,
        published_number=version.number,
        draft_number=draft.number,
        shared=shared,
        not_shared=not_shared,
        open_assessment=open_assessment,
        duals_assessment=duals_assessment,
        admin_viewer=admin_viewer,
        owner_entry=owner_entry,
        submitted_entry=submitted_entry,
        confirmed_entry=confirmed_entry,
        agenda_item=agenda_item,
        owner_action=owner_action,
    )
    cast.cpd_goal = _cpd_goal(people["owner"])  # type: ignore[arg-type]
    # The owner's plan, commented on by their supervisor: the thread the owner replies in.
    cpd_comments.add_comment(cast.cpd_goal.plan, by=people["supervisor"], text="A good start.")
    cast.cpd_activity, cast.cpd_evidence = _cpd_evidence(people["owner"])  # type: ignore[arg-type]
    cast.service_action = ServiceAction.objects.create(service=service, title="Protected CPD time")
    for identity in SIGNED_IN:
        cast.sessions[identity] = _sign_in(people[identity])  # type: ignore[arg-type]
    cast.sessions["admin_viewer"] = _sign_in(admin_viewer)
    return cast
