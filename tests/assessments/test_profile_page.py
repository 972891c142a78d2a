"""The training-needs profile: what the therapist and their supervisor see, who else may not
see it, the chart (drawn from what its page computed), constant query counts, and the pages that
link to it."""

from __future__ import annotations

import datetime
import html
import re

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import dateformat, timezone
from django.utils.html import strip_tags
from pytest_django.asserts import assertContains, assertNotContains

from assessments import questionnaire
from assessments.charts import profile_chart_svg
from assessments.models import SelfAssessment
from assessments.profile import therapist_profile
from tests import factories

SENSITIVE_KEYS = ["C19", "M11", "BL1"]
SECTION_TITLES = [
    "Capability",
    "Opportunity",
    "Motivation",
    "Therapy style",
    "Session structure",
    "Specific processes",
    "Learning in session",
    "Supervision and study",
    "Broader life",
    "Collaboration and the therapeutic relationship",
]
TABLE_ROW = re.compile(r'<tr>\s*<th scope="row">(.*?)</th>(.*?)</tr>', re.S)
NO_CHANGE = "\u2013"  # the en dash shown when there is nothing to compare with
NEED_KEY = re.compile(r'<span class="item-key">([A-Z0-9-]+)</span>')
CHART_SRC = re.compile(r'<img class="img-fluid profile-chart" src="([^"]+)"')
# Query budgets, measured on SQLite and PostgreSQL whether the therapist has 1, 2 or 10 submitted
# assessments. The page: 9. The chart its page asks for: 4 (session, user, therapist, which
# assessment is latest), as it draws from what the page kept. The chart with nothing cached
# computes the profile itself: 9, as the chart did on every request before.
PROFILE_QUERY_BUDGET = 9
CHART_QUERY_BUDGET = 4
COLD_CHART_QUERY_BUDGET = 9


def profile_url(user_or_pk):
    return f"/therapists/{getattr(user_or_pk, 'pk', user_or_pk)}/profile/"


def chart_url(user_or_pk):
    return f"{profile_url(user_or_pk)}chart.svg"


def picture(svg: bytes) -> str:
    """An SVG without its internal ids, which matplotlib draws at random for each file."""
    return re.sub(r'id="[^"]*"|url\(#[^)]*\)|xlink:href="#[^"]*"', "", svg.decode())


def chart_src(client, therapist) -> str:
    """The chart URL the profile page shows, as the browser requests it."""
    content = client.get(profile_url(therapist)).content.decode()
    return html.unescape(CHART_SRC.search(content).group(1))


def table(response) -> dict[str, list[str]]:
    """Profile table rows: label → [mean, need, since previous, since baseline] as shown."""
    rows = {}
    for label, cells in TABLE_ROW.findall(response.content.decode()):
        texts = [
            html.unescape(strip_tags(cell)).strip()
            for cell in re.findall(r"<td[^>]*>(.*?)</td>", cells, re.S)
        ]
        if len(texts) == 4:
            rows[" ".join(html.unescape(strip_tags(label)).split())] = texts
    return rows


def priority_keys(response) -> list[str]:
    return NEED_KEY.findall(response.content.decode())


def signed_in(client, user):
    client.force_login(user)
    return client


@pytest.fixture
def sensitive_lowest(therapist, published_version):
    """Submitted, private answers not shared: the sensitive statements rated 1, the rest 3."""
    return factories.filled_assessment(
        therapist, published_version, 3, dict.fromkeys(SENSITIVE_KEYS, 1)
    )


@pytest.fixture
def sensitive_lowest_shared(therapist, published_version):
    return factories.filled_assessment(
        therapist,
        published_version,
        3,
        dict.fromkeys(SENSITIVE_KEYS, 1),
        shares_sensitive=True,
    )


# Before any submitted assessment


def test_owner_without_a_submitted_assessment_sees_there_is_no_profile_yet(
    client, therapist, published_version
):
    response = signed_in(client, therapist).get(profile_url(therapist))
    assertContains(
        response, "You have not submitted a self-assessment yet, so there is no profile to show."
    )
    assertNotContains(response, "Priority needs")


def test_owner_without_a_submitted_assessment_is_offered_to_start(
    client, therapist, published_version
):
    response = signed_in(client, therapist).get(profile_url(therapist))
    assertContains(
        response,
        '<a href="/self-assessment/?framework=comb-pd">Start your self-assessment</a>',
        html=True,
    )


