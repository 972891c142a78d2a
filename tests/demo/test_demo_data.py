"""`manage.py setup_demo`: the demo organisation, its idempotence, and its refusal outside demo
installs."""

from __future__ import annotations

import datetime
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import Count
from django.utils import timezone

from accounts import permissions
from accounts.models import Membership, Role, Service, SupervisionRelationship, Team, User
from assessments.models import Framework, FrameworkVersion, SelfAssessment
from demo.people import DEMO_PASSWORD, MOVED_DAYS_AGO, MOVER, build_demo_organisation


@pytest.fixture
def demo_mode(settings):
    settings.DEMO_MODE = True
    return settings


def setup_demo() -> str:
    out = StringIO()
    call_command("setup_demo", stdout=out)
    return out.getvalue()


def users_with_role(role: str):
    return User.objects.filter(memberships__role=role).distinct()


def counts() -> dict[str, int]:
    return {
        "services": Service.objects.count(),
        "teams": Team.objects.count(),
        "users": User.objects.count(),
        "memberships": Membership.objects.count(),
        "relationships": SupervisionRelationship.objects.count(),
        "framework_versions": FrameworkVersion.objects.count(),
    }


@pytest.fixture
def demo(db, demo_mode) -> str:
    return setup_demo()


def test_demo_has_one_service_with_three_teams(demo):
    service = Service.objects.get()
    assert list(service.teams.order_by("name").values_list("name", flat=True)) == [
        "Central team",
        "North team",
        "South team",
    ]


def test_demo_has_twenty_people_who_are_only_therapists(demo):
    only_therapists = users_with_role(Role.THERAPIST).exclude(
        memberships__role__in=[Role.SUPERVISOR, Role.SERVICE_LEAD]
    )
    assert only_therapists.count() == 20


def test_demo_has_twenty_one_therapists_counting_the_supervisor_who_sees_clients(demo):
    assert users_with_role(Role.THERAPIST).count() == 21


def test_demo_supervisor4_is_both_supervisor_and_therapist(demo):
    supervisor4 = User.objects.get(username="supervisor4")
    assert permissions.roles_of(supervisor4) == frozenset({Role.SUPERVISOR, Role.THERAPIST})


def test_demo_has_four_supervisors(demo):
    assert users_with_role(Role.SUPERVISOR).count() == 4


def test_demo_has_one_service_lead(demo):
    assert list(users_with_role(Role.SERVICE_LEAD).values_list("username", flat=True)) == ["lead"]


def test_demo_has_an_administrator_without_roles(demo):
    admin = User.objects.get(is_superuser=True)
    assert (admin.username, admin.is_staff, admin.memberships.count()) == ("admin", True, 0)


def test_demo_has_twenty_seven_people_in_all(demo):
    assert User.objects.count() == 27


def test_demo_commissioner_sees_only_the_national_view(demo, client):
    client.force_login(User.objects.get(username="commissioner"))
    assert client.get("/").url == "/national/"
    assert client.get("/national/").status_code == 200


def test_every_demo_therapist_has_exactly_one_current_supervisor(demo):
    current = SupervisionRelationship.objects.current()
    per_therapist = {
        therapist.username: current.filter(supervisee=therapist).count()
        for therapist in users_with_role(Role.THERAPIST)
    }
    assert set(per_therapist.values()) == {1}


def test_demo_keeps_one_ended_relationship_as_history(demo):
    today = timezone.localdate()
    ended = SupervisionRelationship.objects.exclude(ends_on=None)
    assert ended.count() == 1
    assert ended.get().ends_on < today


def test_demo_supervisors_share_the_therapists(demo):
    supervisees = {
        supervisor.username: permissions.current_supervisees(supervisor).count()
        for supervisor in users_with_role(Role.SUPERVISOR)
    }
    assert supervisees == {"supervisor1": 6, "supervisor2": 5, "supervisor3": 5, "supervisor4": 5}


def signs_in(client, username: str, password: str) -> bool:
    """Whether the sign-in form accepts this username and password."""
    client.post("/accounts/login/", {"login": username, "password": password})
    return "_auth_user_id" in client.session


def test_demo_people_sign_in_with_the_demo_password(demo, client):
    assert signs_in(client, "therapist01", DEMO_PASSWORD)


def test_demo_loads_and_publishes_every_version_of_the_shipped_framework(demo):
    framework = Framework.objects.get(slug="comb-pd")
    assert list(framework.versions.published().values_list("number", flat=True)) == [3, 2, 1]


