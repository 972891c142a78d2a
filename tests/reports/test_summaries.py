"""The analytics summaries: kept by each submit equal to a full recomputation from the ratings
(checked against pandas on random data), rebuilt to the same figures, untouched by repeats and
rolled-back submits, and counting each assessment for the team recorded when it was submitted."""

from __future__ import annotations

import io
import os
from dataclasses import dataclass, field

import pandas as pd
import pytest
from django.core.management import call_command
from django.db import IntegrityError, transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accounts.models import Membership, Role, Team, User
from assessments import questionnaire, scoring
from assessments.models import (
    Framework,
    FrameworkVersion,
    ItemRating,
    SectionKind,
    SelfAssessment,
)
from assessments.profile import items_by_version
from reports.models import AssessmentDomainScore, ItemSummary
from reports.summaries import rebuild_summaries, summarise_submission
from tests import factories
from tests.reports.builders import coded_version

# Section key → (kind, COM-B component, item keys). O2 is private (self-care); X1 is an outcome,
# which is not rated and so in no summary.
SECTIONS = {
    "capability": (SectionKind.BARRIERS, "C", ("A1", "A2", "A3")),
    "opportunity": (SectionKind.BARRIERS, "O", ("O1", "O2")),
    "style": (SectionKind.BEHAVIOURS, None, ("B1", "B2")),
}
KEYS = ("A1", "A2", "A3", "O1", "O2", "B1", "B2")
SENSITIVE = {"O2"}
# Property tests submit through the questionnaire: a few examples keep the module quick in CI.
EXAMPLES = 8 if os.environ.get("CI") else 30


def build_version(framework: Framework) -> FrameworkVersion:
    return coded_version(SECTIONS, framework=framework, sensitive=SENSITIVE)


@pytest.fixture
def version(db) -> FrameworkVersion:
    return build_version(factories.FrameworkFactory())


@pytest.fixture
def teams(service) -> list[Team]:
    """Two teams in one service and a third in another."""
    return [
        factories.TeamFactory(service=service),
        factories.TeamFactory(service=service),
        factories.TeamFactory(),
    ]


# Writing answers and submitting

UNANSWERED = "unanswered"


def answer(assessment: SelfAssessment, values: dict[str, int | None]) -> None:
    """Replace the assessment's answers (None is "not applicable"; keys left out stay
    unanswered), as the questionnaire's saves would leave them."""
    items = dict(assessment.version.items.values_list("key", "pk"))
    ItemRating.objects.filter(assessment=assessment).delete()
    ItemRating.objects.bulk_create(
        ItemRating(assessment=assessment, item_id=items[key], value=value)
        for key, value in values.items()
    )


def move(therapist: User, team: Team) -> None:
    """Put the therapist's current team membership in `team` (a move, as far as a submit sees)."""
    Membership.objects.filter(user=therapist, role=Role.THERAPIST, ends_on__isnull=True).update(
        team=team, service=team.service
    )


def submit(therapist: User, version: FrameworkVersion, values: dict[str, int | None]) -> bool:
    """Answer the therapist's open (or next) assessment and submit it through the questionnaire;
    False when statements were left unanswered, so nothing was submitted."""
    assessment = questionnaire.start_or_resume(therapist, version)
    answer(assessment, values)
    try:
        return questionnaire.submit(assessment, shares_sensitive=False)
    except questionnaire.IncompleteAssessment:
        return False


# What the summaries hold, and what they should hold


def item_summaries() -> dict[tuple, tuple]:
    return {
        (s.service_id, s.team_id, s.version_id, s.cycle, s.item_id): (
            s.respondents,
            s.total,
            s.total_squares,
            s.reporting,
        )
        for s in ItemSummary.objects.all()
    }


def domain_scores() -> dict[tuple, tuple]:
    return {
        (d.assessment_id, d.kind, d.key): (
            d.mean,
            d.answered,
            d.total,
            (d.service_id, d.team_id, d.framework_id, d.version_id, d.cycle),
        )
        for d in AssessmentDomainScore.objects.all()
    }


