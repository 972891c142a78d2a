"""The CPD log's exports for accreditation: CSV (streamed, formula cells quoted) and PDF
(read back with pypdf), the therapist's own only."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from cpd import services
from cpd.models import ActivityType, CpdActivity, CpdEvidence, CpdGoal

pytestmark = pytest.mark.django_db

CSV_URL = reverse("cpd:cpd_csv")
PDF_URL = reverse("cpd:cpd_pdf")


def make_activity(therapist, **fields: object) -> CpdActivity:
    plan = services.current_plan(therapist)
    values: dict[str, object] = {
        "type": ActivityType.WORKSHOP,
        "title": "Imagery rescripting workshop",
        "done_on": timezone.localdate(),
        "hours": Decimal("6"),
        "provider": "BABCP",
        "learned": "How to rescript an image.",
        "application": "With two clients.",
    }
    activity = CpdActivity.objects.create(plan=plan, **(values | fields))
    goal = CpdGoal.objects.create(
        plan=plan, title="Use imagery", measure="outcome", outcome="Done", target_on=plan.ends_on
    )
    activity.goals.add(goal)
    CpdEvidence.objects.create(
        activity=activity,
        file="cpd-evidence/x/a.pdf",
        original_name="certificate.pdf",
        content_type="application/pdf",
        size=10,
    )
    return activity


def csv_rows(response) -> list[list[str]]:
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text)))


def test_the_csv_lists_each_activity_with_its_reflection_and_files(sign_in, therapist):
    make_activity(therapist)
    response = sign_in(therapist).get(CSV_URL)
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = csv_rows(response)
    row = next(r for r in rows if "Imagery rescripting workshop" in r)
    assert "Use imagery" in row
    assert "How to rescript an image." in row
    assert "certificate.pdf" in row


def test_the_csv_quotes_text_that_would_run_as_a_formula(sign_in, therapist):
    make_activity(therapist, title='=HYPERLINK("http://x")')
    rows = csv_rows(sign_in(therapist).get(CSV_URL))
    assert any('\'=HYPERLINK("http://x")' in row for row in rows)
    assert not any('=HYPERLINK("http://x")' in row for row in rows)


def test_the_csv_says_whether_the_expectation_is_met(sign_in, therapist):
    make_activity(therapist)
    rows = csv_rows(sign_in(therapist).get(CSV_URL))
    expectation = next(r for r in rows if r and r[0] == "BABCP's expectation")
    assert expectation[1].startswith("Not met: 1 of 5 activities with a reflection")


def test_the_pdf_holds_the_year_the_activities_and_the_expectation(sign_in, therapist):
    make_activity(therapist)
    response = sign_in(therapist).get(PDF_URL)
    assert response["Content-Type"] == "application/pdf"
    assert "no-store" in response["Cache-Control"]
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    plan = services.current_plan(therapist)
    assert f"{plan.starts_on.day} {plan.starts_on:%B %Y}" in text
    for expected in (
        "Imagery rescripting workshop",
        "Workshop or course (CBT skills)",
        "BABCP",
        "Use imagery",
        "How to rescript an image.",
        "certificate.pdf",
        "Not met",
    ):
        assert expected in text


def test_the_pdf_of_an_empty_year_says_so(sign_in, therapist):
    response = sign_in(therapist).get(PDF_URL)
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    assert "No activities recorded in this CPD year." in text


@pytest.mark.parametrize("url", [CSV_URL, PDF_URL])
def test_a_supervisor_without_the_therapist_role_cannot_export(sign_in, supervisor, url):
    assert sign_in(supervisor).get(url).status_code == 403


@pytest.mark.parametrize("url", [CSV_URL, PDF_URL])
def test_the_export_holds_only_the_viewers_own_activities(sign_in, therapist, team, url):
    from tests import factories

    other = factories.therapist(team=team)
    make_activity(other, title="Someone else's course")
    response = sign_in(therapist).get(url)
    body = b"".join(response.streaming_content) if response.streaming else response.content
    if url == PDF_URL:
        body = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(body)).pages).encode()
    assert b"Someone else" not in body
