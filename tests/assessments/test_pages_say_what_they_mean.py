"""Issue 15, pages that say what they mean: a reliable decline reads as one, tied needs are all
reachable, due dates are given, the chart shows what the table and priorities rank by (need)
across cycles, a supervisor has a way back to their list, and the framework page speaks to
therapists."""

from __future__ import annotations

import datetime
import html
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import dateformat, timezone
from django.utils.html import strip_tags
from pytest_django.asserts import assertContains, assertNotContains

from assessments.charts import profile_chart_svg
from assessments.cycles import add_months
from assessments.models import DomainReliability, SelfAssessment
from assessments.profile import therapist_profile
from tests import factories
from tests.assessments.test_profile_page import (
    PROFILE_QUERY_BUDGET,
    chart_src,
    picture,
    priority_keys,
    profile_url,
    signed_in,
    table,
)

TREND_ROW = re.compile(r'<tr class="trend-row">\s*<th scope="row">(.*?)</th>(.*?)</tr>', re.S)


def short_date(day: datetime.date) -> str:
    return dateformat.format(day, "j M Y")


def backdate(therapist, days: int) -> None:
    """Move every assessment of the therapist `days` into the past."""
    SelfAssessment.objects.filter(therapist=therapist).update(
        submitted_at=timezone.now() - datetime.timedelta(days=days)
    )


def trend_table(response) -> dict[str, list[str]]:
    """Trend table rows: label → the text of each cycle's cell, oldest first."""
    return {
        html.unescape(strip_tags(label)).strip(): [
            " ".join(html.unescape(strip_tags(cell)).split())
            for cell in re.findall(r"<td[^>]*>(.*?)</td>", cells, re.S)
        ]
        for label, cells in TREND_ROW.findall(response.content.decode())
    }


@pytest.fixture
def two_cycles(therapist, published_version):
    """Baseline: every statement 2; reassessment 100 days later: every statement 4."""
    factories.filled_assessment(therapist, published_version, 2)
    backdate(therapist, 100)
    factories.filled_assessment(therapist, published_version, 4)
    return therapist


@pytest.fixture
def declined(therapist, published_version):
    """Baseline every statement 4, reassessment every statement 2, with stored figures that
    make the fall in Capability reliable."""
    factories.filled_assessment(therapist, published_version, 4)
    backdate(therapist, 100)
    factories.filled_assessment(therapist, published_version, 2)
    DomainReliability.objects.create(
        framework=published_version.framework,
        domain_key="C",
        respondents=10,
        baseline_sd=0.5,
        alpha=0.9,
    )
    return therapist


# A reliable decline


def test_reliable_decline_is_shown_as_reliably_worse_with_a_down_arrow(client, declined):
    response = signed_in(client, declined).get(profile_url(declined))
    worse = '<span aria-hidden="true">▼</span> Reliably worse'
    assertContains(response, f'<span class="badge text-bg-warning">{worse}</span>', count=2)


def test_reliable_decline_is_not_shown_as_a_success(client, declined):
    response = signed_in(client, declined).get(profile_url(declined))
    assertNotContains(response, "text-bg-success")
    assertNotContains(response, "Reliably better")


# Tied priority needs


def test_statements_tied_with_the_fifth_need_are_all_listed(client, therapist, published_version):
    factories.filled_assessment(therapist, published_version, 4, {"S2": 1})
    rated = published_version.items.rated().count()
    response = signed_in(client, therapist).get(profile_url(therapist))
    assertContains(response, f"and {rated - 5} more at the same need</summary>")
    assert len(priority_keys(response)) == rated


def test_each_need_tied_with_the_fifth_can_be_added_to_the_plan(
    client, therapist, published_version
):
    factories.filled_assessment(therapist, published_version, 4, {"S2": 1})
    rated = published_version.items.rated().count()
    response = signed_in(client, therapist).get(profile_url(therapist))
    assert response.content.decode().count(">Add to my plan<") == rated


def test_no_tie_note_when_the_sixth_need_is_lower(client, therapist, published_version):
    values = {"S2": 1, "O3": 1, "CR1": 1, "C1": 1, "C2": 2, "C3": 3}
    factories.filled_assessment(therapist, published_version, 5, values)
    response = signed_in(client, therapist).get(profile_url(therapist))
    assertNotContains(response, "more at the same need")
    keys = priority_keys(response)
    assert sorted(keys[:4]) == ["C1", "CR1", "O3", "S2"]
    assert keys[4:] == ["C2"]


# Due and overdue carry their date


def test_baseline_due_says_it_is_due_today(client, therapist, published_version):
    response = signed_in(client, therapist).get(profile_url(therapist))
    today = short_date(timezone.localdate())
    assertContains(response, f'Baseline due</span> <span class="small">on {today}</span>')


def test_reassessment_due_says_since_when(client, therapist, published_version, service):
    factories.filled_assessment(therapist, published_version, 3)
    backdate(therapist, 100)
    submitted = timezone.localtime(therapist.self_assessments.get().submitted_at).date()
    due_on = add_months(submitted, service.reassessment_interval_months)
    response = signed_in(client, therapist).get(profile_url(therapist))
    assertContains(
        response, f'Reassessment 1 due</span> <span class="small">since {short_date(due_on)}</span>'
    )