@dataclass
class Submitted:
    """What the test knows of the submits that went through, independently of the database."""

    ratings: list[dict] = field(default_factory=list)
    assessments: dict[int, dict[str, int | None]] = field(default_factory=dict)

    def add(self, assessment: SelfAssessment, team: Team, values: dict[str, int | None]) -> None:
        self.assessments[assessment.pk] = values
        items = dict(assessment.version.items.values_list("key", "pk"))
        self.ratings.extend(
            {
                "service": team.service_id,
                "team": team.pk,
                "version": assessment.version_id,
                "cycle": assessment.cycle,
                "item": items[key],
                "value": value,
            }
            for key, value in values.items()
        )

    def expected_item_summaries(self) -> dict[tuple, tuple]:
        """Count, sum, sum of squares and ratings of 2 or less per group, by pandas."""
        if not self.ratings:
            return {}
        frame = pd.DataFrame(self.ratings).astype({"value": "float"})
        frame["square"] = frame["value"] ** 2
        frame["reports"] = frame["value"] <= 2
        grouped = frame.groupby(["service", "team", "version", "cycle", "item"]).agg(
            respondents=("value", "count"),
            total=("value", "sum"),
            total_squares=("square", "sum"),
            reporting=("reports", "sum"),
        )
        return {
            tuple(int(part) for part in index): tuple(int(figure) for figure in row)
            for index, row in zip(grouped.index, grouped.itertuples(index=False), strict=True)
        }

    def expected_domain_scores(self, version: FrameworkVersion) -> dict[tuple, tuple]:
        items = items_by_version([version])[version.pk]
        expected = {}
        for assessment in SelfAssessment.objects.filter(pk__in=self.assessments):
            scores = scoring.score(items, self.assessments[assessment.pk])
            where = (
                assessment.service_id,
                assessment.team_id,
                assessment.framework_id,
                assessment.version_id,
                assessment.cycle,
            )
            for domain in scores.components + scores.subcomponents + scores.sections:
                expected[(assessment.pk, domain.kind, domain.key)] = (
                    domain.mean,
                    domain.answered,
                    domain.total,
                    where,
                )
        return expected


# Random submits

rating = st.sampled_from([1, 2, 3, 4, 5, None])


@st.composite
def attempts(draw) -> list[tuple[int, int, dict[str, int | None]]]:
    """Submit attempts in order: (therapist, team index they are in then, answers). About half
    leave a statement unanswered, so they are refused and the next attempt finishes the same
    assessment; a therapist's later attempts may come from another team."""
    therapists = draw(st.integers(min_value=1, max_value=5))
    made = []
    for _ in range(draw(st.integers(min_value=1, max_value=8))):
        therapist = draw(st.integers(min_value=0, max_value=therapists - 1))
        team = draw(st.integers(min_value=0, max_value=2))
        values = {key: draw(rating) for key in KEYS}
        left_out = draw(st.one_of(st.none(), st.sampled_from(KEYS)))
        if left_out is not None:
            del values[left_out]
        made.append((therapist, team, values))
    return made


def run(attempt_list, version: FrameworkVersion, teams: list[Team]) -> Submitted:
    people = [factories.therapist(team=teams[0]) for _ in range(5)]
    submitted = Submitted()
    for therapist_index, team_index, values in attempt_list:
        therapist, team = people[therapist_index], teams[team_index]
        move(therapist, team)
        if submit(therapist, version, values):
            assessment = therapist.self_assessments.submitted().order_by("-cycle").first()
            submitted.add(assessment, team, values)
    return submitted


