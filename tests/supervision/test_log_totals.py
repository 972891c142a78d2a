"""The log page's totals of the last 12 months by month and format, its export form, and its
query count."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone
from pytest_django.asserts import assertContains, assertNotContains

from supervision import hours
from supervision.models import Format, SupervisionSession
from tests import factories

pytestmark = pytest.mark.django_db

Status = SupervisionSession.Status
LOG = reverse("supervision:log")
FORMATS = ["Individual", "Group", "Peer", "Live observation"]


def months_ago(count: int) -> datetime.date:
    """The first day of the month `count` months before this one."""
    return hours.months_ending(timezone.localdate(), count + 1)[0]


def logged(therapist, supervisor, **fields) -> SupervisionSession:
    """A session sent to the supervisor (not yet confirmed), last month by default."""
    defaults = {
        "held_on": months_ago(1),
        "status": Status.SUBMITTED,
        "submitted_at": timezone.now(),
    }
    return factories.SupervisionSessionFactory(
        supervisee=therapist, supervisor=supervisor, **(defaults | fields)
    )


def confirmed(therapist, supervisor, **fields) -> SupervisionSession:
    fields = {
        "status": Status.CONFIRMED,
        "confirmed_by": supervisor,
        "confirmed_at": timezone.now(),
    } | fields
    return logged(therapist, supervisor, **fields)


def table(response):
    return response.context["by_format"]


def test_each_month_shows_the_minutes_of_each_format(sign_in, therapist, supervisor):
    confirmed(therapist, supervisor, duration_minutes=60)
    confirmed(therapist, supervisor, duration_minutes=90, format=Format.GROUP, group_size=5)
    confirmed(therapist, supervisor, duration_minutes=30, format=Format.PEER)
    response = sign_in(therapist).get(LOG)
    (month,) = table(response).months
    assert (month.month, month.minutes) == (months_ago(1), [60, 90, 30, 0])
    assert table(response).formats == FORMATS
    assertContains(response, f'<th scope="row">{months_ago(1):%B %Y}</th>', html=False)


def test_counted_total_leaves_out_peer_sessions_and_large_groups(sign_in, therapist, supervisor):
    confirmed(therapist, supervisor, duration_minutes=60)
    confirmed(therapist, supervisor, duration_minutes=45, format=Format.GROUP, group_size=7)
    confirmed(therapist, supervisor, duration_minutes=30, format=Format.PEER)
    (month,) = table(sign_in(therapist).get(LOG)).months
    assert month.counted_minutes == 60


def test_session_awaiting_confirmation_is_shown_apart_from_the_counted_total(
    sign_in, therapist, supervisor
):
    logged(therapist, supervisor, duration_minutes=50)
    response = sign_in(therapist).get(LOG)
    (month,) = table(response).months
    assert (month.minutes[0], month.counted_minutes, month.pending_minutes) == (50, 0, 50)
    assertContains(response, "0 min (and 50 min awaiting confirmation)")


def test_drafts_and_returned_entries_are_not_in_the_totals(sign_in, therapist, supervisor):
    logged(therapist, supervisor, status=Status.DRAFT, submitted_at=None)
    logged(therapist, supervisor, status=Status.RETURNED)
    response = sign_in(therapist).get(LOG)
    assert table(response).months == []
    assertContains(response, "No session was sent or confirmed in the last 12 months.")


def test_confirmed_correction_replaces_the_entry_it_corrects(sign_in, therapist, supervisor):
    original = confirmed(therapist, supervisor, duration_minutes=60)
    confirmed(therapist, supervisor, duration_minutes=75, amends=original)
    (month,) = table(sign_in(therapist).get(LOG)).months
    assert (month.minutes[0], month.counted_minutes) == (75, 75)


def test_only_months_with_sessions_in_the_last_12_are_rows(sign_in, therapist, supervisor):
    confirmed(therapist, supervisor, held_on=months_ago(0))
    confirmed(therapist, supervisor, held_on=months_ago(5))
    confirmed(therapist, supervisor, held_on=months_ago(12))  # 13 months back: outside
    response = sign_in(therapist).get(LOG)
    assert [m.month for m in table(response).months] == [months_ago(5), months_ago(0)]


def test_total_row_adds_up_the_months(sign_in, therapist, supervisor):
    confirmed(therapist, supervisor, held_on=months_ago(2), duration_minutes=60)
    confirmed(therapist, supervisor, held_on=months_ago(1), duration_minutes=40)
    totals = table(sign_in(therapist).get(LOG))
    assert (totals.totals, totals.counted_minutes, totals.standard_minutes) == (
        [100, 0, 0, 0],
        100,
        180,
    )


def test_month_below_the_standard_says_so(sign_in, therapist, supervisor):
    confirmed(therapist, supervisor, duration_minutes=30)
    assertContains(sign_in(therapist).get(LOG), "90 min (not met)")


def test_another_therapists_sessions_are_not_in_the_totals(sign_in, therapist, supervisor, team):
    colleague = factories.therapist(team=team)
    confirmed(colleague, supervisor)
    assert table(sign_in(therapist).get(LOG)).months == []


def test_hours_panel_still_shows_the_last_three_months(sign_in, therapist, supervisor):
    confirmed(therapist, supervisor, duration_minutes=90)
    response = sign_in(therapist).get(LOG)
    assert [m.month for m in response.context["months"]] == [
        months_ago(2),
        months_ago(1),
        months_ago(0),
    ]
    assert response.context["months"][1].counted_minutes == 90


def test_export_form_offers_the_period_and_both_downloads(sign_in, therapist):
    response = sign_in(therapist).get(LOG)
    csv_url = reverse("supervision:log_csv")
    pdf_url = reverse("supervision:log_pdf")
    assertContains(response, f'<form method="get" action="{csv_url}"', html=False)
    assertContains(response, f'formaction="{pdf_url}"', html=False)
    assertContains(response, 'for="id_from"')
    assertContains(response, 'for="id_to"')
    assertContains(response, f'name="from" value="{months_ago(11).isoformat()}"')
    assertContains(response, f'name="to" value="{timezone.localdate().isoformat()}"')
    assertNotContains(response, "nothing was exported")


@pytest.mark.parametrize("sessions", [1, 25])
def test_log_page_query_count_does_not_grow_with_sessions(
    sign_in, therapist, supervisor, sessions, django_assert_max_num_queries
):
    for back in range(sessions):
        confirmed(therapist, supervisor, held_on=months_ago(back % 12))
    client = sign_in(therapist)
    with django_assert_max_num_queries(7):
        response = client.get(LOG)
    assert len(table(response).months) == min(sessions, 12)