def test_overdue_reassessment_says_since_when(client, therapist, published_version, service):
    factories.filled_assessment(therapist, published_version, 3)
    backdate(therapist, 200)
    submitted = timezone.localtime(therapist.self_assessments.get().submitted_at).date()
    due_on = add_months(submitted, service.reassessment_interval_months)
    response = signed_in(client, therapist).get(profile_url(therapist))
    assertContains(
        response,
        f'Reassessment 1 overdue</span> <span class="small">since {short_date(due_on)}</span>',
    )


# The chart, the table and the priorities rank the same thing: need


def test_chart_draws_the_need_the_table_shows(client, two_cycles):
    signed_in(client, two_cycles)
    response = client.get(profile_url(two_cycles))
    trend = therapist_profile(two_cycles, two_cycles).trend()
    latest_needs = {row.label: row.needs[-1] for row in trend.rows}
    shown = {label.removesuffix(" (COM-B)"): cells[1] for label, cells in table(response).items()}
    assert {label: f"{need:.0f}" for label, need in latest_needs.items()} == {
        label: shown[label] for label in latest_needs
    }
    chart = client.get(chart_src(client, two_cycles)).content
    assert picture(chart) == picture(profile_chart_svg(trend))


def test_chart_is_described_as_need_per_cycle(client, two_cycles):
    response = signed_in(client, two_cycles).get(profile_url(two_cycles))
    assertContains(response, "Bar chart of the need (0 to 100)")
    assertContains(response, "one bar per cycle: Baseline, Reassessment 1;")


def test_trend_table_lists_need_and_mean_in_each_cycle(client, two_cycles):
    response = signed_in(client, two_cycles).get(profile_url(two_cycles))
    assert trend_table(response)["Capability"] == [
        "need 75 (mean 2.00)",
        "need 25 (mean 4.00)",
    ]


def test_trend_table_has_a_column_per_cycle(client, two_cycles):
    response = signed_in(client, two_cycles).get(profile_url(two_cycles))
    assertContains(response, '<th scope="col" class="text-end">Baseline</th>', html=True)
    assertContains(response, '<th scope="col" class="text-end">Reassessment 1</th>', html=True)


def test_chart_gives_way_to_its_table_on_a_narrow_screen(client, two_cycles):
    response = signed_in(client, two_cycles).get(profile_url(two_cycles))
    assertContains(response, '<link rel="stylesheet" href="/static/css/profile.css">', html=True)
    css = (Path(settings.BASE_DIR) / "static" / "css" / "profile.css").read_text()
    narrow = css[css.index("@media (max-width: 575.98px)") :]
    assert re.search(r"\.profile-chart\s*\{\s*display:\s*none;", narrow)


def test_supervisor_profile_stays_within_the_query_budget(
    client, two_cycles, supervisor, django_assert_max_num_queries
):
    signed_in(client, supervisor)
    # Measured: 10 for a supervisor, who also has the access record written and the entries
    # awaiting their review counted for the navigation.
    with django_assert_max_num_queries(PROFILE_QUERY_BUDGET + 1):
        response = client.get(profile_url(two_cycles))
    assert response.status_code == 200


# A supervisor's way back to their list


def test_supervisor_sees_a_way_back_to_their_supervisees_on_the_profile(
    client, therapist, supervisor, published_version
):
    response = signed_in(client, supervisor).get(profile_url(therapist))
    assertContains(response, '<a href="/supervision/">Back to your supervisees</a>', html=True)


def test_supervisor_sees_a_way_back_to_their_supervisees_on_the_answers(
    client, therapist, supervisor, published_version
):
    assessment = factories.filled_assessment(therapist, published_version, 3)
    response = signed_in(client, supervisor).get(
        f"/therapists/{therapist.pk}/assessments/{assessment.pk}/"
    )
    assertContains(response, '<a href="/supervision/">Back to your supervisees</a>', html=True)


def test_therapist_on_their_own_profile_is_not_sent_to_a_supervisees_list(
    client, therapist, published_version
):
    response = signed_in(client, therapist).get(profile_url(therapist))
    assertNotContains(response, "Back to your supervisees")


# The framework page speaks to therapists


@pytest.fixture
def framework_page(client, published_version, therapist):
    return signed_in(client, therapist).get("/framework/")


def test_framework_page_shows_therapists_no_file_names(framework_page):
    assert framework_page.status_code == 200
    for fragment in (".yaml", ".md", "seed-repairs", "fixtures/"):
        assertNotContains(framework_page, fragment)


def test_framework_page_spells_out_com_b_codes(framework_page):
    assertContains(
        framework_page,
        'Psychological capability (<abbr title="Psychological capability">C-Ps</abbr>)',
    )


def test_framework_page_explains_how_statements_are_coded(framework_page):
    assertContains(framework_page, "<summary>How each statement is coded</summary>")


def test_framework_tables_scroll_in_a_labelled_focusable_region(framework_page):
    content = framework_page.content.decode()
    regions = re.findall(r'<div class="table-responsive"([^>]*)>', content)
    assert regions
    assert all('tabindex="0"' in r and 'role="region"' in r and "aria-label=" in r for r in regions)