def test_demo_history_was_taken_on_the_first_version(demo):
    submitted = SelfAssessment.objects.submitted()
    assert set(submitted.values_list("version__number", flat=True)) == {1}


def test_demo_services_use_the_shipped_framework(demo):
    assert set(Service.objects.values_list("framework__slug", flat=True)) == {"comb-pd"}


def test_demo_uses_an_already_published_framework(db, demo_mode, published_version):
    output = setup_demo()
    assert FrameworkVersion.objects.get() == published_version
    assert "Loaded" not in output


def test_demo_output_lists_the_logins(demo):
    for username in ["therapist01", "supervisor1", "supervisor4", "lead", "admin"]:
        assert f"  {username} " in demo


def test_demo_output_gives_the_password(demo):
    assert f"password for all: {DEMO_PASSWORD}" in demo


def test_running_the_demo_setup_twice_creates_no_duplicates(demo):
    before = counts()
    setup_demo()
    assert counts() == before


def test_running_the_demo_setup_again_restores_the_demo_password(demo, client):
    therapist = User.objects.get(username="therapist01")
    therapist.set_password("something-else-entirely")
    therapist.save()
    setup_demo()
    assert signs_in(client, "therapist01", DEMO_PASSWORD)


def test_building_the_demo_on_another_day_creates_no_duplicates(db):
    build_demo_organisation(today=datetime.date(2026, 3, 1))
    before = counts()
    build_demo_organisation(today=datetime.date(2026, 3, 2))
    assert counts() == before


# The therapist who moved team


def mover_memberships():
    return Membership.objects.filter(user__username=MOVER, role=Role.THERAPIST)


def test_mover_has_an_ended_north_membership_and_a_current_central_one(demo):
    today = timezone.localdate()
    ended = mover_memberships().get(ends_on__isnull=False)
    current = mover_memberships().current().get()
    assert (ended.team.name, current.team.name) == ("North team", "Central team")
    assert ended.ends_on < current.starts_on == today - datetime.timedelta(days=MOVED_DAYS_AGO)


def test_mover_has_no_other_therapist_membership(demo):
    assert mover_memberships().count() == 2


def test_movers_baseline_records_the_north_team(demo):
    baseline = SelfAssessment.objects.get(therapist__username=MOVER, cycle=0)
    assert baseline.team.name == "North team"


def test_movers_reassessment_records_the_central_team(demo):
    reassessment = SelfAssessment.objects.get(therapist__username=MOVER, cycle=1)
    assert reassessment.team.name == "Central team"


def test_every_submitted_demo_assessment_records_its_service(demo):
    submitted = SelfAssessment.objects.submitted()
    assert submitted.exists()
    assert not submitted.filter(service__isnull=True).exists()


def test_every_demo_assessment_records_the_team_of_the_day_it_was_submitted(demo):
    for assessment in SelfAssessment.objects.submitted():
        on = timezone.localdate(assessment.submitted_at)
        that_day = Membership.objects.current(on=on).filter(
            user=assessment.therapist_id, role=Role.THERAPIST
        )
        assert that_day.filter(team=assessment.team_id).exists(), assessment


def test_building_the_demo_on_another_day_keeps_one_membership_per_role_and_team(db):
    build_demo_organisation(today=datetime.date(2026, 3, 1))
    build_demo_organisation(today=datetime.date(2026, 7, 15))
    repeated = (
        Membership.objects.values("user", "team", "role")
        .annotate(times=Count("pk"))
        .filter(times__gt=1)
    )
    assert list(repeated) == []


def test_building_the_demo_on_another_day_keeps_the_mover_in_two_teams(db):
    build_demo_organisation(today=datetime.date(2026, 3, 1))
    build_demo_organisation(today=datetime.date(2026, 7, 15))
    current = mover_memberships().current(on=datetime.date(2026, 7, 15)).get()
    assert current.team.name == "Central team"
    assert mover_memberships().count() == 2


# Outside demo installs


def test_demo_setup_is_refused_outside_demo_mode(db, settings):
    settings.DEMO_MODE = False
    with pytest.raises(CommandError, match="only for DEBUG/DEMO_MODE"):
        setup_demo()


def test_refused_demo_setup_creates_nothing(db, settings):
    settings.DEMO_MODE = False
    with pytest.raises(CommandError):
        setup_demo()
    assert counts() == dict.fromkeys(counts(), 0)