def test_owner_with_an_open_assessment_is_offered_to_continue(client, therapist, published_version):
    questionnaire.start_or_resume(therapist, published_version)
    response = signed_in(client, therapist).get(profile_url(therapist))
    assertContains(
        response,
        '<a href="/self-assessment/?framework=comb-pd">Continue your self-assessment</a>',
        html=True,
    )


def test_chart_is_not_found_before_any_submitted_assessment(client, therapist, published_version):
    assert signed_in(client, therapist).get(chart_url(therapist)).status_code == 404


# One submitted assessment


def test_profile_table_has_a_row_for_each_com_b_component(client, therapist, published_version):
    factories.filled_assessment(therapist, published_version, 3)
    rows = table(signed_in(client, therapist).get(profile_url(therapist)))
    assert list(rows)[:3] == ["Capability (COM-B)", "Opportunity (COM-B)", "Motivation (COM-B)"]


def test_profile_table_shows_each_section_once(client, therapist, published_version):
    # A barrier section holds exactly one COM-B component's statements, so it is shown as
    # that component's row; every other section has a row of its own.
    factories.filled_assessment(therapist, published_version, 3)
    rows = table(signed_in(client, therapist).get(profile_url(therapist)))
    assert [label.removesuffix(" (COM-B)") for label in rows] == SECTION_TITLES


def test_profile_shows_the_capability_mean_with_two_decimals(client, therapist, published_version):
    # C1-C10 rated 2, C11-C17 rated 4, C18 not applicable, C19 rated 1:
    # (10 * 2 + 7 * 4 + 1) / 18 rated = 49 / 18 = 2.7222...
    values = (
        {f"C{n}": 2 for n in range(1, 11)}
        | {f"C{n}": 4 for n in range(11, 18)}
        | {"C18": None, "C19": 1}
    )
    factories.filled_assessment(therapist, published_version, 5, values)
    rows = table(signed_in(client, therapist).get(profile_url(therapist)))
    assert rows["Capability (COM-B)"][0] == "2.72"


def test_profile_shows_the_need_of_each_domain(client, therapist, published_version):
    factories.filled_assessment(therapist, published_version, 2)
    rows = table(signed_in(client, therapist).get(profile_url(therapist)))
    assert rows["Opportunity (COM-B)"][:2] == ["2.00", "75"]


def test_profile_shows_no_change_after_a_single_assessment(client, therapist, published_version):
    factories.filled_assessment(therapist, published_version, 3)
    rows = table(signed_in(client, therapist).get(profile_url(therapist)))
    assert rows["Motivation (COM-B)"][2:] == [NO_CHANGE, NO_CHANGE]


def test_priority_needs_list_the_lowest_rated_statements_first(
    client, therapist, published_version
):
    factories.filled_assessment(therapist, published_version, 4, {"CR1": 3, "S2": 1, "O3": 2})
    response = signed_in(client, therapist).get(profile_url(therapist))
    assert priority_keys(response)[:5] == ["S2", "O3", "CR1", "C1", "C2"]


def test_no_priority_needs_when_every_statement_is_rated_5(client, therapist, published_version):
    factories.filled_assessment(therapist, published_version, 5)
    response = signed_in(client, therapist).get(profile_url(therapist))
    assertContains(response, "No statement was rated below 5")
    assert priority_keys(response) == []


def test_profile_history_lists_the_submitted_baseline_with_its_date(
    client, therapist, published_version
):
    factories.filled_assessment(therapist, published_version, 3)
    content = signed_in(client, therapist).get(profile_url(therapist)).content.decode()
    history = " ".join(re.sub(r"<[^>]+>", " ", content[content.index("History</h2>") :]).split())
    assert f"Baseline answers {dateformat.format(timezone.localdate(), 'j F Y')}" in history


def test_chart_is_an_svg_image(client, therapist, published_version):
    factories.filled_assessment(therapist, published_version, 3)
    signed_in(client, therapist)
    response = client.get(chart_src(client, therapist))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/svg+xml"
    assert response.content.startswith(b"<?xml") or b"<svg" in response.content


def test_profile_page_shows_the_chart_of_its_latest_assessment(
    client, therapist, published_version
):
    latest = factories.filled_assessment(therapist, published_version, 3)
    response = signed_in(client, therapist).get(profile_url(therapist))
    assertContains(response, f'src="{chart_url(therapist)}?assessment={latest.pk}&amp;private=1"')


# Change over cycles


