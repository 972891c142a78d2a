"""The supervisor's dashboard page (who needs attention and why, sorted) and a supervisee's page
(summary, log entries, hours by month, links to their other records): what they show, who may
open them, and query counts that do not grow with supervisees or entries."""

from __future__ import annotations

import datetime
import uuid

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone
from pytest_django.asserts import assertContains, assertNotContains

from accounts.models import AuditEvent
from assessments.models import DomainReliability, FrameworkItem
from supervision import reflections
from supervision.models import SupervisionSession
from tests import factories

Status = SupervisionSession.Status
DASHBOARD = reverse("supervision:supervisees")

pytestmark = pytest.mark.django_db


def page_of(person) -> str:
    return reverse("supervision:supervisee", args=[person.pk])


@pytest.fixture
def boss(team):
    return factories.supervisor(team=team, first_name="Helen", last_name="Carter")


def supervisee_of(supervisor, team, first_name="Amara", last_name="Okafor", **relationship):
    person = factories.therapist(team=team, first_name=first_name, last_name=last_name)
    factories.SupervisionFactory(supervisor=supervisor, supervisee=person, **relationship)
    return person


@pytest.fixture
def amara(boss, team):
    return supervisee_of(boss, team)


def rate(person, version, value, *, cycle=0, days_ago=0, **overrides):
    keys = FrameworkItem.objects.filter(version=version).rated().values_list("key", flat=True)
    return factories.submitted_assessment(
        person,
        version,
        {key: value for key in keys} | overrides,
        cycle=cycle,
        submitted_at=timezone.now() - datetime.timedelta(days=days_ago),
    )


def entry(supervisee, supervisor, status=Status.SUBMITTED, **fields):
    values = {"supervisee": supervisee, "supervisor": supervisor, "status": status} | fields
    if status != Status.DRAFT:
        values.setdefault("submitted_at", timezone.now())
    if status == Status.CONFIRMED:
        values |= {"confirmed_at": timezone.now(), "confirmed_by": supervisor}
    return factories.SupervisionSessionFactory(**values)


def card_of(html: str, name: str) -> str:
    start = html.rindex('<li class="card', 0, html.index(name))
    return html[start : html.index("</dl>", start)]


# The dashboard


def test_supervisor_sees_why_a_supervisee_needs_attention(sign_in, boss, amara):
    entry(amara, boss)
    response = sign_in(boss).get(DASHBOARD)
    assertContains(response, "1 entry awaits your confirmation")
    assertContains(response, "Supervision below standard this month")


def test_supervisee_needing_attention_is_listed_first(sign_in, boss, team):
    calm = supervisee_of(boss, team, "Zoe", "Adams")
    for held_on in [timezone.localdate() - datetime.timedelta(days=d) for d in (0, 31, 62)]:
        entry(calm, boss, Status.CONFIRMED, held_on=held_on, duration_minutes=90)
    pressing = supervisee_of(boss, team, "Yusuf", "Young")
    entry(pressing, boss)
    html = sign_in(boss).get(DASHBOARD).content.decode()
    assert html.index("Yusuf Young") < html.index("Zoe Adams")


def test_supervisee_with_nothing_to_look_at_says_so(sign_in, boss, amara):
    for days in (0, 31, 62):
        held_on = timezone.localdate() - datetime.timedelta(days=days)
        entry(amara, boss, Status.CONFIRMED, held_on=held_on, duration_minutes=90)
    response = sign_in(boss).get(DASHBOARD)
    assertContains(response, "Nothing needs your attention.")


def test_each_card_links_to_the_supervisees_page(sign_in, boss, amara):
    response = sign_in(boss).get(DASHBOARD)
    assertContains(response, f'<a href="{page_of(amara)}">Amara Okafor</a>', html=True)


def test_dashboard_shows_top_needs_and_a_reliable_decline(sign_in, boss, amara, published_version):
    rate(amara, published_version, 4, days_ago=100)
    rate(amara, published_version, 2, cycle=1, C1=1)
    DomainReliability.objects.create(
        framework=published_version.framework,
        domain_key="C",
        respondents=10,
        baseline_sd=0.5,
        alpha=0.9,
    )
    card = card_of(sign_in(boss).get(DASHBOARD).content.decode(), "Amara Okafor")
    assert "Reliable decline in Capability" in card
    assert "Reliably worse" in card
    assert '<span class="item-key">C1</span>' in card
    assert "+50 since baseline" in card


def test_dashboard_says_private_answers_are_left_out_when_not_shared(
    sign_in, boss, amara, published_version
):
    rate(amara, published_version, 3)
    response = sign_in(boss).get(DASHBOARD)
    assertContains(response, "Private answers (self-care, burnout) are not shared with you")


