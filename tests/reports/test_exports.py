"""The anonymised CSV of a service's responses: what a lead downloads (one row per
assessment, a column per statement), what it never holds (names, comments, private
statements, days), how teams below k are merged, pseudonyms that link within one export only,
streaming at flat memory, and who may download it."""

from __future__ import annotations

import csv
import datetime
import io
import tracemalloc

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEvent, Membership, Role, Service, Team, User
from assessments.models import (
    FrameworkVersion,
    ItemRating,
    SectionKind,
    SelfAssessment,
)
from reports import exports
from tests import factories
from tests.reports.builders import coded_version

pytestmark = pytest.mark.django_db

# Section key → (kind, COM-B component, item keys); P1 is private (self-care), X1 an outcome.
SECTIONS = {
    "capability": (SectionKind.BARRIERS, "C", ("C1", "C2")),
    "opportunity": (SectionKind.BARRIERS, "O", ("O1", "P1")),
    "style": (SectionKind.BEHAVIOURS, None, ("B1",)),
}
RATED_KEYS = ("C1", "C2", "O1", "B1")  # the exported statements, in questionnaire order
ALL_ANSWERS = {"C1": 4, "C2": 2, "O1": 5, "P1": 1, "B1": 3}


def build_version() -> FrameworkVersion:
    outcomes = {"outcomes": (SectionKind.OUTCOMES, None, ("X1",))}
    return coded_version({**SECTIONS, **outcomes}, sensitive={"P1"})


@pytest.fixture
def version(db) -> FrameworkVersion:
    return build_version()


def team_of(service: Service, name: str, size: int) -> tuple[Team, list[User]]:
    team = factories.TeamFactory(service=service, name=name)
    return team, [factories.therapist(team=team) for _ in range(size)]


def submit_all(people: list[User], version: FrameworkVersion, cycle: int = 0, **kwargs) -> None:
    for person in people:
        factories.submitted_assessment(person, version, ALL_ANSWERS, cycle=cycle, **kwargs)


def download(client, service: Service) -> list[dict[str, str]]:
    response = client.get(reverse("reports:responses_csv", args=[service.slug]))
    assert response.status_code == 200
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text)))


def csv_text(client, service: Service) -> str:
    response = client.get(reverse("reports:responses_csv", args=[service.slug]))
    return b"".join(response.streaming_content).decode("utf-8-sig")


def test_lead_downloads_one_row_per_assessment_with_a_column_per_statement(
    sign_in, lead, service, version
):
    _team, people = team_of(service, "North", 5)
    submit_all(people, version)
    submit_all(people[:2], version, cycle=1)

    rows = download(sign_in(lead), service)

    assert len(rows) == 7
    assert list(rows[0]) == [
        "participant",
        "team",
        "framework",
        "version",
        "cycle",
        "submitted_month",
        *RATED_KEYS,
    ]
    assert {(row["C1"], row["C2"], row["O1"], row["B1"]) for row in rows} == {("4", "2", "5", "3")}


def test_private_statements_and_outcomes_are_left_out(sign_in, lead, service, version):
    _team, people = team_of(service, "North", 5)
    submit_all(people, version)

    rows = download(sign_in(lead), service)

    assert "P1" not in rows[0]
    assert "X1" not in rows[0]


def test_export_names_nobody_and_holds_no_comments(sign_in, lead, service, version):
    _team, people = team_of(service, "North", 5)
    submit_all(people, version)
    ItemRating.objects.update(comment="Struggled after the Thursday session with Dana")

    text = csv_text(sign_in(lead), service)

    assert "Dana" not in text
    for person in people:
        for identifying in (person.username, person.email, person.first_name, person.last_name):
            assert identifying not in text
    participants = {line.split(",")[0] for line in text.splitlines()[1:]}
    assert not participants & {str(person.pk) for person in people}