def test_since_previous_shows_a_rise_of_one_when_every_rating_rose_by_one(
    client, therapist, published_version
):
    factories.filled_assessment(therapist, published_version, 3)
    factories.filled_assessment(therapist, published_version, 4)
    rows = table(signed_in(client, therapist).get(profile_url(therapist)))
    assert {row[2] for row in rows.values()} == {"+1.00"}


def test_since_previous_shows_a_fall_with_a_minus_sign(client, therapist, published_version):
    factories.filled_assessment(therapist, published_version, 4)
    factories.filled_assessment(therapist, published_version, 3, {f"O{n}": 2 for n in range(1, 11)})
    rows = table(signed_in(client, therapist).get(profile_url(therapist)))
    assert rows["Opportunity (COM-B)"][2] == "-2.00"


def test_since_baseline_compares_with_the_first_assessment(client, therapist, published_version):
    factories.filled_assessment(therapist, published_version, 2)
    factories.filled_assessment(therapist, published_version, 3)
    factories.filled_assessment(therapist, published_version, 4)
    rows = table(signed_in(client, therapist).get(profile_url(therapist)))
    assert rows["Capability (COM-B)"][2:] == ["+1.00", "+2.00"]


# What a supervisor sees


def test_current_supervisor_sees_their_supervisees_profile(
    client, therapist, supervisor, sensitive_lowest
):
    response = signed_in(client, supervisor).get(profile_url(therapist))
    assert response.status_code == 200
    assertContains(response, f"{therapist}: training-needs profile")


def test_current_supervisor_sees_their_supervisees_chart(
    client, therapist, supervisor, sensitive_lowest
):
    signed_in(client, supervisor)
    response = client.get(chart_src(client, therapist))
    assert response["Content-Type"] == "image/svg+xml"


def test_owner_sees_their_private_statements_among_priority_needs(
    client, therapist, sensitive_lowest
):
    response = signed_in(client, therapist).get(profile_url(therapist))
    assert priority_keys(response)[:3] == SENSITIVE_KEYS


def test_supervisor_does_not_see_private_statements_that_were_not_shared(
    client, therapist, supervisor, sensitive_lowest
):
    keys = priority_keys(signed_in(client, supervisor).get(profile_url(therapist)))
    assert keys
    assert not set(keys) & set(SENSITIVE_KEYS)


def test_supervisor_is_told_private_answers_are_left_out(
    client, therapist, supervisor, sensitive_lowest
):
    response = signed_in(client, supervisor).get(profile_url(therapist))
    assertContains(response, "Answers to statements marked private are private to")


def test_private_statements_not_shared_do_not_count_in_the_supervisors_means(
    client, therapist, supervisor, sensitive_lowest
):
    # Capability: C1-C18 rated 3, C19 (private) rated 1. The owner's mean is 55 / 19 = 2.89;
    # without C19 it is 3.00.
    owner_rows = table(signed_in(client, therapist).get(profile_url(therapist)))
    supervisor_rows = table(signed_in(client, supervisor).get(profile_url(therapist)))
    assert owner_rows["Capability (COM-B)"][0] == "2.89"
    assert supervisor_rows["Capability (COM-B)"][0] == "3.00"


def test_supervisor_sees_private_statements_that_were_shared(
    client, therapist, supervisor, sensitive_lowest_shared
):
    response = signed_in(client, supervisor).get(profile_url(therapist))
    assert priority_keys(response)[:3] == SENSITIVE_KEYS
    assertNotContains(response, "are private to")


@pytest.fixture
def former_supervisor(team, therapist):
    person = factories.supervisor(team=team)
    factories.SupervisionFactory(
        supervisor=person,
        supervisee=therapist,
        starts_on=timezone.localdate() - datetime.timedelta(days=400),
        ends_on=timezone.localdate() - datetime.timedelta(days=1),
    )
    return person


@pytest.fixture
def other_therapist(team):
    return factories.therapist(team=team)


OUTSIDERS = ["former_supervisor", "other_therapist", "lead", "admin_user"]


@pytest.mark.parametrize("viewer", OUTSIDERS)
def test_outsiders_cannot_open_a_therapists_profile(
    client, request, therapist, sensitive_lowest, viewer
):
    response = signed_in(client, request.getfixturevalue(viewer)).get(profile_url(therapist))
    assert response.status_code == 404


