"""factory-boy factories for people, organisations and supervision."""

from __future__ import annotations

import datetime

import factory
from django.utils import timezone

from accounts.models import Membership, Role, Service, SupervisionRelationship, Team, User

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
    for number, section in enumerate(sections, start=1):
        answers = {
            item.pk: questionnaire.Answer(values.get(item.key, default))
            for item in section.items.all()
        }
        questionnaire.save_section(assessment, section, answers, resume_at=number)
    if submit:
        questionnaire.submit(assessment, shares_sensitive=shares_sensitive)
    assessment.refresh_from_db()
    return assessment