def test_dates_are_to_the_month_only(sign_in, lead, service, version):
    _team, people = team_of(service, "North", 5)
    when = timezone.make_aware(datetime.datetime(2026, 3, 17, 10, 30))
    submit_all(people, version, submitted_at=when)

    rows = download(sign_in(lead), service)

    assert {row["submitted_month"] for row in rows} == {"2026-03"}


def test_one_therapists_assessments_share_a_pseudonym_within_an_export(
    sign_in, lead, service, version
):
    _team, people = team_of(service, "North", 5)
    submit_all(people, version)
    submit_all(people, version, cycle=1)

    rows = download(sign_in(lead), service)

    by_participant: dict[str, set[str]] = {}
    for row in rows:
        by_participant.setdefault(row["participant"], set()).add(row["cycle"])
    assert len(by_participant) == 5
    assert all(cycles == {"0", "1"} for cycles in by_participant.values())


def test_two_exports_give_different_pseudonyms(sign_in, lead, service, version):
    _team, people = team_of(service, "North", 5)
    submit_all(people, version)
    client = sign_in(lead)

    first = {row["participant"] for row in download(client, service)}
    second = {row["participant"] for row in download(client, service)}

    assert len(first) == len(second) == 5
    assert not first & second


def test_teams_below_k_are_merged_into_other(sign_in, lead, service, version):
    _big, big_people = team_of(service, "North", 5)
    _small, small_people = team_of(service, "Tiny", 2)
    _also_small, more_people = team_of(service, "Little", 3)
    submit_all(big_people + small_people + more_people, version)

    rows = download(sign_in(lead), service)

    counts: dict[str, int] = {}
    for row in rows:
        counts[row["team"]] = counts.get(row["team"], 0) + 1
    assert counts == {"North": 5, "other": 5}


def test_other_below_k_takes_in_the_smallest_named_team(sign_in, lead, service, version):
    _big, big_people = team_of(service, "North", 6)
    _bigger, bigger_people = team_of(service, "South", 7)
    _small, small_people = team_of(service, "Tiny", 2)
    submit_all(big_people + bigger_people + small_people, version)

    rows = download(sign_in(lead), service)

    teams = {row["team"] for row in rows}
    assert teams == {"South", "other"}
    assert sum(row["team"] == "other" for row in rows) == 8


def test_a_service_raising_k_merges_more_teams(sign_in, lead, service, version):
    service.small_group_min = 6
    service.save()
    _team, people = team_of(service, "North", 5)
    submit_all(people, version)

    rows = download(sign_in(lead), service)

    assert {row["team"] for row in rows} == {"other"}


def test_not_applicable_reads_na_and_unanswered_is_empty(sign_in, lead, service, version):
    _team, people = team_of(service, "North", 5)
    for person in people:
        factories.submitted_assessment(person, version, {"C1": None, "O1": 3})

    rows = download(sign_in(lead), service)

    assert {(row["C1"], row["C2"], row["O1"]) for row in rows} == {("NA", "", "3")}


def test_a_team_name_like_a_formula_is_quoted(sign_in, lead, service, version):
    _team, people = team_of(service, "=HYPERLINK(1)", 5)
    submit_all(people, version)

    rows = download(sign_in(lead), service)

    assert {row["team"] for row in rows} == {"'=HYPERLINK(1)"}


def test_assessments_in_progress_and_of_other_services_are_left_out(
    sign_in, lead, service, version
):
    _team, people = team_of(service, "North", 5)
    submit_all(people, version)
    questionnaire_open = factories.therapist(team=Team.objects.get(name="North"))
    SelfAssessment.objects.create(
        therapist=questionnaire_open, version=version, cycle=0, service=service
    )
    other_team = factories.TeamFactory()
    submit_all([factories.therapist(team=other_team) for _ in range(5)], version)

    rows = download(sign_in(lead), service)

    assert len(rows) == 5


def test_download_is_an_attachment_never_cached(sign_in, lead, service, version):
    response = sign_in(lead).get(reverse("reports:responses_csv", args=[service.slug]))

    assert response.streaming
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith("attachment;")
    assert "no-store" in response["Cache-Control"]


