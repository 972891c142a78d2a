"""The log's exports for BABCP's reaccreditation audit: the CSV's columns and rows, the guard
against spreadsheet formulas, the period and its refusals, the PDF's text (opened with pypdf),
what a supervisor's export leaves out, who gets 404, the access record and query counts."""

from __future__ import annotations

import csv
import datetime
import io

import pytest
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader
from pytest_django.asserts import assertContains

from accounts.models import AuditEvent
from comb_tracker import documents
from supervision import exports, hours
from supervision.models import Delivery, Format, SupervisionSession
from tests import factories

pytestmark = pytest.mark.django_db

Status = SupervisionSession.Status
CSV_URL = reverse("supervision:log_csv")
PDF_URL = reverse("supervision:log_pdf")
MARCH = datetime.date(2025, 3, 1)  # a past month: its standard and totals are settled
WHOLE_MARCH = {"from": "2025-03-01", "to": "2025-03-31"}


def supervisee_url(kind: str, person) -> str:
    return reverse(f"supervision:supervisee_log_{kind}", args=[person.pk])


def session(therapist, supervisor, **fields) -> SupervisionSession:
    """A session sent to `supervisor` (None: give `external_supervisor_name`) in March 2025."""
    defaults = {
        "held_on": MARCH,
        "status": Status.SUBMITTED,
        "submitted_at": timezone.now(),
        "delivery": Delivery.REMOTE,
    }
    return factories.SupervisionSessionFactory(
        supervisee=therapist, supervisor=supervisor, **(defaults | fields)
    )


def confirmed(therapist, supervisor, **fields) -> SupervisionSession:
    confirmation = {
        "status": Status.CONFIRMED,
        "confirmed_by": supervisor,
        "confirmed_at": timezone.make_aware(datetime.datetime(2025, 3, 20, 12)),
    }
    return session(therapist, supervisor, **(confirmation | fields))


def external(therapist, **fields) -> SupervisionSession:
    return session(therapist, None, **({"external_supervisor_name": "Dr Ada Outside"} | fields))


def csv_rows(response) -> list[list[str]]:
    content = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(content)))


def sessions_part(rows: list[list[str]]) -> list[list[str]]:
    """The session rows, without the header and the monthly totals after the blank line."""
    return rows[1 : rows.index([])]


def totals_part(rows: list[list[str]]) -> list[list[str]]:
    return rows[rows.index([]) + 2 :]


def column(rows: list[list[str]], name: str) -> list[str]:
    index = exports.CSV_HEADER.index(name)
    return [row[index] for row in sessions_part(rows)]