def test_dashboard_shows_the_cycle_and_when_last_submitted(sign_in, boss, amara, published_version):
    rate(amara, published_version, 3, days_ago=150)
    response = sign_in(boss).get(DASHBOARD)
    assertContains(response, "Self-assessment overdue")
    submitted = timezone.localtime(timezone.now() - datetime.timedelta(days=150)).date()
    assertContains(response, f"Last submitted {submitted:%-d %b %Y}")


def test_dashboard_shows_hours_against_the_pro_rata_standard(sign_in, boss, amara):
    entry(amara, boss, Status.CONFIRMED, duration_minutes=60)
    response = sign_in(boss).get(DASHBOARD)
    assertContains(response, "60 of 90 min")
    assertContains(response, "20 of 90 min a month")


def test_dashboard_loads_its_stylesheet(sign_in, boss, amara):
    assertContains(sign_in(boss).get(DASHBOARD), "css/dashboard.css")


def busy_supervisee(supervisor, team, version, n):
    person = supervisee_of(supervisor, team, f"Person{n:02d}", f"Surname{n:02d}")
    rate(person, version, 4, days_ago=100)
    rate(person, version, 2, cycle=1)
    entry(person, supervisor)
    session = entry(person, supervisor, Status.CONFIRMED)
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    factories.AgreedActionFactory(entry=session, due_on=yesterday)
    return person


def dashboard_queries(client, supervisor, django_assert_num_queries, expected):
    client.force_login(supervisor)
    cache.clear()
    with django_assert_num_queries(expected):
        return client.get(DASHBOARD)


# Measured on SQLite and PostgreSQL, for 1 and for 30 supervisees with two self-assessments,
# entries and actions each: session, user and roles (3), the navigation's count of reviews
# waiting, then `dashboard_rows` (12; see tests/supervision/test_dashboard.py).
DASHBOARD_PAGE_QUERIES = 16


@pytest.mark.parametrize("supervisees", [1, 30])
def test_dashboard_queries_do_not_grow_with_supervisees(
    client, boss, team, published_version, django_assert_num_queries, supervisees
):
    for n in range(supervisees):
        busy_supervisee(boss, team, published_version, n)
    response = dashboard_queries(client, boss, django_assert_num_queries, DASHBOARD_PAGE_QUERIES)
    assert len(response.context["rows"]) == min(supervisees, 25)


def test_dashboard_sorts_across_pages(sign_in, boss, team):
    people = [supervisee_of(boss, team, f"Person{n:02d}", f"Surname{n:02d}") for n in range(30)]
    entry(people[-1], boss)
    response = sign_in(boss).get(DASHBOARD)
    assert response.context["rows"][0].person == people[-1]


# The supervisee's page


def test_supervisor_opens_a_supervisees_page(sign_in, boss, amara):
    response = sign_in(boss).get(page_of(amara))
    assertContains(response, '<h1 class="h2">Amara Okafor</h1>', html=True)
    assertContains(response, f'<a href="{DASHBOARD}">Your supervisees</a>', html=True)


def test_supervisees_page_links_to_their_records(sign_in, boss, amara):
    response = sign_in(boss).get(page_of(amara))
    for name in (
        "assessments:profile",
        "supervision:supervisee_agenda",
        "supervision:observer_compare",
        "supervision:observer_new",
        "supervision:supervisee_log_csv",
        "supervision:supervisee_log_pdf",
    ):
        assertContains(response, f'href="{reverse(name, args=[amara.pk])}"')


def test_supervisees_page_has_no_profile_link_once_they_stop_being_a_therapist(
    sign_in, boss, amara
):
    amara.memberships.update(
        starts_on=timezone.localdate() - datetime.timedelta(days=400),
        ends_on=timezone.localdate() - datetime.timedelta(days=1),
    )
    response = sign_in(boss).get(page_of(amara))
    assertNotContains(response, reverse("assessments:profile", args=[amara.pk]))
    assertContains(response, "is not working as a therapist now")


def test_supervisees_page_shows_the_summary_of_the_dashboard(sign_in, boss, amara):
    entry(amara, boss)
    response = sign_in(boss).get(page_of(amara))
    assertContains(response, "1 entry awaits your confirmation")


def test_supervisees_page_lists_entries_submitted_to_the_supervisor(sign_in, boss, amara):
    submitted = entry(amara, boss, held_on=datetime.date(2026, 3, 2))
    response = sign_in(boss).get(page_of(amara))
    detail = reverse("supervision:session_detail", args=[submitted.pk])
    assertContains(response, f'href="{detail}"')
    assertContains(response, "Open the session of 2 March 2026")


