"""The pages, as each kind of person sees them: home, sign-in, service overview, my training,
the framework, navigation, error pages, CSP-ready markup and constant query counts."""

from __future__ import annotations

import datetime
import re

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from pytest_django.asserts import assertContains, assertNotContains, assertRedirects

from accounts.models import Role, Service
from assessments.models import Framework
from assessments.services import create_draft
from tests import factories

LOGIN_URL = "/accounts/login/"


@pytest.fixture
def no_role_user(db):
    return factories.UserFactory()


@pytest.fixture
def dual(team):
    """A supervisor who also sees clients in the team."""
    person = factories.therapist(team=team, first_name="Dana", last_name="Dual")
    factories.MembershipFactory(user=person, service=team.service, team=None, role=Role.SUPERVISOR)
    return person


def lead_of(service):
    user = factories.UserFactory()
    factories.MembershipFactory(user=user, service=service, team=None, role=Role.SERVICE_LEAD)
    return user


def signed_in(client, user):
    client.force_login(user)
    return client


# Anonymous visitors


@pytest.mark.parametrize(
    "url", ["/", "/my-training/", "/supervision/", "/services/service-x/", "/framework/"]
)
def test_anonymous_visitor_is_sent_to_sign_in(client, db, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response.url == f"{LOGIN_URL}?next={url}"


# Home


def test_home_sends_a_lead_to_their_service_overview(client, lead, service):
    response = signed_in(client, lead).get("/")
    assertRedirects(response, f"/services/{service.slug}/", fetch_redirect_response=False)


def test_home_sends_a_lead_of_two_services_to_the_first_by_name(client, db):
    lead = lead_of(factories.ServiceFactory(name="Wessex", slug="wessex"))
    factories.MembershipFactory(
        user=lead,
        service=factories.ServiceFactory(name="Avon", slug="avon"),
        team=None,
        role=Role.SERVICE_LEAD,
    )
    response = signed_in(client, lead).get("/")
    assertRedirects(response, "/services/avon/", fetch_redirect_response=False)


def test_home_no_longer_sends_a_former_lead_to_the_service(client, lead):
    lead.memberships.update(
        starts_on=timezone.localdate() - datetime.timedelta(days=400),
        ends_on=timezone.localdate() - datetime.timedelta(days=1),
    )
    response = signed_in(client, lead).get("/")
    assertContains(response, "does not have a role")


def test_home_sends_a_supervisor_to_their_supervisees(client, supervisor):
    response = signed_in(client, supervisor).get("/")
    assertRedirects(response, "/supervision/", fetch_redirect_response=False)


def test_home_sends_a_therapist_to_my_training(client, therapist):
    response = signed_in(client, therapist).get("/")
    assertRedirects(response, "/my-training/", fetch_redirect_response=False)


def test_home_sends_an_administrator_without_roles_to_the_framework(client, admin_user):
    response = signed_in(client, admin_user).get("/")
    assertRedirects(response, "/framework/", fetch_redirect_response=False)


def test_home_sends_a_supervisor_who_is_also_a_therapist_to_their_supervisees(client, dual):
    response = signed_in(client, dual).get("/")
    assertRedirects(response, "/supervision/", fetch_redirect_response=False)


def test_home_sends_a_commissioner_to_the_national_view(client, no_role_user):
    no_role_user.user_permissions.add(Permission.objects.get(codename="view_national_aggregates"))
    client.force_login(no_role_user)
    assert client.get("/").url == reverse("reports:national")


def test_home_tells_a_user_without_a_role_that_they_have_none(client, no_role_user):
    response = signed_in(client, no_role_user).get("/")
    assertContains(response, "does not have a role")


# Signing in and out


@pytest.mark.parametrize(
    ("person", "home"),
    [("therapist", "/my-training/"), ("supervisor", "/supervision/"), ("lead", "/services/")],
)
def test_signing_in_lands_on_the_roles_home(client, request, person, home):
    user = request.getfixturevalue(person)
    response = client.post(
        LOGIN_URL, {"login": user.username, "password": factories.PASSWORD}, follow=True
    )
    assert response.status_code == 200
    assert response.redirect_chain[-1][0].startswith(home)
    assert response.context["user"] == user


def test_signing_in_with_a_wrong_password_shows_an_error(client, therapist):
    response = client.post(LOGIN_URL, {"login": therapist.username, "password": "wrong"})
    assertContains(response, "The username and/or password you specified are not correct")


def test_signing_in_with_a_wrong_password_keeps_the_username_typed(client, therapist):
    response = client.post(LOGIN_URL, {"login": therapist.username, "password": "wrong"})
    assertContains(response, f'value="{therapist.username}"')


def test_signing_in_with_a_wrong_password_does_not_sign_in(client, therapist):
    client.post(LOGIN_URL, {"login": therapist.username, "password": "wrong"})
    assert client.get("/").status_code == 302
    assert client.get("/").url.startswith(LOGIN_URL)


def test_signing_out_by_post_ends_the_session(client, therapist):
    signed_in(client, therapist)
    response = client.post(reverse("account_logout"), follow=True)
    assert response.status_code == 200
    assert response.context["user"].is_authenticated is False
    assert client.get("/my-training/").url == f"{LOGIN_URL}?next=/my-training/"


def test_opening_the_sign_out_address_only_asks_to_confirm(client, therapist):
    signed_in(client, therapist)
    response = client.get(reverse("account_logout"))
    assertContains(response, "Do you want to sign out")
    assert response.context["user"] == therapist
    assert client.get("/my-training/").status_code == 200


def signs_in(client, username: str, password: str) -> bool:
    """Whether the sign-in form accepts this username and password."""
    client.post(LOGIN_URL, {"login": username, "password": password})
    return "_auth_user_id" in client.session


def test_changed_password_is_the_one_that_signs_in(client, therapist):
    new_password = "a-much-longer-Passphrase-2026"
    signed_in(client, therapist)
    response = client.post(
        reverse("account_change_password"),
        {"oldpassword": factories.PASSWORD, "password1": new_password, "password2": new_password},
        follow=True,
    )
    assertContains(response, "Your new password is in use")
    client.post(reverse("account_logout"))
    assert not signs_in(client, therapist.username, factories.PASSWORD)
    assert signs_in(client, therapist.username, new_password)


def test_password_change_with_a_wrong_old_password_is_refused(client, therapist):
    response = signed_in(client, therapist).post(
        reverse("account_change_password"),
        {
            "oldpassword": "not-my-password",
            "password1": "a-much-longer-Passphrase-2026",
            "password2": "a-much-longer-Passphrase-2026",
        },
    )
    assertContains(response, "Please type your current password")


# Service overview


def headcount_row(team_name: str, therapists: int, supervisors: int) -> str:
    return (
        f'<tr><th scope="row">{team_name}</th><td class="text-end">{therapists}</td>'
        f'<td class="text-end">{supervisors}</td></tr>'
    )


def overview(client, lead, service, **params):
    return signed_in(client, lead).get(f"/services/{service.slug}/", params)


def test_lead_sees_their_teams_with_therapist_and_supervisor_counts(client, lead, service):
    north = factories.TeamFactory(service=service, name="North")
    south = factories.TeamFactory(service=service, name="South")
    for _ in range(3):
        factories.therapist(team=north)
    factories.supervisor(team=north)
    factories.therapist(team=south)
    factories.supervisor(service=service)  # service-wide: in no team's count
    factories.therapist(team=factories.TeamFactory(name="Elsewhere"))  # another service
    response = signed_in(client, lead).get(f"/services/{service.slug}/")
    row = '<tr><th scope="row">{}</th><td class="text-end">{}</td><td class="text-end">{}</td></tr>'
    assertContains(response, row.format("North", 3, 1), html=True)
    assertContains(response, row.format("South", 1, 0), html=True)


def test_lead_does_not_see_another_services_teams(client, lead, service):
    factories.TeamFactory(name="Elsewhere")
    response = signed_in(client, lead).get(f"/services/{service.slug}/")
    assertNotContains(response, "Elsewhere")


def test_person_in_two_roles_counts_once_per_role(client, lead, team, dual):
    factories.MembershipFactory(user=dual, team=team, role=Role.SUPERVISOR)
    response = signed_in(client, lead).get(f"/services/{team.service.slug}/")
    row = '<tr><th scope="row">{}</th><td class="text-end">1</td><td class="text-end">1</td></tr>'
    assertContains(response, row.format(team.name), html=True)


def test_lead_sees_an_empty_state_for_a_service_without_teams(client, lead, service):
    response = signed_in(client, lead).get(f"/services/{service.slug}/")
    assertContains(response, "This service has no teams yet")


def test_lead_sees_how_many_teams_the_service_has(client, lead, service):
    factories.TeamFactory(service=service)
    factories.TeamFactory(service=service)
    assertContains(overview(client, lead, service), "has 2 teams.")


def test_team_without_anyone_today_shows_no_one(client, lead, team):
    assertContains(overview(client, lead, team.service), headcount_row(team.name, 0, 0), html=True)


def test_therapist_who_left_the_team_is_no_longer_counted(client, lead, team):
    factories.therapist(team=team)
    leaver = factories.therapist(team=team)
    leaver.memberships.update(
        starts_on=timezone.localdate() - datetime.timedelta(days=100),
        ends_on=timezone.localdate() - datetime.timedelta(days=1),
    )
    assertContains(overview(client, lead, team.service), headcount_row(team.name, 1, 0), html=True)


def test_therapist_on_their_last_day_is_still_counted(client, lead, team):
    factories.therapist(team=team).memberships.update(ends_on=timezone.localdate())
    assertContains(overview(client, lead, team.service), headcount_row(team.name, 1, 0), html=True)


def test_therapist_who_has_not_started_yet_is_not_counted(client, lead, team):
    factories.therapist(team=team).memberships.update(
        starts_on=timezone.localdate() + datetime.timedelta(days=7)
    )
    assertContains(overview(client, lead, team.service), headcount_row(team.name, 0, 0), html=True)


def test_therapist_who_moved_counts_in_their_new_team_only(client, lead, service):
    old = factories.TeamFactory(service=service, name="Old team")
    new = factories.TeamFactory(service=service, name="New team")
    mover = factories.therapist(team=old)
    moved_on = timezone.localdate() - datetime.timedelta(days=30)
    mover.memberships.update(
        starts_on=moved_on - datetime.timedelta(days=300),
        ends_on=moved_on - datetime.timedelta(days=1),
    )
    factories.MembershipFactory(user=mover, team=new, starts_on=moved_on)
    response = overview(client, lead, service)
    assertContains(response, headcount_row("Old team", 0, 0), html=True)
    assertContains(response, headcount_row("New team", 1, 0), html=True)


def test_deactivated_people_are_not_counted(client, lead, team):
    factories.therapist(team=team)
    factories.therapist(team=team, is_active=False)
    factories.supervisor(team=team, is_active=False)
    assertContains(overview(client, lead, team.service), headcount_row(team.name, 1, 0), html=True)


def test_overlapping_memberships_of_one_person_count_once(client, lead, team):
    person = factories.therapist(team=team)
    factories.MembershipFactory(
        user=person,
        team=team,
        starts_on=timezone.localdate() - datetime.timedelta(days=60),
        ends_on=timezone.localdate() + datetime.timedelta(days=60),
    )
    assertContains(overview(client, lead, team.service), headcount_row(team.name, 1, 0), html=True)


def test_teams_table_scrolls_sideways_in_a_focusable_labelled_region(client, lead, team):
    html = overview(client, lead, team.service).content.decode()
    region = '<div class="table-responsive" tabindex="0" role="region" aria-label="Teams of'
    assert html.index(region) < html.index("<table")


@pytest.fixture
def sixty_teams(service):
    """Teams 00 to 59, listed in that order (by name)."""
    return [factories.TeamFactory(service=service, name=f"Team {n:02d}") for n in range(60)]


def team_names_shown(response) -> list[str]:
    return [row.team.name for row in response.context["rows"]]


def test_first_page_shows_the_first_25_teams(client, lead, service, sixty_teams):
    response = overview(client, lead, service)
    assert team_names_shown(response) == [f"Team {n:02d}" for n in range(25)]
    assertContains(response, "Page 1 of 3")


def test_last_page_shows_the_last_10_teams(client, lead, service, sixty_teams):
    response = overview(client, lead, service, page=3)
    assert team_names_shown(response) == [f"Team {n:02d}" for n in range(50, 60)]
    assertContains(response, "Page 3 of 3")


def test_team_count_covers_all_pages(client, lead, service, sixty_teams):
    assertContains(overview(client, lead, service, page=2), "has 60 teams.")


def test_team_page_past_the_end_shows_the_last_page(client, lead, service, sixty_teams):
    assertContains(overview(client, lead, service, page=99), "Page 3 of 3")


def test_few_teams_show_no_pagination(client, lead, team):
    assertNotContains(overview(client, lead, team.service), 'aria-label="Pages"')


def test_lead_of_another_service_cannot_open_this_services_overview(client, service):
    other_lead = lead_of(factories.ServiceFactory())
    response = signed_in(client, other_lead).get(f"/services/{service.slug}/")
    assertContains(response, "Page not found", status_code=404)


@pytest.mark.parametrize("person", ["therapist", "supervisor", "admin_user", "no_role_user"])
def test_only_the_lead_can_open_the_service_overview(client, request, service, person):
    user = request.getfixturevalue(person)
    response = signed_in(client, user).get(f"/services/{service.slug}/")
    assert response.status_code == 404


def test_former_lead_can_no_longer_open_the_service_overview(client, lead, service):
    lead.memberships.update(
        starts_on=timezone.localdate() - datetime.timedelta(days=400),
        ends_on=timezone.localdate() - datetime.timedelta(days=1),
    )
    assert overview(client, lead, service).status_code == 404


def test_unknown_service_is_not_found(client, lead):
    assert signed_in(client, lead).get("/services/no-such-service/").status_code == 404


# My training


def test_therapist_sees_their_team_and_service(client, therapist, team):
    response = signed_in(client, therapist).get("/my-training/")
    assertContains(response, f"{escape(team.name)}, {escape(team.service.name)}")


def test_therapist_sees_their_current_supervisor(client, team):
    therapist = factories.therapist(team=team)
    supervisor = factories.supervisor(team=team, first_name="Helen", last_name="Carter")
    factories.SupervisionFactory(supervisor=supervisor, supervisee=therapist)
    response = signed_in(client, therapist).get("/my-training/")
    assertContains(response, "Helen Carter, since")


def test_therapist_does_not_see_a_former_supervisor(client, team):
    therapist = factories.therapist(team=team)
    former = factories.supervisor(team=team, first_name="Former", last_name="Supervisor")
    factories.SupervisionFactory(
        supervisor=former,
        supervisee=therapist,
        ends_on=timezone.localdate() - datetime.timedelta(days=1),
    )
    response = signed_in(client, therapist).get("/my-training/")
    assertNotContains(response, "Former Supervisor")
    assertContains(response, "No supervisor is recorded for you yet")


def test_therapist_sees_an_empty_state_before_their_service_has_a_framework(client, therapist):
    response = signed_in(client, therapist).get("/my-training/")
    assertContains(response, "Your service has not chosen a framework to assess against yet")


def test_therapist_sees_an_empty_state_before_their_framework_is_published(client, therapist):
    draft = factories.FrameworkVersionFactory(framework__name="Falls prevention")
    Service.objects.update(framework=draft.framework)
    response = signed_in(client, therapist).get("/my-training/")
    assertContains(response, "No version of Falls prevention has been published yet")


def test_therapist_sees_the_sections_of_the_published_framework(
    client, therapist, published_version
):
    response = signed_in(client, therapist).get("/my-training/")
    for section in published_version.sections.all():
        assertContains(response, escape(section.title))


@pytest.mark.parametrize("person", ["supervisor", "lead", "admin_user", "no_role_user"])
def test_only_therapists_can_open_my_training(client, request, person):
    user = request.getfixturevalue(person)
    response = signed_in(client, user).get("/my-training/")
    assertContains(response, "You do not have access", status_code=403)


def test_supervisor_who_is_also_a_therapist_can_open_my_training(client, dual):
    assert signed_in(client, dual).get("/my-training/").status_code == 200


# The framework


@pytest.fixture
def c1_target(published_version) -> str:
    return published_version.items.get(key="C1").target_text


@pytest.mark.parametrize(
    "person", ["therapist", "supervisor", "lead", "admin_user", "no_role_user", "dual"]
)
def test_everyone_signed_in_can_read_the_published_framework(client, request, c1_target, person):
    user = request.getfixturevalue(person)
    response = signed_in(client, user).get("/framework/")
    assertContains(response, escape(c1_target))


def test_framework_page_is_not_found_before_any_framework_is_loaded(client, therapist):
    response = signed_in(client, therapist).get("/framework/")
    assertContains(response, "Page not found", status_code=404)


def test_framework_page_is_not_found_while_the_framework_has_only_a_draft(client, therapist):
    create_draft(Framework.objects.create(slug="comb-pd", name="COM-B"))
    response = signed_in(client, therapist).get("/framework/")
    assertContains(response, "Page not found", status_code=404)


def test_published_version_can_be_opened_by_its_number(client, therapist, c1_target):
    response = signed_in(client, therapist).get("/framework/comb-pd/v1/")
    assertContains(response, escape(c1_target))


def test_therapist_cannot_open_a_draft_version(client, therapist, published_version):
    create_draft(published_version.framework)
    response = signed_in(client, therapist).get("/framework/comb-pd/v2/")
    assertContains(response, "Page not found", status_code=404)


def test_administrator_can_open_a_draft_version(client, admin_user, published_version):
    create_draft(published_version.framework)
    response = signed_in(client, admin_user).get("/framework/comb-pd/v2/")
    assertContains(response, "not yet published")


def test_therapist_does_not_see_a_link_to_the_draft(client, therapist, published_version):
    create_draft(published_version.framework)
    response = signed_in(client, therapist).get("/framework/")
    assertNotContains(response, "/framework/comb-pd/v2/")


def test_unknown_version_number_is_not_found(client, admin_user, published_version):
    assert signed_in(client, admin_user).get("/framework/comb-pd/v9/").status_code == 404


def test_unknown_framework_is_not_found(client, admin_user, published_version):
    assert signed_in(client, admin_user).get("/framework/no-such/v1/").status_code == 404


# Navigation


def nav_link(url: str, text: str) -> str:
    return f'<a class="nav-link" href="{url}">{text}</a>'


MY_TRAINING = nav_link("/my-training/", "My training")
SUPERVISEES = nav_link("/supervision/", "Supervisees")
ADMINISTRATION = nav_link("/admin/", "Administration")


@pytest.mark.parametrize(
    ("person", "shown", "hidden"),
    [
        ("therapist", [MY_TRAINING], [SUPERVISEES, ADMINISTRATION]),
        ("supervisor", [SUPERVISEES], [MY_TRAINING, ADMINISTRATION]),
        ("dual", [MY_TRAINING, SUPERVISEES], [ADMINISTRATION]),
        ("lead", [], [MY_TRAINING, SUPERVISEES, ADMINISTRATION]),
        ("admin_user", [ADMINISTRATION], [MY_TRAINING, SUPERVISEES]),
        ("no_role_user", [], [MY_TRAINING, SUPERVISEES, ADMINISTRATION]),
    ],
)
def test_navigation_shows_the_links_for_the_roles_held(client, request, person, shown, hidden):
    user = request.getfixturevalue(person)
    response = signed_in(client, user).get(reverse("account_change_password"))
    for link in shown:
        assertContains(response, link, html=True)
    for link in hidden:
        assertNotContains(response, link, html=True)


def test_lead_sees_their_service_in_the_navigation(client, lead, service):
    response = signed_in(client, lead).get(reverse("account_change_password"))
    link = nav_link(f"/services/{service.slug}/", escape(service.name))
    assertContains(response, link, html=True)


def test_navigation_does_not_show_services_the_person_does_not_lead(client, lead):
    elsewhere = factories.ServiceFactory(name="Elsewhere Talking Therapies")
    response = signed_in(client, lead).get(reverse("account_change_password"))
    assertNotContains(response, elsewhere.name)


def test_anonymous_visitor_sees_no_navigation_links(client, db):
    response = client.get(LOGIN_URL)
    assertNotContains(response, 'class="nav-link"')


# CSP-ready templates: no inline script, no inline style, no inline event handler


INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
INLINE_STYLE = re.compile(r' style="', re.IGNORECASE)
INLINE_HANDLER = re.compile(r' on[a-z]+="', re.IGNORECASE)


@pytest.fixture
def world(team, therapist, supervisor, lead, admin_user, no_role_user, published_version):
    """Every page has something to show: supervisees, teams, a published framework, a draft."""
    for _ in range(27):
        supervisee = factories.therapist(team=team)
        factories.SupervisionFactory(supervisor=supervisor, supervisee=supervisee)
    create_draft(published_version.framework)
    return {
        "anonymous": None,
        "therapist": therapist,
        "supervisor": supervisor,
        "lead": lead,
        "admin": admin_user,
        "no_role": no_role_user,
        "service": team.service,
    }


PAGES = [
    ("anonymous", "/accounts/login/", 200),
    ("anonymous", "/no-such-page/", 404),
    ("no_role", "/", 200),
    ("therapist", "/my-training/", 200),
    ("therapist", "/framework/", 200),
    ("therapist", "/framework/comb-pd/v1/", 200),
    ("therapist", "/supervision/", 403),
    ("therapist", "/accounts/password/change/", 200),
    ("therapist", "/accounts/logout/", 200),
    ("anonymous", "/accounts/password/reset/", 200),
    ("anonymous", "/accounts/password/reset/done/", 200),
    ("anonymous", "/accounts/signup/", 200),
    ("supervisor", "/supervision/", 200),
    ("supervisor", "/supervision/?page=2", 200),
    ("lead", "/services/{service}/", 200),
    ("admin", "/framework/comb-pd/v2/", 200),
    ("admin", "/services/{service}/", 404),
]


@pytest.mark.parametrize(("person", "url", "status"), PAGES)
def test_pages_have_no_inline_scripts_styles_or_handlers(client, world, person, url, status):
    if world[person] is not None:
        signed_in(client, world[person])
    response = client.get(url.format(service=world["service"].slug))
    assert response.status_code == status
    html = response.content.decode()
    assert INLINE_SCRIPT.findall(html) == []
    assert INLINE_STYLE.findall(html) == []
    assert INLINE_HANDLER.findall(html) == []


def test_signed_out_page_has_no_inline_scripts_styles_or_handlers(client, therapist):
    signed_in(client, therapist)
    html = client.post(reverse("account_logout"), follow=True).content.decode()
    assert (INLINE_SCRIPT.findall(html), INLINE_STYLE.findall(html)) == ([], [])
    assert INLINE_HANDLER.findall(html) == []


# Error pages


def test_missing_page_shows_the_not_found_page(client, db, settings):
    settings.DEBUG = False
    response = client.get("/no-such-page/")
    assertContains(response, "Page not found", status_code=404)


def test_missing_page_keeps_the_navigation_for_a_signed_in_person(client, therapist, settings):
    settings.DEBUG = False
    response = signed_in(client, therapist).get("/no-such-page/")
    assertContains(response, MY_TRAINING, status_code=404, html=True)


# Query counts stay constant as data grows


def service_with(teams: int, therapists_per_team: int):
    service = factories.ServiceFactory()
    for _ in range(teams):
        team = factories.TeamFactory(service=service)
        factories.supervisor(team=team)
        for _ in range(therapists_per_team):
            factories.therapist(team=team)
    return service


# Measured: 9 on SQLite for 3 teams and for 60 (session, user, the service among
# those the user leads, the paginator's count, the page of teams, the head counts of that page,
# the page's therapists and their assessments for the self-assessment counts, roles and led
# services for the navigation).
SERVICE_OVERVIEW_QUERIES = 9


@pytest.mark.parametrize(("teams", "therapists_per_team"), [(3, 2), (60, 2)])
def test_service_overview_queries_do_not_grow_with_the_service(
    client, db, django_assert_max_num_queries, teams, therapists_per_team
):
    service = service_with(teams, therapists_per_team)
    signed_in(client, lead_of(service))
    with django_assert_max_num_queries(SERVICE_OVERVIEW_QUERIES):
        response = client.get(f"/services/{service.slug}/")
    assert len(response.context["rows"]) == min(teams, 25)
    assert {row.therapists for row in response.context["rows"]} == {therapists_per_team}


# Measured: 11 for a therapist or an administrator, 12 for a lead (their services are listed in
# the navigation), on SQLite and PostgreSQL.
FRAMEWORK_QUERIES = 13


@pytest.mark.parametrize("person", ["therapist", "admin_user", "lead"])
def test_framework_page_queries_are_bounded(
    client, request, published_version, django_assert_max_num_queries, person
):
    signed_in(client, request.getfixturevalue(person))
    with django_assert_max_num_queries(FRAMEWORK_QUERIES):
        response = client.get("/framework/")
    assert response.status_code == 200