@settings(max_examples=EXAMPLES, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(attempt_list=attempts())
def test_summaries_equal_a_full_recomputation_after_random_submits(version, teams, attempt_list):
    with transaction.atomic():
        submitted = run(attempt_list, version, teams)
        actual = (item_summaries(), domain_scores())
        expected = (submitted.expected_item_summaries(), submitted.expected_domain_scores(version))
        transaction.set_rollback(True)
    assert actual == expected


@settings(max_examples=EXAMPLES, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(attempt_list=attempts())
def test_rebuilding_gives_the_figures_the_submits_kept(version, teams, attempt_list):
    with transaction.atomic():
        run(attempt_list, version, teams)
        kept = (item_summaries(), domain_scores())
        rebuild_summaries()
        rebuilt = (item_summaries(), domain_scores())
        transaction.set_rollback(True)
    assert rebuilt == kept


# Repeats, rollbacks and moves

ALL_FOURS = dict.fromkeys(KEYS, 4)


def test_submitting_twice_changes_no_figure(version, therapist):
    submit(therapist, version, ALL_FOURS)
    before = (item_summaries(), domain_scores())
    assessment = therapist.self_assessments.get()
    assert questionnaire.submit(assessment, shares_sensitive=True) is False
    assert summarise_submission(assessment) is False
    assert (item_summaries(), domain_scores()) == before


def test_a_rolled_back_submit_leaves_the_summaries_as_they_were(version, therapist, team):
    submit(factories.therapist(team=team), version, ALL_FOURS)
    before = (item_summaries(), domain_scores())
    assessment = questionnaire.start_or_resume(therapist, version)
    answer(assessment, ALL_FOURS)
    with pytest.raises(RuntimeError), transaction.atomic():
        questionnaire.submit(assessment, shares_sensitive=False)
        raise RuntimeError("the request failed after submitting")
    assert (item_summaries(), domain_scores()) == before


def test_a_submit_whose_summary_fails_is_not_submitted(version, therapist, monkeypatch):
    assessment = questionnaire.start_or_resume(therapist, version)
    answer(assessment, ALL_FOURS)
    # A summary row that breaks a check constraint stands in for any failure to summarise.
    monkeypatch.setattr(ItemSummary, "add", lambda summary, value: setattr(summary, "reporting", 9))
    with pytest.raises(IntegrityError):
        questionnaire.submit(assessment, shares_sensitive=False)
    assessment.refresh_from_db()
    assert not assessment.is_submitted


def test_an_assessment_in_progress_is_not_summarised(version, therapist):
    assessment = questionnaire.start_or_resume(therapist, version)
    answer(assessment, ALL_FOURS)
    assert summarise_submission(assessment) is False
    assert (item_summaries(), domain_scores()) == ({}, {})


def test_a_therapist_who_moved_counts_for_the_team_they_were_in_at_each_submit(
    version, therapist, teams
):
    move(therapist, teams[0])
    submit(therapist, version, ALL_FOURS)
    move(therapist, teams[1])
    submit(therapist, version, ALL_FOURS)
    teams_by_cycle = set(ItemSummary.objects.values_list("cycle", "team_id").distinct())
    assert teams_by_cycle == {(0, teams[0].pk), (1, teams[1].pk)}


def test_a_move_after_submitting_leaves_the_summaries_with_the_old_team(version, therapist, teams):
    move(therapist, teams[0])
    submit(therapist, version, ALL_FOURS)
    move(therapist, teams[1])
    rebuild_summaries()
    assert set(ItemSummary.objects.values_list("team_id", flat=True)) == {teams[0].pk}
    assert set(AssessmentDomainScore.objects.values_list("team_id", flat=True)) == {teams[0].pk}


# Domain scores, the rebuild, and the constraints


def test_domain_scores_equal_the_scores_of_the_shipped_framework(
    published_version, therapist, team
):
    values = {"C1": 1, "C2": None, "O1": 2}
    assessment = factories.filled_assessment(therapist, published_version, 4, values)
    ratings = dict(assessment.ratings.values_list("item__key", "value"))
    scores = scoring.score(items_by_version([published_version])[published_version.pk], ratings)
    expected = {
        (domain.kind, domain.key): (domain.mean, domain.answered, domain.total)
        for domain in scores.components + scores.subcomponents + scores.sections
    }
    stored = {
        (d.kind, d.key): (d.mean, d.answered, d.total)
        for d in AssessmentDomainScore.objects.filter(assessment=assessment)
    }
    assert stored == expected


def test_rebuilding_counts_assessments_written_without_the_questionnaire(version, therapist):
    factories.submitted_assessment(therapist, version, {"A1": 1, "A2": 2, "B1": None})
    counts = rebuild_summaries()
    assert (counts.assessments, counts.item_summaries) == (1, 3)
    summaries = {
        s.item.key: (s.respondents, s.total, s.reporting)
        for s in ItemSummary.objects.select_related("item")
    }
    assert summaries == {"A1": (1, 1, 1), "A2": (1, 2, 1), "B1": (0, 0, 0)}


def test_rebuild_command_says_what_it_rebuilt(version, therapist):
    submit(therapist, version, ALL_FOURS)
    domains = AssessmentDomainScore.objects.count()
    out = io.StringIO()
    call_command("rebuild_summaries", stdout=out)
    assert out.getvalue().strip() == (
        f"Rebuilt the summaries of 1 submitted assessments: {len(KEYS)} item summaries, "
        f"{domains} domain scores."
    )


def test_a_summary_cannot_count_more_reports_than_respondents(version, team):
    item = version.items.get(key="A1")
    with pytest.raises(IntegrityError), transaction.atomic():
        ItemSummary.objects.create(
            service=team.service, team=team, version=version, cycle=0, item=item, reporting=1
        )
