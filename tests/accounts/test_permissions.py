"""Every access question in accounts.permissions, asked by every kind of person.

The matrix at the top is the summary: one row per kind of person, one column per question,
each cell its own test. The tests after it pin the edges (dates, deactivated people, caching).
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser, Permission
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from accounts import permissions
from accounts.models import Role, Service, User
from assessments import services
from assessments.models import SelfAssessment
from tests import factories


def days_ago(days: int) -> datetime.date:
    return timezone.localdate() - datetime.timedelta(days=days)


@dataclass
class Cast:
    """Everyone the matrix asks about, around one therapist (`people["therapist"]`)."""

    people: dict[str, Any]
    service: Service
    open_assessment: SelfAssessment
    shared: SelfAssessment
    not_shared: SelfAssessment

    @property
    def therapist(self) -> User:
        return self.people["therapist"]


def lead_of(service: Service) -> User:
    user = factories.UserFactory()
    factories.MembershipFactory(user=user, service=service, team=None, role=Role.SERVICE_LEAD)
    return user


@pytest.fixture
def cast(team, therapist, supervisor, lead, admin_user) -> Cast:
    """`therapist` in `team`, supervised today by `supervisor`, with a baseline whose private
    answers are not shared, a reassessment whose are, and a third cycle in progress."""
    colleague = factories.therapist(team=team)
    former_supervisor = factories.supervisor(team=team)
    factories.SupervisionFactory(
        supervisor=former_supervisor,
        supervisee=therapist,
        starts_on=days_ago(400),
        ends_on=days_ago(1),
    )
    other_supervisor = factories.supervisor(team=team)
    factories.SupervisionFactory(supervisor=other_supervisor, supervisee=colleague)
    former_therapist = factories.therapist(team=team)
    former_therapist.memberships.update(starts_on=days_ago(400), ends_on=days_ago(1))
    dual = factories.therapist(team=team)
    factories.MembershipFactory(user=dual, service=team.service, team=None, role=Role.SUPERVISOR)
    version = factories.FrameworkVersionFactory()
    return Cast(
        people={
            "therapist": therapist,
            "colleague": colleague,
            "supervisor": supervisor,
            "former_supervisor": former_supervisor,
            "other_supervisor": other_supervisor,
            "lead": lead,
            "other_lead": lead_of(factories.ServiceFactory()),
            "admin": admin_user,
            "anonymous": AnonymousUser(),
            "former_therapist": former_therapist,
            "no_role": factories.UserFactory(),
            "dual": dual,
        },
        service=team.service,
        not_shared=factories.submitted_assessment(therapist, version, {}, cycle=0),
        shared=factories.submitted_assessment(
            therapist, version, {}, cycle=1, shares_sensitive=True
        ),
        open_assessment=factories.SelfAssessmentFactory(
            therapist=therapist, version=version, cycle=2
        ),
    )


# The matrix

Question = Callable[[Cast, Any], bool]

QUESTIONS: dict[str, Question] = {
    "is_therapist": lambda cast, who: permissions.is_therapist(who),
    "is_supervisor": lambda cast, who: permissions.is_supervisor(who),
    "is_service_lead": lambda cast, who: permissions.is_service_lead(who),
    "can_view_therapist": lambda cast, who: permissions.can_view_therapist(who, cast.therapist),
    "can_fill_in": lambda cast, who: permissions.can_fill_in(who, cast.open_assessment),
    "sees_shared_private_answers": lambda cast, who: permissions.can_see_private_answers(
        who, cast.shared
    ),
    "sees_unshared_private_answers": lambda cast, who: permissions.can_see_private_answers(
        who, cast.not_shared
    ),
    "can_view_service": lambda cast, who: permissions.can_view_service(who, cast.service),
    "can_manage_framework": lambda cast, who: permissions.can_manage_framework(who),
}

Y, N = True, False

# Columns follow QUESTIONS: roles held; the therapist's records, their open assessment and the
# private answers of their shared and not-shared assessments; the service; the framework.
# fmt: off
MATRIX: dict[str, tuple[bool, ...]] = {
    #                     ther sup  lead   view fill shrd priv   svc  fwk
    "therapist":         (Y,   N,   N,     Y,   Y,   Y,   Y,     N,   N),  # their own records
    "colleague":         (Y,   N,   N,     N,   N,   N,   N,     N,   N),  # same team
    "supervisor":        (N,   Y,   N,     Y,   N,   Y,   N,     N,   N),  # supervises today
    "former_supervisor": (N,   Y,   N,     N,   N,   N,   N,     N,   N),  # relationship ended
    "other_supervisor":  (N,   Y,   N,     N,   N,   N,   N,     N,   N),  # supervises colleague
    "lead":              (N,   N,   Y,     N,   N,   N,   N,     Y,   N),  # aggregates only
    "other_lead":        (N,   N,   Y,     N,   N,   N,   N,     N,   N),  # another service
    "admin":             (N,   N,   N,     N,   N,   N,   N,     N,   Y),  # staff, no roles
    "anonymous":         (N,   N,   N,     N,   N,   N,   N,     N,   N),
    "former_therapist":  (N,   N,   N,     N,   N,   N,   N,     N,   N),  # membership ended
    "no_role":           (N,   N,   N,     N,   N,   N,   N,     N,   N),  # signed in, no role
    "dual":              (Y,   Y,   N,     N,   N,   N,   N,     N,   N),  # also a supervisor
}
# fmt: on


def matrix_cells() -> list:
    return [
        pytest.param(
            kind,
            question,
            expected,
            id=f"{kind}-{question}",
        )
        for kind, row in MATRIX.items()
        for question, expected in zip(QUESTIONS, row, strict=True)
    ]


@pytest.mark.one_database
@pytest.mark.parametrize(("kind", "question", "expected"), matrix_cells())
def test_permission_matrix(cast, kind, question, expected):
    assert QUESTIONS[question](cast, cast.people[kind]) is expected


# The framework pages, asked for by every kind of person: the status each page answers with.


@pytest.fixture
def framework_pages(cast) -> dict[str, str]:
    """The cast's service on a published framework of its own, a framework with only a draft,
    and the URLs that name a framework: column name → URL."""
    own = factories.FrameworkItemFactory(section__version__framework__slug="falls").version
    services.publish(own)
    cast.service.framework = own.framework
    cast.service.save()
    factories.FrameworkVersionFactory(framework__slug="draft-only")
    profile = reverse("assessments:profile", args=[cast.therapist.pk])
    return {
        "framework": reverse("assessments:framework_current", args=["falls"]),
        "unknown": reverse("assessments:framework_current", args=["no-such-framework"]),
        "draft_only": reverse("assessments:framework_current", args=["draft-only"]),
        "start": reverse("assessments:questionnaire") + "?framework=falls",
        "profile": profile + "?framework=falls",
    }


# Columns: /framework/<slug>/ of the service's published framework, of an unknown slug and of a
# framework with only a draft; the start page and the therapist's profile with ?framework=.
# fmt: off
PAGES: dict[str, tuple[int, ...]] = {
    #                     fwk  unknown draft  start profile
    "therapist":         (200, 404,    404,   200,  200),
    "colleague":         (200, 404,    404,   200,  404),
    "supervisor":        (200, 404,    404,   403,  200),
    "former_supervisor": (200, 404,    404,   403,  404),
    "other_supervisor":  (200, 404,    404,   403,  404),
    "lead":              (200, 404,    404,   403,  404),
    "other_lead":        (200, 404,    404,   403,  404),
    "admin":             (200, 404,    404,   403,  404),
    "anonymous":         (302, 302,    302,   302,  302),
    "former_therapist":  (200, 404,    404,   403,  404),
    "no_role":           (200, 404,    404,   403,  404),
    "dual":              (200, 404,    404,   200,  404),
}
# fmt: on
PAGE_COLUMNS = ["framework", "unknown", "draft_only", "start", "profile"]


def page_cells() -> list:
    return [
        pytest.param(kind, page, expected, id=f"{kind}-{page}")
        for kind, row in PAGES.items()
        for page, expected in zip(PAGE_COLUMNS, row, strict=True)
    ]


@pytest.mark.one_database
@pytest.mark.parametrize(("kind", "page", "expected"), page_cells())
def test_framework_page_matrix(client, cast, framework_pages, kind, page, expected):
    person = cast.people[kind]
    if person.is_authenticated:
        client.force_login(person)
    assert client.get(framework_pages[page]).status_code == expected


# Roles


def test_roles_of_lists_every_role_a_person_holds(cast):
    assert permissions.roles_of(cast.people["dual"]) == frozenset({Role.THERAPIST, Role.SUPERVISOR})


def test_therapist_whose_membership_ends_today_is_still_a_therapist(therapist):
    therapist.memberships.update(ends_on=timezone.localdate())
    assert permissions.is_therapist(therapist) is True


def test_therapist_whose_membership_starts_tomorrow_is_not_a_therapist_yet(db):
    person = factories.therapist()
    person.memberships.update(starts_on=timezone.localdate() + datetime.timedelta(days=1))
    assert permissions.is_therapist(person) is False


def test_therapist_who_moved_team_is_still_a_therapist(therapist, team):
    therapist.memberships.update(starts_on=days_ago(300), ends_on=days_ago(31))
    factories.MembershipFactory(
        user=therapist, team=factories.TeamFactory(service=team.service), starts_on=days_ago(30)
    )
    assert permissions.roles_of(therapist) == frozenset({Role.THERAPIST})


def test_roles_of_are_cached_on_the_user_object(therapist, django_assert_num_queries):
    with django_assert_num_queries(1):
        permissions.roles_of(therapist)
    with django_assert_num_queries(0):
        assert permissions.roles_of(therapist) == frozenset({Role.THERAPIST})


def test_roles_of_a_fresh_user_object_are_read_again(therapist, django_assert_num_queries):
    permissions.roles_of(therapist)
    fresh = type(therapist).objects.get(pk=therapist.pk)
    with django_assert_num_queries(1):
        permissions.roles_of(fresh)


def test_roles_of_anonymous_need_no_query(db, django_assert_num_queries):
    with django_assert_num_queries(0):
        assert permissions.roles_of(AnonymousUser()) == frozenset()


def test_roles_held_in_two_services_are_merged(therapist):
    other_service = factories.ServiceFactory()
    factories.MembershipFactory(
        user=therapist, service=other_service, team=None, role=Role.SERVICE_LEAD
    )
    assert permissions.roles_of(therapist) == frozenset({Role.THERAPIST, Role.SERVICE_LEAD})


# Pages gated by a role


def ok_view(request):
    return HttpResponse("ok")


@pytest.mark.parametrize(
    ("role", "message"),
    [
        (Role.THERAPIST, "This page is for therapists."),
        (Role.SUPERVISOR, "This page is for supervisors."),
        (Role.SERVICE_LEAD, "This page is for service leads."),
    ],
)
def test_role_required_refuses_another_role_saying_whom_the_page_is_for(db, role, message):
    request = RequestFactory().get("/somewhere/")
    request.user = factories.UserFactory()
    with pytest.raises(PermissionDenied, match=message):
        permissions.role_required(role)(ok_view)(request)


def test_role_required_lets_the_roles_holder_in(therapist):
    request = RequestFactory().get("/somewhere/")
    request.user = therapist
    assert permissions.role_required(Role.THERAPIST)(ok_view)(request).content == b"ok"


def test_role_required_sends_anonymous_visitors_to_sign_in(db):
    request = RequestFactory().get("/somewhere/")
    request.user = AnonymousUser()
    response = permissions.role_required(Role.THERAPIST)(ok_view)(request)
    assert (response.status_code, response.url) == (302, "/accounts/login/?next=/somewhere/")


def test_page_for_another_role_answers_403_with_the_message(client, therapist):
    client.force_login(therapist)
    response = client.get("/supervision/")
    assert response.status_code == 403
    assert "This page is for supervisors." in response.content.decode()


def test_page_for_a_role_sends_anonymous_visitors_to_sign_in(client, db):
    response = client.get("/supervision/")
    assert (response.status_code, response.url) == (302, "/accounts/login/?next=/supervision/")


def test_therapist_whose_membership_ended_cannot_open_my_training(client, therapist):
    therapist.memberships.update(starts_on=days_ago(400), ends_on=days_ago(1))
    client.force_login(therapist)
    response = client.get("/my-training/")
    assert response.status_code == 403
    assert response.context["exception"] == "This page is for therapists."


# Framework management


def test_staff_without_the_framework_permission_cannot_manage_it(db):
    staff = factories.UserFactory(is_staff=True)
    assert permissions.can_manage_framework(staff) is False


def test_staff_with_the_framework_permission_can_manage_it(db):
    staff = factories.UserFactory(is_staff=True)
    staff.user_permissions.add(Permission.objects.get(codename="change_frameworkversion"))
    assert permissions.can_manage_framework(staff) is True


def test_superuser_who_is_not_staff_cannot_manage_the_framework(db):
    superuser = factories.UserFactory(is_staff=False, is_superuser=True)
    assert permissions.can_manage_framework(superuser) is False


def test_deactivated_administrator_cannot_manage_the_framework(db):
    admin = factories.UserFactory(is_staff=True, is_superuser=True, is_active=False)
    assert permissions.can_manage_framework(admin) is False


# Supervisees


def pks(users) -> set[int]:
    return {user.pk for user in users}


@pytest.mark.parametrize(
    ("kind", "expected"),
    [
        ("supervisor", {"therapist"}),
        ("former_supervisor", set()),
        ("other_supervisor", {"colleague"}),
        ("therapist", set()),
        ("lead", set()),
        ("admin", set()),
        ("anonymous", set()),
    ],
)
def test_current_supervisees_are_the_people_supervised_today(cast, kind, expected):
    supervisees = permissions.current_supervisees(cast.people[kind])
    assert pks(supervisees) == pks(cast.people[name] for name in expected)


def test_current_supervisees_leave_out_relationships_not_yet_started(supervisor, therapist):
    future = factories.therapist()
    factories.SupervisionFactory(
        supervisor=supervisor,
        supervisee=future,
        starts_on=timezone.localdate() + datetime.timedelta(days=1),
    )
    assert pks(permissions.current_supervisees(supervisor)) == {therapist.pk}


def test_current_supervisees_leave_out_deactivated_people(supervisor, therapist):
    therapist.is_active = False
    therapist.save()
    assert list(permissions.current_supervisees(supervisor)) == []


def test_current_supervisees_keep_a_therapist_whose_membership_ended(supervisor, therapist):
    therapist.memberships.update(starts_on=days_ago(400), ends_on=days_ago(1))
    assert pks(permissions.current_supervisees(supervisor)) == {therapist.pk}


# Therapists whose records a person may open


@pytest.mark.parametrize(
    ("kind", "expected"),
    [
        ("therapist", {"therapist"}),
        ("colleague", {"colleague"}),
        ("supervisor", {"therapist"}),
        ("former_supervisor", set()),
        ("other_supervisor", {"colleague"}),
        ("lead", set()),
        ("admin", set()),
        ("anonymous", set()),
        ("former_therapist", set()),
        ("dual", {"dual"}),
    ],
)
def test_visible_therapists_are_oneself_and_current_supervisees(cast, kind, expected):
    visible = permissions.visible_therapists(cast.people[kind])
    assert pks(visible) == pks(cast.people[name] for name in expected)


def test_visible_therapists_list_a_therapist_in_two_teams_once(therapist, service):
    factories.MembershipFactory(user=therapist, team=factories.TeamFactory(service=service))
    assert list(permissions.visible_therapists(therapist)) == [therapist]


def test_supervisor_can_view_a_therapist_on_the_relationships_last_day(supervisor, therapist):
    supervisor.supervisions_given.filter(supervisee=therapist).update(ends_on=timezone.localdate())
    assert permissions.can_view_therapist(supervisor, therapist) is True


def test_supervisor_cannot_view_a_therapist_before_the_relationship_starts(team):
    future_supervisor = factories.supervisor(team=team)
    therapist = factories.therapist(team=team)
    factories.SupervisionFactory(
        supervisor=future_supervisor,
        supervisee=therapist,
        starts_on=timezone.localdate() + datetime.timedelta(days=7),
    )
    assert permissions.can_view_therapist(future_supervisor, therapist) is False


def test_supervisor_cannot_view_a_deactivated_supervisee(supervisor, therapist):
    therapist.is_active = False
    therapist.save()
    assert permissions.can_view_therapist(supervisor, therapist) is False


def test_supervisor_cannot_view_a_supervisee_who_is_not_a_therapist(supervisor):
    not_a_therapist = factories.UserFactory()
    factories.SupervisionFactory(supervisor=supervisor, supervisee=not_a_therapist)
    assert permissions.can_view_therapist(supervisor, not_a_therapist) is False


def test_supervisor_cannot_view_a_supervisee_whose_therapist_membership_ended(
    supervisor, therapist
):
    therapist.memberships.update(starts_on=days_ago(400), ends_on=days_ago(1))
    assert permissions.can_view_therapist(supervisor, therapist) is False


def test_supervisor_who_is_not_a_therapist_cannot_view_themself_as_one(supervisor):
    assert permissions.can_view_therapist(supervisor, supervisor) is False


# Self-assessments


def test_therapist_whose_membership_ended_cannot_fill_in_their_own_assessment(db):
    person = factories.therapist()
    assessment = factories.SelfAssessmentFactory(therapist=person)
    person.memberships.update(starts_on=days_ago(400), ends_on=days_ago(1))
    assert permissions.can_fill_in(person, assessment) is False


def test_private_answers_count_in_a_comparison_only_if_shared_in_every_cycle(cast):
    supervisor = cast.people["supervisor"]
    assert permissions.can_see_private_answers_in_all(supervisor, [cast.shared]) is True
    assert (
        permissions.can_see_private_answers_in_all(supervisor, [cast.shared, cast.not_shared])
        is False
    )


def test_therapist_sees_their_own_private_answers_in_every_cycle(cast):
    therapist = cast.therapist
    assert permissions.can_see_private_answers_in_all(therapist, [cast.shared, cast.not_shared])


# Services


def test_services_led_by_are_the_services_a_person_leads_today(cast):
    led = {kind: list(permissions.services_led_by(who)) for kind, who in cast.people.items()}
    assert led.pop("lead") == [cast.service]
    assert len(led.pop("other_lead")) == 1
    assert all(services == [] for services in led.values())


def test_services_led_by_lists_each_led_service_once(lead, service):
    other = factories.ServiceFactory()
    factories.MembershipFactory(user=lead, service=other, team=None, role=Role.SERVICE_LEAD)
    factories.MembershipFactory(user=lead, service=service, team=None, role=Role.SUPERVISOR)
    assert sorted(permissions.services_led_by(lead).values_list("pk", flat=True)) == sorted(
        [service.pk, other.pk]
    )


def test_lead_whose_membership_ended_can_no_longer_view_the_service(lead, service):
    lead.memberships.update(starts_on=days_ago(400), ends_on=days_ago(1))
    assert permissions.can_view_service(lead, service) is False


# Small groups


def test_figure_about_four_people_is_suppressed_by_default():
    assert permissions.suppress(3.2, respondents=4) is None


def test_figure_about_five_people_is_shown_by_default():
    assert permissions.suppress(3.2, respondents=5) == 3.2


def test_zero_about_enough_people_is_shown_not_suppressed():
    assert permissions.suppress(0.0, respondents=5) == 0.0


def test_small_group_minimum_comes_from_the_settings(settings):
    settings.SMALL_GROUP_MIN = 3
    assert permissions.suppress(3.2, respondents=3) == 3.2
    assert permissions.suppress(3.2, respondents=2) is None


def test_a_service_may_raise_its_small_group_minimum(settings):
    settings.SMALL_GROUP_MIN = 5
    assert permissions.small_group_minimum(Service(small_group_min=8)) == 8


def test_a_service_cannot_lower_its_small_group_minimum(settings):
    settings.SMALL_GROUP_MIN = 5
    assert permissions.small_group_minimum(Service(small_group_min=3)) == 5
    assert permissions.small_group_minimum(Service()) == 5


def test_only_people_given_the_permission_see_national_aggregates(db, django_user_model):
    person = django_user_model.objects.create_user("commissioner")
    assert not permissions.can_view_national_aggregates(person)
    person.user_permissions.add(Permission.objects.get(codename="view_national_aggregates"))
    person = django_user_model.objects.get(pk=person.pk)  # permissions are cached per object
    assert permissions.can_view_national_aggregates(person)
    assert not permissions.can_view_national_aggregates(AnonymousUser())


def test_small_group_minimum_can_be_given_for_one_figure(settings):
    settings.SMALL_GROUP_MIN = 5
    assert permissions.suppress(3.2, respondents=9, k=10) is None
    assert permissions.suppress(3.2, respondents=10, k=10) == 3.2


@pytest.mark.parametrize(
    ("respondents", "k", "disclosable"),
    [(0, None, False), (4, None, False), (5, None, True), (50, None, True), (2, 2, True)],
)
def test_is_disclosable_compares_the_respondents_with_k(respondents, k, disclosable):
    assert permissions.is_disclosable(respondents, k) is disclosable