def pdf_text(response) -> str:
    assert response["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.content))
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


@pytest.fixture
def item(db):
    return factories.FrameworkItemFactory(key="B12", target_text="I set an agenda together")


# The CSV: columns and rows


def test_csv_has_the_babcp_columns_then_the_monthly_totals(sign_in, therapist, supervisor):
    confirmed(therapist, supervisor)
    rows = csv_rows(sign_in(therapist).get(CSV_URL, WHOLE_MARCH))
    assert rows[0] == exports.CSV_HEADER
    assert rows[rows.index([]) + 1] == exports.TOTALS_HEADER


def test_csv_row_shows_what_the_babcp_log_asks_for(sign_in, therapist, supervisor, item):
    entry = confirmed(
        therapist,
        supervisor,
        duration_minutes=75,
        format=Format.GROUP,
        group_size=4,
        activities=["role_play", "formulation"],
        reflection="Learnt to pace the agenda.",
    )
    entry.items.add(item)
    rows = csv_rows(sign_in(therapist).get(CSV_URL, WHOLE_MARCH))
    assert dict(zip(exports.CSV_HEADER, sessions_part(rows)[0], strict=True)) == {
        "Date": "2025-03-01",
        "Duration (minutes)": "75",
        "Format": "Group",
        "Group size": "4",
        "Supervisor": str(supervisor),
        "Supervisor in the product or external": "In the product",
        "Supervisor BABCP accredited": "Unknown (not recorded in the product)",
        "How delivered": "Remote",
        "Framework statements worked on": "B12: I set an agenda together",
        "Activities": "Role play; Formulation",
        "Reflection and learning": "Learnt to pace the agenda.",
        "Status": "Confirmed",
        "Supervisor's confirmation": f"Confirmed by {supervisor} on 20 Mar 2025",
        "Counts toward supervision hours": "Yes",
        "Why not counted": "",
        "Correction": "",
    }


def test_external_session_counts_and_is_not_confirmed_in_the_product(sign_in, therapist):
    external(therapist, external_supervisor_accredited=True)
    rows = csv_rows(sign_in(therapist).get(CSV_URL, WHOLE_MARCH))
    assert column(rows, "Supervisor") == ["Dr Ada Outside"]
    assert column(rows, "Supervisor BABCP accredited") == ["Yes"]
    assert column(rows, "Supervisor's confirmation") == ["Not confirmed in the product"]
    assert column(rows, "Counts toward supervision hours") == ["Yes"]


@pytest.mark.parametrize(
    ("fields", "reason"),
    [
        ({"format": Format.PEER}, "Peer supervision does not count toward the hours."),
        (
            {"format": Format.GROUP, "group_size": 7},
            "A group of 7: groups of over 6 do not count.",
        ),
        ({"status": Status.DRAFT, "submitted_at": None}, "A draft: not sent."),
    ],
)
def test_session_that_does_not_count_says_why(sign_in, therapist, supervisor, fields, reason):
    session(therapist, supervisor, **fields)
    rows = csv_rows(sign_in(therapist).get(CSV_URL, WHOLE_MARCH))
    assert column(rows, "Counts toward supervision hours") == ["No"]
    assert column(rows, "Why not counted") == [reason]


def test_session_awaiting_the_supervisor_is_pending(sign_in, therapist, supervisor):
    session(therapist, supervisor)
    rows = csv_rows(sign_in(therapist).get(CSV_URL, WHOLE_MARCH))
    assert column(rows, "Counts toward supervision hours") == ["Pending"]
    assert column(rows, "Supervisor's confirmation") == [f"Awaiting confirmation by {supervisor}"]


def test_confirmed_correction_replaces_the_entry_it_corrects(sign_in, therapist, supervisor):
    original = confirmed(therapist, supervisor, duration_minutes=60)
    confirmed(therapist, supervisor, duration_minutes=90, amends=original)
    rows = csv_rows(sign_in(therapist).get(CSV_URL, WHOLE_MARCH))
    assert column(rows, "Counts toward supervision hours") == ["No", "Yes"]
    assert column(rows, "Correction") == [
        "Replaced by a correction",
        "Corrects the entry for 1 Mar 2025",
    ]
    assert totals_part(rows)[0][2] == "90"


@pytest.mark.parametrize("text", ['=HYPERLINK("http://x")', "+1+1", "-2+3", "@SUM(A1)"])
def test_cell_starting_like_a_formula_is_quoted_so_a_spreadsheet_does_not_run_it(
    sign_in, therapist, text
):
    external(therapist, external_supervisor_name=text, reflection=text)
    rows = csv_rows(sign_in(therapist).get(CSV_URL, WHOLE_MARCH))
    assert column(rows, "Supervisor") == ["'" + text]
    assert column(rows, "Reflection and learning") == ["'" + text]


def test_csv_is_an_attachment_named_for_whose_log_and_when_and_not_cached(sign_in, team):
    person = factories.therapist(team=team, first_name="Ann", last_name="Lee")
    response = sign_in(person).get(CSV_URL, WHOLE_MARCH)
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == (
        'attachment; filename="supervision-log-ann-lee-2025-03-01-to-2025-03-31.csv"'
    )
    assert "no-store" in response["Cache-Control"]


# The period


def test_period_keeps_only_the_sessions_held_in_it(sign_in, therapist, supervisor):
    for day in (datetime.date(2025, 2, 28), MARCH, datetime.date(2025, 3, 31)):
        confirmed(therapist, supervisor, held_on=day)
    confirmed(therapist, supervisor, held_on=datetime.date(2025, 4, 1))
    rows = csv_rows(sign_in(therapist).get(CSV_URL, WHOLE_MARCH))
    assert column(rows, "Date") == ["2025-03-01", "2025-03-31"]


def test_without_dates_the_export_covers_the_last_12_months(sign_in, therapist, supervisor):
    today = timezone.localdate()
    first = hours.months_ending(today, 12)[0]
    confirmed(therapist, supervisor, held_on=first - datetime.timedelta(days=1))
    confirmed(therapist, supervisor, held_on=first)
    confirmed(therapist, supervisor, held_on=today)
    rows = csv_rows(sign_in(therapist).get(CSV_URL))
    assert column(rows, "Date") == [first.isoformat(), today.isoformat()]
    assert len(totals_part(rows)) == 12


def test_monthly_totals_agree_with_the_hours_page(sign_in, therapist, supervisor):
    confirmed(therapist, supervisor, duration_minutes=40)
    external(therapist, duration_minutes=30)
    session(therapist, supervisor, duration_minutes=20)  # pending
    session(therapist, supervisor, format=Format.PEER, duration_minutes=50)
    rows = csv_rows(sign_in(therapist).get(CSV_URL, WHOLE_MARCH))
    (month,) = hours.monthly_hours(therapist, last_month=MARCH, count=1)
    assert totals_part(rows) == [
        [
            "2025-03",
            "",
            str(month.counted_minutes),
            "1.17",
            str(month.confirmed_minutes),
            str(month.external_minutes),
            str(month.pending_minutes),
            str(month.standard_minutes),
            "No",
        ]
    ]
    assert (month.counted_minutes, month.pending_minutes) == (70, 20)


def test_month_cut_by_the_period_is_marked_as_part_of_the_month(sign_in, therapist):
    rows = csv_rows(sign_in(therapist).get(CSV_URL, {"from": "2025-03-10", "to": "2025-03-31"}))
    assert totals_part(rows)[0][:2] == ["2025-03", "2025-03-10 to 2025-03-31"]


@pytest.mark.parametrize("value", ["2025-13-01", "yesterday", "0000-01-01", "2025-02-30", "9" * 40])
def test_unreadable_date_shows_the_log_page_with_the_error_and_exports_nothing(
    sign_in, therapist, value
):
    response = sign_in(therapist).get(CSV_URL, {"from": value})
    assertContains(response, "Enter a date as year-month-day", status_code=400)
    assertContains(response, "nothing was exported", status_code=400)
    assert response["Content-Type"].startswith("text/html")


def test_period_ending_before_it_starts_is_refused(sign_in, therapist):
    response = sign_in(therapist).get(PDF_URL, {"from": "2025-04-01", "to": "2025-03-01"})
    assertContains(response, "must be on or after its start", status_code=400)


def test_period_longer_than_five_years_is_refused(sign_in, therapist):
    response = sign_in(therapist).get(CSV_URL, {"from": "2019-01-01", "to": "2025-03-01"})
    assertContains(response, "at most 5 years long", status_code=400)


def test_far_future_period_exports_no_month(sign_in, therapist):
    rows = csv_rows(sign_in(therapist).get(CSV_URL, {"from": "9999-01-01", "to": "9999-12-31"}))
    assert sessions_part(rows) == [] and totals_part(rows) == []


# The PDF


def test_pdf_shows_dates_supervisors_confirmations_and_monthly_totals(
    sign_in, therapist, supervisor, item
):
    confirmed(therapist, supervisor, duration_minutes=60).items.add(item)
    external(therapist, held_on=datetime.date(2025, 4, 8), duration_minutes=45)
    text = pdf_text(sign_in(therapist).get(PDF_URL, {"from": "2025-03-01", "to": "2025-04-30"}))
    assert "Clinical supervision log" in text
    assert "1 Mar 2025" in text and "8 Apr 2025" in text
    assert str(supervisor) in text and "Dr Ada Outside" in text
    assert f"Confirmed by {supervisor} on 20 Mar 2025" in text
    assert "Not confirmed in the product" in text
    assert "B12: I set an agenda together" in text
    assert "Monthly totals" in text
    assert "March 2025 60 min (1 h) 60 min 0 min 0 min 90 min No" in text
    assert "April 2025 45 min (0.75 h) 0 min 45 min 0 min 90 min No" in text
    assert "Whole period 105 min (1.75 h) 180 min No, on average" in text
    assert "Supervisor's confirmation" in text


def test_pdf_is_a_tagged_a4_document_for_screen_readers(sign_in, therapist, supervisor):
    confirmed(therapist, supervisor)
    response = sign_in(therapist).get(PDF_URL, WHOLE_MARCH)
    reader = PdfReader(io.BytesIO(response.content))
    catalog = reader.trailer["/Root"]
    assert "/StructTreeRoot" in catalog
    assert catalog["/MarkInfo"]["/Marked"]
    assert catalog["/Lang"] == "en-GB"
    width, height = (float(v) for v in reader.pages[0].mediabox.upper_right)
    assert (round(width), round(height)) == (842, 595)  # A4 landscape in points


def test_pdf_of_an_empty_period_says_so(sign_in, therapist):
    text = pdf_text(sign_in(therapist).get(PDF_URL, WHOLE_MARCH))
    assert "No supervision session in this period." in text


@pytest.mark.parametrize(
    "url", ["http://example.com/x.css", "https://example.com/x.png", "ftp://example.com/x"]
)
def test_pdf_fetches_nothing_from_the_network(url):
    fetcher = documents.static_only_fetcher(documents.static_root(exports.PDF_STYLESHEET))
    with pytest.raises(ValueError, match="fetches nothing"):
        fetcher.fetch(url)


def test_pdf_reads_no_file_outside_the_static_folder():
    fetcher = documents.static_only_fetcher(documents.static_root(exports.PDF_STYLESHEET))
    with pytest.raises(ValueError, match="static folder only"):
        fetcher.fetch("file:///etc/passwd")


# A supervisor's export


@pytest.fixture
def others(therapist, supervisor, team):
    """What the supervisor must not see: the supervisee's draft, a session with another
    supervisor, an external one, and another supervisee's session."""
    other_supervisor = factories.supervisor(team=team)
    factories.SupervisionFactory(supervisor=other_supervisor, supervisee=therapist)
    session(therapist, supervisor, status=Status.DRAFT, submitted_at=None, reflection="Draft")
    confirmed(therapist, other_supervisor, reflection="With someone else")
    external(therapist, reflection="Outside")
    colleague = factories.therapist(team=team)
    factories.SupervisionFactory(supervisor=supervisor, supervisee=colleague)
    confirmed(colleague, supervisor, reflection="A colleague's")


def test_supervisors_csv_holds_only_sessions_sent_to_them(sign_in, therapist, supervisor, others):
    confirmed(therapist, supervisor, reflection="Ours, confirmed")
    session(therapist, supervisor, reflection="Ours, waiting")
    rows = csv_rows(sign_in(supervisor).get(supervisee_url("csv", therapist), WHOLE_MARCH))
    assert column(rows, "Reflection and learning") == ["Ours, confirmed", "Ours, waiting"]


def test_supervisors_totals_add_up_only_what_they_may_see(sign_in, therapist, supervisor, others):
    confirmed(therapist, supervisor, duration_minutes=30)
    rows = csv_rows(sign_in(supervisor).get(supervisee_url("csv", therapist), WHOLE_MARCH))
    assert totals_part(rows)[0][2] == "30"


def test_supervisors_pdf_leaves_out_drafts_and_other_peoples_sessions(
    sign_in, therapist, supervisor, others
):
    confirmed(therapist, supervisor, reflection="Ours, confirmed")
    text = pdf_text(sign_in(supervisor).get(supervisee_url("pdf", therapist), WHOLE_MARCH))
    assert "Ours, confirmed" in text
    assert f"Only the sessions sent to or confirmed by {supervisor}" in text
    for hidden in ("Draft", "With someone else", "Outside", "A colleague's", "Dr Ada Outside"):
        assert hidden not in text


def test_supervisors_export_is_recorded_as_opening_the_supervisees_log(
    sign_in, therapist, supervisor
):
    sign_in(supervisor).get(supervisee_url("csv", therapist), WHOLE_MARCH)
    event = AuditEvent.objects.get()
    assert (event.actor, event.subject, event.action) == (
        supervisor,
        therapist,
        AuditEvent.Action.OPENED_SUPERVISION,
    )
    assert event.detail == "Supervision log export (CSV), 2025-03-01 to 2025-03-31"


def test_supervisors_export_with_an_unreadable_date_is_refused_with_the_reason(
    sign_in, therapist, supervisor
):
    response = sign_in(supervisor).get(supervisee_url("pdf", therapist), {"to": "31/31/2025"})
    assertContains(response, "To: Enter a date as year-month-day", status_code=400)
    assert not AuditEvent.objects.exists()


# Who may export


@pytest.mark.parametrize("kind", ["csv", "pdf"])
def test_former_supervisor_cannot_export_the_log(sign_in, therapist, team, kind):
    former = factories.supervisor(team=team)
    factories.SupervisionFactory(
        supervisor=former,
        supervisee=therapist,
        starts_on=datetime.date(2024, 1, 1),
        ends_on=datetime.date(2025, 6, 30),
    )
    confirmed(therapist, former)
    assert sign_in(former).get(supervisee_url(kind, therapist), WHOLE_MARCH).status_code == 404


@pytest.mark.parametrize("kind", ["csv", "pdf"])
def test_colleague_cannot_export_someone_elses_log(sign_in, therapist, team, kind):
    colleague = factories.therapist(team=team)
    assert sign_in(colleague).get(supervisee_url(kind, therapist)).status_code == 404


def test_supervisor_asking_with_a_bad_date_for_a_stranger_gets_404(sign_in, team, supervisor):
    stranger = factories.therapist(team=team)
    response = sign_in(supervisor).get(supervisee_url("csv", stranger), {"from": "nonsense"})
    assert response.status_code == 404


@pytest.mark.parametrize("url", [CSV_URL, PDF_URL, "/supervision/supervisees/1/log/export.csv"])
def test_signed_out_visitor_is_sent_to_sign_in(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert "login" in response["Location"]


def test_own_log_export_is_for_therapists(sign_in, supervisor):
    assert sign_in(supervisor).get(CSV_URL).status_code == 403


@pytest.mark.parametrize("url", [CSV_URL, PDF_URL])
def test_export_cannot_be_posted(sign_in, therapist, url):
    assert sign_in(therapist).post(url).status_code == 405


# Query counts: the same for one session and many


@pytest.mark.parametrize("count", [1, 30])
def test_csv_query_count_does_not_grow_with_sessions(
    sign_in, therapist, supervisor, item, count, django_assert_max_num_queries
):
    for _ in range(count):
        confirmed(therapist, supervisor).items.add(item)
    external(therapist)
    client = sign_in(therapist)
    with django_assert_max_num_queries(5):
        rows = csv_rows(client.get(CSV_URL, WHOLE_MARCH))
    assert len(sessions_part(rows)) == count + 1


@pytest.mark.parametrize("count", [1, 30])
def test_pdf_query_count_does_not_grow_with_sessions(
    sign_in, therapist, supervisor, item, count, django_assert_max_num_queries
):
    for _ in range(count):
        confirmed(therapist, supervisor).items.add(item)
    client = sign_in(supervisor)
    with django_assert_max_num_queries(6):
        response = client.get(supervisee_url("pdf", therapist), WHOLE_MARCH)
    assert pdf_text(response).count("B12: I set an agenda together") == count
