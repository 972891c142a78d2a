"""The benchmark's CPD data (bench/cpd.py), at a small scale: every supervisee of the first
supervisor has this CPD year's plan in use, so the CPD pages are measured full."""

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import SupervisionRelationship, User
from bench.cpd import ACTIVITIES_PER_PLAN, EVIDENCE_PER_PLAN, GOALS_PER_PLAN, add_cpd_load
from bench.generate import generate
from bench.supervision import add_supervision_load
from cpd import services
from cpd.activities import year_totals
from cpd.models import CpdEvidence, CpdGoal

pytestmark = pytest.mark.django_db

THERAPISTS = 6


@pytest.fixture
def supervisees(published_version) -> list[User]:
    generate(published_version, therapists=THERAPISTS, teams=2, cycles=2)
    supervisor = add_supervision_load(published_version)
    add_cpd_load(published_version, supervisor)
    relationships = SupervisionRelationship.objects.filter(supervisor=supervisor)
    return [relationship.supervisee for relationship in relationships.order_by("pk")]


def test_every_supervisee_has_a_plan_for_this_cpd_year(supervisees):
    today = timezone.localdate()
    assert len(supervisees) == THERAPISTS
    assert all(services.plan_on(person, today) is not None for person in supervisees)


def test_every_plan_has_goals_each_about_a_statement(supervisees):
    goals = CpdGoal.objects.filter(plan__therapist=supervisees[0])
    assert goals.count() == GOALS_PER_PLAN
    assert all(goal.items.count() == 1 for goal in goals)


def test_every_plan_has_a_years_reflected_activities(supervisees):
    totals = year_totals(services.plan_on(supervisees[0], timezone.localdate()))
    assert totals.activities == totals.reflected == ACTIVITIES_PER_PLAN
    assert totals.expectation_met


def test_every_plan_has_evidence_files_that_open(supervisees):
    evidence = CpdEvidence.objects.filter(activity__plan__therapist=supervisees[0])
    assert evidence.count() == EVIDENCE_PER_PLAN
    assert all(starts_like_a_pdf(item) for item in evidence)


def starts_like_a_pdf(item: CpdEvidence) -> bool:
    with item.file.open("rb") as handle:
        return handle.read(5) == b"%PDF-"


def test_the_benchmark_therapist_opens_their_plan_and_activities(supervisees, client):
    client.force_login(supervisees[0])
    assert client.get(reverse("cpd:plan")).status_code == 200
    assert client.get(reverse("cpd:activities")).status_code == 200