@pytest.mark.parametrize("viewer", OUTSIDERS)
def test_outsiders_cannot_open_a_therapists_chart(
    client, request, therapist, sensitive_lowest, viewer
):
    response = signed_in(client, request.getfixturevalue(viewer)).get(chart_url(therapist))
    assert response.status_code == 404


@pytest.mark.parametrize("url", [profile_url, chart_url])
def test_unknown_therapist_is_not_found(client, therapist, sensitive_lowest, url):
    assert signed_in(client, therapist).get(url(therapist.pk + 1000)).status_code == 404


@pytest.mark.parametrize("url", [profile_url, chart_url])
def test_anonymous_visitor_is_sent_to_sign_in(client, therapist, sensitive_lowest, url):
    response = client.get(url(therapist))
    assert response.status_code == 302
    assert response.url.startswith("/accounts/login/")


# Query counts


@pytest.mark.parametrize("assessments", [1, 10])
def test_profile_query_count_does_not_grow_with_assessments(
    client, therapist, published_version, django_assert_max_num_queries, assessments
):
    for _ in range(assessments):
        factories.filled_assessment(therapist, published_version, 3)
    signed_in(client, therapist)
    with django_assert_max_num_queries(PROFILE_QUERY_BUDGET):
        response = client.get(profile_url(therapist))
    assert len(table(response)) == len(SECTION_TITLES)


@pytest.mark.parametrize("assessments", [1, 10])
def test_chart_after_its_page_query_count_does_not_grow_with_assessments(
    client, therapist, published_version, django_assert_max_num_queries, assessments
):
    for _ in range(assessments):
        factories.filled_assessment(therapist, published_version, 3)
    src = chart_src(signed_in(client, therapist), therapist)
    with django_assert_max_num_queries(CHART_QUERY_BUDGET):
        response = client.get(src)
    assert response.status_code == 200


@pytest.mark.parametrize("assessments", [1, 10])
def test_chart_with_nothing_cached_query_count_does_not_grow_with_assessments(
    client, therapist, published_version, django_assert_max_num_queries, assessments
):
    for _ in range(assessments):
        factories.filled_assessment(therapist, published_version, 3)
    src = chart_src(signed_in(client, therapist), therapist)
    cache.clear()
    with django_assert_max_num_queries(COLD_CHART_QUERY_BUDGET):
        response = client.get(src)
    assert response.status_code == 200


# The chart: the page computes the profile once, the chart draws from what it kept


def test_chart_after_its_page_reads_no_ratings(client, therapist, published_version):
    factories.filled_assessment(therapist, published_version, 3)
    factories.filled_assessment(therapist, published_version, 4)
    src = chart_src(signed_in(client, therapist), therapist)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(src)
    assert response.status_code == 200
    assert not [q for q in queries.captured_queries if "assessments_itemrating" in q["sql"]]


def test_chart_with_nothing_cached_shows_the_same_picture(client, therapist, published_version):
    factories.filled_assessment(therapist, published_version, 3)
    factories.filled_assessment(therapist, published_version, 4, {"O1": 1})
    src = chart_src(signed_in(client, therapist), therapist)
    from_page = picture(client.get(src).content)
    cache.clear()
    assert picture(client.get(src).content) == from_page


def test_supervisors_chart_link_says_private_answers_are_left_out(
    client, therapist, supervisor, sensitive_lowest
):
    signed_in(client, supervisor)
    assert chart_src(client, therapist).endswith(f"?assessment={sensitive_lowest.pk}&private=0")


def test_supervisors_chart_leaves_out_private_answers_after_the_owner_opened_theirs(
    client, therapist, supervisor, sensitive_lowest
):
    signed_in(client, therapist)
    owners = picture(client.get(chart_src(client, therapist)).content)
    signed_in(client, supervisor)
    supervisors = picture(client.get(chart_src(client, therapist)).content)
    trend = therapist_profile(supervisor, therapist).trend()
    assert supervisors == picture(profile_chart_svg(trend))
    assert supervisors != owners


def test_supervisor_asking_for_the_chart_with_private_answers_gets_theirs(
    client, therapist, supervisor, sensitive_lowest
):
    signed_in(client, therapist)
    owners_src = chart_src(client, therapist)
    client.get(owners_src)
    signed_in(client, supervisor)
    response = client.get(owners_src)
    assert response.status_code == 302
    assert response.url == f"{chart_url(therapist)}?assessment={sensitive_lowest.pk}&private=0"