def test_lead_of_another_service_gets_404(sign_in, service, version):
    other_lead = factories.UserFactory()
    factories.MembershipFactory(
        user=other_lead, service=factories.ServiceFactory(), team=None, role=Role.SERVICE_LEAD
    )

    response = sign_in(other_lead).get(reverse("reports:responses_csv", args=[service.slug]))

    assert response.status_code == 404


def test_therapist_of_the_service_gets_404(sign_in, therapist, service):
    response = sign_in(therapist).get(reverse("reports:responses_csv", args=[service.slug]))

    assert response.status_code == 404


def test_former_lead_gets_404(sign_in, lead, service):
    today = timezone.localdate()
    Membership.objects.filter(user=lead).update(
        starts_on=today - datetime.timedelta(days=30), ends_on=today - datetime.timedelta(days=1)
    )

    response = sign_in(lead).get(reverse("reports:responses_csv", args=[service.slug]))

    assert response.status_code == 404


def test_anonymous_visitor_is_sent_to_sign_in(client, service):
    response = client.get(reverse("reports:responses_csv", args=[service.slug]))

    assert response.status_code == 302
    assert reverse("account_login") in response["Location"]


# Streaming at constant memory


def bulk_assessments(service: Service, team: Team, version: FrameworkVersion, people: int):
    """`people` therapists with ten submitted assessments each (cycles 0-9), written in bulk."""
    start = User.objects.count()
    users = User.objects.bulk_create(
        User(username=f"bulk{start + number}") for number in range(people)
    )
    items = list(version.items.filter(key__in=RATED_KEYS))
    assessments = SelfAssessment.objects.bulk_create(
        SelfAssessment(
            therapist=user,
            framework_id=version.framework_id,
            version=version,
            cycle=cycle,
            status=SelfAssessment.Status.SUBMITTED,
            submitted_at=timezone.now(),
            service=service,
            team=team,
        )
        for user in users
        for cycle in range(10)
    )
    ItemRating.objects.bulk_create(
        (
            ItemRating(assessment=assessment, item=item, value=3, comment="free text " * 20)
            for assessment in assessments
            for item in items
        ),
        batch_size=2000,
    )


def peak_memory_while_downloading(client, service: Service) -> tuple[int, int]:
    """Rows downloaded, and the peak of Python's allocations while the file was read."""
    response = client.get(reverse("reports:responses_csv", args=[service.slug]))
    tracemalloc.start()
    try:
        lines = sum(chunk.count(b"\n") for chunk in response.streaming_content)
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return lines - 1, peak


def test_export_memory_stays_flat_from_200_to_2000_assessments(
    sign_in, lead, service, version, monkeypatch
):
    # Chunks of 100 ratings, so both exports read many chunks (the default holds 2,000).
    monkeypatch.setattr(exports, "CHUNK_SIZE", 100)
    team = factories.TeamFactory(service=service, name="North")
    client = sign_in(lead)
    bulk_assessments(service, team, version, people=20)
    small_rows, small_peak = peak_memory_while_downloading(client, service)
    bulk_assessments(service, team, version, people=180)

    large_rows, large_peak = peak_memory_while_downloading(client, service)

    assert (small_rows, large_rows) == (200, 2000)
    # Ten times the rows, the same peak but for the team sets of 180 more therapists
    # (measured on SQLite: 276 kB, then 316 kB); a file built in memory would add every row.
    assert large_peak - small_peak < 150_000


def test_each_therapist_in_the_export_gets_an_access_record(sign_in, lead, service, version):
    _team, people = team_of(service, "North", 5)
    submit_all(people, version)
    csv_text(sign_in(lead), service)
    records = AuditEvent.objects.filter(action=AuditEvent.Action.EXPORTED_RESPONSES, actor=lead)
    assert sorted(records.values_list("subject_id", flat=True)) == sorted(p.pk for p in people)
