"""factory-boy factories for people, organisations, supervision, frameworks, assessments and
the supervision log."""

from __future__ import annotations

import datetime

import factory
from django.utils import timezone

from accounts.models import Membership, Role, Service, SupervisionRelationship, Team, User
from assessments.models import (
    Framework,
    FrameworkItem,
    FrameworkSection,
    FrameworkVersion,
    ItemRating,
    SectionKind,
    SelfAssessment,
)
from supervision.models import (
    AgreedAction,
    Delivery,
    Format,
    SessionComment,
    SupervisionSession,
)

PASSWORD = "test-password-123"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ["username"]

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.nhs.uk")
    password = factory.django.Password(PASSWORD)


class ServiceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Service

    name = factory.Sequence(lambda n: f"Service {n}")
    slug = factory.Sequence(lambda n: f"service-{n}")


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Team

    service = factory.SubFactory(ServiceFactory)
    name = factory.Sequence(lambda n: f"Team {n}")


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    team = factory.SubFactory(TeamFactory)
    service = factory.LazyAttribute(lambda m: m.team.service if m.team else ServiceFactory())
    role = Role.THERAPIST


class SupervisionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SupervisionRelationship

    supervisor = factory.SubFactory(UserFactory)
    supervisee = factory.SubFactory(UserFactory)
    starts_on = factory.LazyFunction(lambda: timezone.localdate() - datetime.timedelta(days=30))
    ends_on = None


def therapist(team: Team | None = None, **user_fields) -> User:
    """A user with a therapist membership in a team (a new team if none is given)."""
    team = team or TeamFactory()
    user = UserFactory(**user_fields)
    MembershipFactory(user=user, team=team, service=team.service, role=Role.THERAPIST)
    return user


def supervisor(service: Service | None = None, team: Team | None = None, **user_fields) -> User:
    service = service or (team.service if team else ServiceFactory())
    user = UserFactory(**user_fields)
    MembershipFactory(user=user, service=service, team=team, role=Role.SUPERVISOR)
    return user


def filled_assessment(
    therapist: User,
    version,
    default: int | None = 3,
    values: dict | None = None,
    *,
    submit: bool = True,
    shares_sensitive: bool = False,
):
    """Answer every rated statement through the services (`default`, or `values[key]`; None
    is "not applicable"), and submit unless told not to."""
    from assessments import questionnaire

    values = values or {}
    assessment = questionnaire.start_or_resume(therapist, version)
    sections = questionnaire.rated_sections(version).prefetch_related("items")
    revision = assessment.revision
    for number, section in enumerate(sections, start=1):
        answers = {
            item.pk: questionnaire.Answer(values.get(item.key, default))
            for item in section.items.all()
        }
        revision = questionnaire.save_section(
            assessment, section, answers, revision=revision, resume_at=number
        )
    if submit:
        questionnaire.submit(assessment, shares_sensitive=shares_sensitive)
    assessment.refresh_from_db()
    return assessment


# Frameworks: small ones built directly, for tests that need their own shape. The shipped
# framework comes from the `published_version` fixture.


class FrameworkFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Framework

    slug = factory.Sequence(lambda n: f"framework-{n}")
    name = factory.Sequence(lambda n: f"Framework {n}")


class FrameworkVersionFactory(factory.django.DjangoModelFactory):
    """A draft; publish it with `assessments.services.publish` once it has content."""

    class Meta:
        model = FrameworkVersion

    framework = factory.SubFactory(FrameworkFactory)
    number = factory.Sequence(lambda n: n + 1)


class FrameworkSectionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FrameworkSection

    version = factory.SubFactory(FrameworkVersionFactory)
    key = factory.Sequence(lambda n: f"section-{n}")
    kind = SectionKind.BEHAVIOURS
    title = factory.Sequence(lambda n: f"Section {n}")
    order = factory.Sequence(lambda n: n)


class FrameworkItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FrameworkItem

    section = factory.SubFactory(FrameworkSectionFactory)
    version = factory.LazyAttribute(lambda item: item.section.version)
    key = factory.Sequence(lambda n: f"I{n}")
    order = factory.Sequence(lambda n: n)
    problem_text = factory.Sequence(lambda n: f"Problem {n}")
    target_text = factory.Sequence(lambda n: f"Target {n}")


class SelfAssessmentFactory(factory.django.DjangoModelFactory):
    """An assessment in progress; `submitted_assessment` gives a submitted one."""

    class Meta:
        model = SelfAssessment

    therapist = factory.SubFactory(UserFactory)
    version = factory.SubFactory(FrameworkVersionFactory)
    cycle = 0


class ItemRatingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ItemRating

    assessment = factory.SubFactory(SelfAssessmentFactory)
    item = factory.SubFactory(FrameworkItemFactory)
    value = 3


def submitted_assessment(
    therapist: User,
    version: FrameworkVersion,
    ratings: dict[str, int | None],
    *,
    cycle: int = 0,
    submitted_at: datetime.datetime | None = None,
    shares_sensitive: bool = False,
) -> SelfAssessment:
    """A submitted assessment with the given ratings by item key, written directly (quick, for
    tests about what is read back), with the therapist's current team recorded."""
    membership = Membership.objects.current().filter(user=therapist, role=Role.THERAPIST).first()
    assert membership is not None, "the therapist needs a team"
    assessment = SelfAssessment.objects.create(
        therapist=therapist,
        version=version,
        cycle=cycle,
        status=SelfAssessment.Status.SUBMITTED,
        submitted_at=submitted_at or timezone.now(),
        shares_sensitive=shares_sensitive,
        service_id=membership.service_id,
        team_id=membership.team_id,
    )
    items = {item.key: item for item in version.items.filter(key__in=ratings)}
    ItemRating.objects.bulk_create(
        ItemRating(assessment=assessment, item=items[key], value=value)
        for key, value in ratings.items()
    )
    return assessment


# The supervision log: rows written directly (for tests about reads and constraints); tests of
# the review go through `supervision.services`.


class SupervisionSessionFactory(factory.django.DjangoModelFactory):
    """A draft individual session with an in-product supervisor (give `supervisor=None` and an
    `external_supervisor_name` for an external one)."""

    class Meta:
        model = SupervisionSession

    supervisee = factory.SubFactory(UserFactory)
    supervisor = factory.SubFactory(UserFactory)
    held_on = factory.LazyFunction(timezone.localdate)
    duration_minutes = 60
    format = Format.INDIVIDUAL
    delivery = Delivery.IN_PERSON


class AgreedActionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AgreedAction

    entry = factory.SubFactory(SupervisionSessionFactory)
    text = factory.Sequence(lambda n: f"Try agenda setting with case {n}")
    due_on = factory.LazyFunction(lambda: timezone.localdate() + datetime.timedelta(days=14))


class SessionCommentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SessionComment

    entry = factory.SubFactory(SupervisionSessionFactory)
    author = factory.LazyAttribute(lambda c: c.entry.supervisor or c.entry.supervisee)
    text = "Please add what you agreed about homework."