def test_chart_of_an_older_page_is_redirected_to_the_latest_assessments(
    client, therapist, published_version
):
    factories.filled_assessment(therapist, published_version, 3)
    old_src = chart_src(signed_in(client, therapist), therapist)
    latest = factories.filled_assessment(therapist, published_version, 4)
    response = client.get(old_src)
    assert response.status_code == 302
    assert response.url == f"{chart_url(therapist)}?assessment={latest.pk}&private=1"


# Pages that show the status and link to the profile


def test_supervisees_page_shows_baseline_due_before_any_assessment(
    client, therapist, supervisor, published_version
):
    response = signed_in(client, supervisor).get("/supervision/")
    assertContains(response, "Baseline due</span>")


def test_supervisees_page_shows_complete_after_submitting(
    client, therapist, supervisor, published_version
):
    factories.filled_assessment(therapist, published_version, 3)
    response = signed_in(client, supervisor).get("/supervision/")
    assertContains(response, ">Complete</span>")


def test_supervisees_page_links_to_the_supervisees_profile(
    client, therapist, supervisor, published_version
):
    response = signed_in(client, supervisor).get(f"/supervision/supervisees/{therapist.pk}/")
    assertContains(response, f'href="{profile_url(therapist)}"')


def test_my_training_shows_the_baseline_is_due_with_a_start_link(
    client, therapist, published_version
):
    response = signed_in(client, therapist).get("/my-training/")
    assertContains(response, "Baseline due</span>")
    assertContains(
        response, 'href="/self-assessment/?framework=comb-pd">Start your self-assessment</a>'
    )


def test_my_training_offers_to_continue_an_open_assessment(client, therapist, published_version):
    questionnaire.start_or_resume(therapist, published_version)
    response = signed_in(client, therapist).get("/my-training/")
    assertContains(response, "Baseline in progress</span>")
    assertContains(
        response, 'href="/self-assessment/?framework=comb-pd">Continue your self-assessment</a>'
    )


def test_my_training_has_no_start_link_once_complete(client, therapist, published_version):
    factories.filled_assessment(therapist, published_version, 3)
    response = signed_in(client, therapist).get("/my-training/")
    assertContains(response, ">Complete</span>")
    assertNotContains(response, 'href="/self-assessment/"')


def test_my_training_links_to_the_profile(client, therapist, published_version):
    response = signed_in(client, therapist).get("/my-training/")
    assertContains(response, f'href="{profile_url(therapist)}"')


# CSP-ready markup


@pytest.fixture
def csp_pages(client, therapist, published_version):
    """The section, review and profile pages, with something on each to render."""
    signed_in(client, therapist)
    factories.filled_assessment(therapist, published_version, 3)
    SelfAssessment.objects.filter(therapist=therapist).update(
        submitted_at=timezone.now() - datetime.timedelta(days=100)
    )
    client.post("/self-assessment/")
    open_one = SelfAssessment.objects.get(
        therapist=therapist, status=SelfAssessment.Status.IN_PROGRESS
    )
    return {
        "section": f"/self-assessment/{open_one.pk}/section/1/",
        "review": f"/self-assessment/{open_one.pk}/review/",
        "profile": profile_url(therapist),
    }


@pytest.mark.parametrize("page", ["section", "review", "profile"])
def test_pages_have_no_inline_scripts(client, csp_pages, page):
    content = client.get(csp_pages[page]).content.decode()
    assert "<script" in content
    assert not re.search(r"<script(?![^>]*\ssrc=)[^>]*>", content)


@pytest.mark.parametrize("page", ["section", "review", "profile"])
def test_pages_have_no_inline_styles(client, csp_pages, page):
    assert ' style="' not in client.get(csp_pages[page]).content.decode()


@pytest.mark.parametrize("page", ["section", "review", "profile"])
def test_pages_have_no_inline_event_handlers(client, csp_pages, page):
    assert not re.search(r' on[a-z]+="', client.get(csp_pages[page]).content.decode())


def test_history_marks_the_change_in_overall_rating_between_cycles(
    client, therapist, published_version
):
    first = factories.filled_assessment(therapist, published_version, 2)
    SelfAssessment.objects.filter(pk=first.pk).update(
        submitted_at=first.submitted_at - datetime.timedelta(days=120)
    )
    factories.filled_assessment(therapist, published_version, 4)
    client.force_login(therapist)
    html = client.get(f"/therapists/{therapist.pk}/profile/").content.decode()
    assert "2.00" in html
    assert "▲ +2.00" in html