def test_supervisees_page_leaves_out_drafts_and_other_supervisors_entries(
    sign_in, boss, amara, team
):
    draft = entry(amara, boss, Status.DRAFT)
    elsewhere = entry(amara, factories.supervisor(team=team))
    response = sign_in(boss).get(page_of(amara))
    for hidden in (draft, elsewhere):
        assertNotContains(response, reverse("supervision:session_detail", args=[hidden.pk]))


def test_supervisees_page_without_entries_says_so(sign_in, boss, amara):
    response = sign_in(boss).get(page_of(amara))
    assertContains(response, "No log entries to show.")


def test_supervisees_page_pages_entries_by_25(sign_in, boss, amara):
    for _ in range(30):
        entry(amara, boss)
    response = sign_in(boss).get(page_of(amara), {"page": 2})
    assert len(response.context["page"].object_list) == 5
    assertContains(response, "Page 2 of 2")


def test_supervisees_page_shows_a_year_of_hours_newest_first(sign_in, boss, amara):
    entry(amara, boss, Status.CONFIRMED, duration_minutes=75)
    response = sign_in(boss).get(page_of(amara))
    months = response.context["months"]
    assert len(months) == 12
    assert months[0].month == timezone.localdate().replace(day=1)
    assert months[0].counted_minutes == 75


# Who may open a supervisee's page


def test_another_supervisors_supervisee_is_not_found(sign_in, boss, team):
    other = supervisee_of(factories.supervisor(team=team), team, "Chloe", "Patel")
    assert sign_in(boss).get(page_of(other)).status_code == 404


def test_former_supervisee_is_not_found(sign_in, boss, team):
    today = timezone.localdate()
    former = supervisee_of(
        boss,
        team,
        "Daniel",
        "Murphy",
        starts_on=today - datetime.timedelta(days=400),
        ends_on=today - datetime.timedelta(days=1),
    )
    assert sign_in(boss).get(page_of(former)).status_code == 404


def test_deactivated_supervisee_is_not_found(sign_in, boss, amara):
    amara.is_active = False
    amara.save()
    assert sign_in(boss).get(page_of(amara)).status_code == 404


def test_unknown_person_is_not_found(sign_in, boss):
    assert sign_in(boss).get(reverse("supervision:supervisee", args=[999999])).status_code == 404


def test_therapist_cannot_open_a_supervisees_page(sign_in, amara, team):
    colleague = factories.therapist(team=team)
    response = sign_in(colleague).get(page_of(amara))
    assertContains(response, "You do not have access", status_code=403)


def test_supervisee_cannot_open_their_own_supervisees_page(sign_in, amara):
    assert sign_in(amara).get(page_of(amara)).status_code == 403


def test_visitor_is_sent_to_sign_in(client, amara):
    response = client.get(page_of(amara))
    assert response.status_code == 302
    assert reverse("account_login") in response["Location"]


def test_supervisees_page_refuses_a_post(sign_in, boss, amara):
    assert sign_in(boss).post(page_of(amara)).status_code == 405


def test_dashboard_refuses_a_post(sign_in, boss):
    assert sign_in(boss).post(DASHBOARD).status_code == 405


# Measured on SQLite and PostgreSQL, for 1 and for 30 entries: session, user, roles, the
# navigation's count, the supervisee, `dashboard_rows` for them (12), a year of hours (2), the
# count and the page of entries.
SUPERVISEE_PAGE_QUERIES = 26


@pytest.mark.parametrize("entries", [1, 30])
def test_supervisees_page_queries_do_not_grow_with_entries(
    client, boss, amara, published_version, django_assert_num_queries, entries
):
    rate(amara, published_version, 4, days_ago=100)
    rate(amara, published_version, 2, cycle=1)
    for _ in range(entries):
        entry(amara, boss)
    client.force_login(boss)
    cache.clear()
    with django_assert_num_queries(SUPERVISEE_PAGE_QUERIES):
        client.get(page_of(amara))


def test_supervisee_page_shows_their_session_reflection_pattern(
    sign_in, boss, amara, published_version
):
    reflections.record_reflection(
        amara,
        held_on=timezone.localdate(),
        happened={item.pk for item in reflections.offered_items(amara)},
        note="A private note the supervisor does not see.",
        token=uuid.uuid4(),
    )
    response = sign_in(boss).get(page_of(amara))
    assertContains(response, "Session reflections")
    assertContains(response, "1 session reflected on")
    assertNotContains(response, "A private note")


def test_opening_a_supervisees_page_is_recorded_as_opening_their_profile(sign_in, boss, amara):
    sign_in(boss).get(page_of(amara))
    event = AuditEvent.objects.get(actor=boss, subject=amara)
    assert event.action == AuditEvent.Action.OPENED_PROFILE
