"""The supervisor's dashboard rows (supervision.dashboard.dashboard_rows): what each row says
about a supervisee, the reasons for attention, their order, and a query count that does not
grow with the number of supervisees."""

from __future__ import annotations

import datetime

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from assessments.models import DomainReliability, FrameworkItem
from supervision import hours, queries
from supervision.dashboard import Severity, dashboard_rows
from supervision.models import AgendaItem, SupervisionSession
from tests import factories

Status = SupervisionSession.Status
SENSITIVE_CAPABILITY = "C19"  # a private (self-care) statement of the shipped framework

pytestmark = pytest.mark.django_db


@pytest.fixture
def boss(team):
    return factories.supervisor(team=team)


def supervisee_of(supervisor, team, last_name="Okafor", **fields):
    person = factories.therapist(team=team, last_name=last_name, **fields)
    factories.SupervisionFactory(supervisor=supervisor, supervisee=person)
    return person


def rows_of(supervisor):
    return dashboard_rows(supervisor, list(queries.supervisee_list(supervisor)))


def only_row(supervisor):
    (row,) = rows_of(supervisor)
    return row


def reasons(row) -> list[str]:
    return [reason.text for reason in row.attention]


def rate(person, version, value=3, *, cycle=0, days_ago=0, shares=False, **overrides):
    """A submitted assessment rating every statement `value` (some keys otherwise)."""
    keys = FrameworkItem.objects.filter(version=version).rated().values_list("key", flat=True)
    return factories.submitted_assessment(
        person,
        version,
        {key: value for key in keys} | overrides,
        cycle=cycle,
        submitted_at=timezone.now() - datetime.timedelta(days=days_ago),
        shares_sensitive=shares,
    )


def entry(supervisee, supervisor, status=Status.SUBMITTED, **fields):
    values = {"supervisee": supervisee, "supervisor": supervisor, "status": status} | fields
    if status != Status.DRAFT:
        values.setdefault("submitted_at", timezone.now())
    if status == Status.CONFIRMED:
        values |= {"confirmed_at": timezone.now(), "confirmed_by": supervisor}
    return factories.SupervisionSessionFactory(**values)


def meets_the_standard(supervisee, supervisor):
    """Confirmed 90-minute sessions in each of the last three months."""
    for held_on in hours.months_ending(timezone.localdate(), 3):
        entry(supervisee, supervisor, Status.CONFIRMED, held_on=held_on, duration_minutes=90)


def declined(person, version):
    """Baseline every statement 4, then 2, with stored figures that make Capability's fall
    reliable (none for Opportunity or Motivation)."""
    rate(person, version, 4, days_ago=100)
    rate(person, version, 2, cycle=1)
    DomainReliability.objects.create(
        framework=version.framework, domain_key="C", respondents=10, baseline_sd=0.5, alpha=0.9
    )


# What a row says


def test_row_names_the_supervisee_their_team_and_since_when(boss, team):
    person = supervisee_of(boss, team)
    row = only_row(boss)
    assert (row.person, row.teams) == (person, [team])
    assert row.since == timezone.localdate() - datetime.timedelta(days=30)


def test_row_gives_the_date_of_the_latest_submitted_self_assessment(boss, team, published_version):
    person = supervisee_of(boss, team)
    rate(person, published_version, days_ago=100)
    latest = rate(person, published_version, cycle=1, days_ago=3)
    row = only_row(boss)
    assert row.last_submitted == latest
    assert row.status.state == "complete"


def test_row_shows_need_now_and_its_change_since_baseline(boss, team, published_version):
    person = supervisee_of(boss, team)
    rate(person, published_version, 4, days_ago=100)
    rate(person, published_version, 2, cycle=1)
    profile = only_row(boss).profile
    assert (profile.need, profile.baseline_need, profile.need_change) == (75, 25, 50)


def test_row_compares_each_com_b_component_with_the_baseline(boss, team, published_version):
    person = supervisee_of(boss, team)
    rate(person, published_version, 4, days_ago=100)
    rate(person, published_version, 2, cycle=1)
    components = only_row(boss).profile.components
    assert [c.score.key for c in components] == ["C", "O", "M"]
    assert [c.since_baseline.difference for c in components] == [-2, -2, -2]


def test_row_at_baseline_has_no_change(boss, team, published_version):
    person = supervisee_of(boss, team)
    rate(person, published_version, 3)
    profile = only_row(boss).profile
    assert profile.baseline is None
    assert profile.need_change is None
    assert all(c.since_baseline is None for c in profile.components)


def test_row_before_any_self_assessment_has_no_profile(boss, team, published_version):
    supervisee_of(boss, team)
    assert only_row(boss).profile is None


def test_row_lists_the_top_three_needs(boss, team, published_version):
    person = supervisee_of(boss, team)
    rate(person, published_version, 5, C1=1, C2=2, O1=3, M1=4)
    needs = only_row(boss).profile.top_needs
    assert [need.key for need in needs] == ["C1", "C2", "O1"]
    assert all(need.text for need in needs)


def test_private_need_is_left_out_when_not_shared(boss, team, published_version):
    person = supervisee_of(boss, team)
    rate(person, published_version, 5, **{SENSITIVE_CAPABILITY: 1, "C1": 2})
    profile = only_row(boss).profile
    assert [need.key for need in profile.top_needs] == ["C1"]
    assert not profile.includes_sensitive


def test_private_need_is_listed_when_shared(boss, team, published_version):
    person = supervisee_of(boss, team)
    rate(person, published_version, 5, shares=True, **{SENSITIVE_CAPABILITY: 1, "C1": 2})
    assert [need.key for need in only_row(boss).profile.top_needs] == [SENSITIVE_CAPABILITY, "C1"]


def test_private_need_is_left_out_when_an_earlier_cycle_was_not_shared(
    boss, team, published_version
):
    person = supervisee_of(boss, team)
    rate(person, published_version, 5, days_ago=100)
    rate(person, published_version, 5, cycle=1, shares=True, **{SENSITIVE_CAPABILITY: 1})
    assert only_row(boss).profile.top_needs == []


def test_row_shows_hours_this_month_and_over_three_months(boss, team):
    person = supervisee_of(boss, team)
    entry(person, boss, Status.CONFIRMED, duration_minutes=60)
    row = only_row(boss)
    assert (row.this_month.counted_minutes, row.this_month.standard_minutes) == (60, 90)
    assert (row.rolling.counted_minutes, row.rolling.standard_minutes) == (20, 90)


def test_row_counts_open_agenda_items(boss, team):
    person = supervisee_of(boss, team)
    AgendaItem.objects.create(supervisee=person, added_by=boss, text="Homework setting")
    AgendaItem.objects.create(
        supervisee=person,
        added_by=boss,
        text="Discussed already",
        status=AgendaItem.Status.DISCUSSED,
        closed_at=timezone.now(),
    )
    assert only_row(boss).open_agenda_items == 1


# Reasons for attention


def test_entries_awaiting_confirmation_need_attention(boss, team):
    person = supervisee_of(boss, team)
    entry(person, boss)
    entry(person, boss)
    row = only_row(boss)
    assert row.awaiting_confirmation == 2
    assert "2 entries await your confirmation" in reasons(row)


def test_one_entry_awaiting_confirmation_is_named_in_the_singular(boss, team):
    entry(supervisee_of(boss, team), boss)
    assert "1 entry awaits your confirmation" in reasons(only_row(boss))


def test_entries_awaiting_another_supervisor_are_not_counted(boss, team):
    person = supervisee_of(boss, team)
    entry(person, factories.supervisor(team=team))
    entry(person, boss, Status.DRAFT)
    assert only_row(boss).awaiting_confirmation == 0


def test_overdue_self_assessment_needs_attention(boss, team, published_version):
    rate(supervisee_of(boss, team), published_version, days_ago=150)
    assert "Self-assessment overdue" in reasons(only_row(boss))


def test_self_assessment_due_within_the_grace_period_needs_no_attention(
    boss, team, published_version
):
    rate(supervisee_of(boss, team), published_version, days_ago=100)
    row = only_row(boss)
    assert row.status.state == "due"
    assert "Self-assessment overdue" not in reasons(row)


def test_reliable_decline_needs_attention_naming_the_component(boss, team, published_version):
    declined(supervisee_of(boss, team), published_version)
    row = only_row(boss)
    assert "Reliable decline in Capability" in reasons(row)
    assert [c.score.key for c in row.profile.reliable_declines] == ["C"]


def test_decline_without_stored_figures_is_not_called_reliable(boss, team, published_version):
    declined(supervisee_of(boss, team), published_version)
    assert "Reliable decline in Motivation" not in reasons(only_row(boss))


def test_reliable_improvement_needs_no_attention(boss, team, published_version):
    person = supervisee_of(boss, team)
    rate(person, published_version, 2, days_ago=100)
    rate(person, published_version, 4, cycle=1)
    DomainReliability.objects.create(
        framework=published_version.framework,
        domain_key="C",
        respondents=10,
        baseline_sd=0.5,
        alpha=0.9,
    )
    assert not any(text.startswith("Reliable decline") for text in reasons(only_row(boss)))


def test_no_supervision_this_month_needs_attention(boss, team):
    supervisee_of(boss, team)
    assert reasons(only_row(boss)) == [
        "Supervision below standard over three months",
        "Supervision below standard this month",
    ]


def test_supervision_at_the_standard_needs_no_attention(boss, team):
    meets_the_standard(supervisee_of(boss, team), boss)
    assert only_row(boss).attention == []


def test_actions_past_due_need_attention(boss, team):
    person = supervisee_of(boss, team)
    session = entry(person, boss, Status.CONFIRMED)
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    factories.AgreedActionFactory(entry=session, due_on=yesterday)
    factories.AgreedActionFactory(entry=session, due_on=yesterday)
    row = only_row(boss)
    assert row.actions_past_due == 2
    assert "2 actions past due" in reasons(row)


def test_done_and_future_actions_are_not_past_due(boss, team):
    person = supervisee_of(boss, team)
    session = entry(person, boss, Status.CONFIRMED)
    today = timezone.localdate()
    factories.AgreedActionFactory(
        entry=session, due_on=today - datetime.timedelta(days=3), done_on=today
    )
    factories.AgreedActionFactory(entry=session, due_on=today)
    assert only_row(boss).actions_past_due == 0


def test_actions_of_entries_the_supervisor_cannot_open_are_not_counted(boss, team):
    person = supervisee_of(boss, team)
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    draft = entry(person, boss, Status.DRAFT)
    elsewhere = entry(person, factories.supervisor(team=team), Status.CONFIRMED)
    factories.AgreedActionFactory(entry=draft, due_on=yesterday)
    factories.AgreedActionFactory(entry=elsewhere, due_on=yesterday)
    assert only_row(boss).actions_past_due == 0


def test_supervisee_who_is_no_longer_a_therapist_is_not_held_to_the_standard(boss, team):
    person = supervisee_of(boss, team)
    person.memberships.update(
        starts_on=timezone.localdate() - datetime.timedelta(days=400),
        ends_on=timezone.localdate() - datetime.timedelta(days=1),
    )
    row = only_row(boss)
    assert (row.is_therapist, row.attention) == (False, [])


def test_reasons_are_listed_most_serious_first(boss, team):
    person = supervisee_of(boss, team)
    entry(person, boss)
    severities = [reason.severity for reason in only_row(boss).attention]
    assert severities == sorted(severities, reverse=True)
    assert severities[0] == Severity.HIGH


# Order of the rows


def test_most_serious_reason_comes_first_then_the_calm_by_name(boss, team, published_version):
    calm = supervisee_of(boss, team, "Adams")
    meets_the_standard(calm, boss)
    low = supervisee_of(boss, team, "Baker")  # only below the hours standard
    high = supervisee_of(boss, team, "Young")
    entry(high, boss)
    assert [row.person for row in rows_of(boss)] == [high, low, calm]


def test_more_reasons_of_the_same_severity_come_first(boss, team):
    one = supervisee_of(boss, team, "Adams")
    two = supervisee_of(boss, team, "Young")
    for person in (one, two):
        entry(person, boss)
    session = entry(two, boss, Status.CONFIRMED)
    factories.AgreedActionFactory(
        entry=session, due_on=timezone.localdate() - datetime.timedelta(days=1)
    )
    assert [row.person for row in rows_of(boss)] == [two, one]


def test_ties_are_listed_by_surname(boss, team):
    people = [supervisee_of(boss, team, name) for name in ("Price", "Ahmed", "Hughes")]
    assert [row.person.last_name for row in rows_of(boss)] == ["Ahmed", "Hughes", "Price"]
    assert len(people) == 3


# Query count


def busy_supervisee(supervisor, team, version, n):
    """A supervisee with a baseline and a reassessment, an entry awaiting review, a confirmed
    one with an action past due, and an agenda item."""
    person = supervisee_of(supervisor, team, f"Surname{n:02d}")
    rate(person, version, 4, days_ago=100)
    rate(person, version, 2, cycle=1, shares=bool(n % 2))
    entry(person, supervisor)
    session = entry(person, supervisor, Status.CONFIRMED)
    factories.AgreedActionFactory(
        entry=session, due_on=timezone.localdate() - datetime.timedelta(days=1)
    )
    AgendaItem.objects.create(supervisee=person, added_by=supervisor, text="Pacing")
    return person


def queries_for(supervisor) -> int:
    cache.clear()
    with CaptureQueriesContext(connection) as captured:
        rows = rows_of(supervisor)
    assert all(row.profile is not None for row in rows)
    return len(captured.captured_queries)


def test_queries_are_the_same_for_one_and_twenty_supervisees(team, published_version):
    DomainReliability.objects.create(
        framework=published_version.framework,
        domain_key="C",
        respondents=10,
        baseline_sd=0.5,
        alpha=0.9,
    )
    few, many = factories.supervisor(team=team), factories.supervisor(team=team)
    busy_supervisee(few, team, published_version, 0)
    for n in range(20):
        busy_supervisee(many, team, published_version, n)
    assert queries_for(few) == queries_for(many)


# Measured on SQLite and PostgreSQL: the supervisees (3: people, memberships, assessments),
# hours (2), awaiting confirmation, actions past due, agenda items, and the profile summaries
# (statements of a version not cached, ratings, reliability figures, the supervisor's
# supervisees).
DASHBOARD_QUERIES = 12


def test_rows_for_twenty_busy_supervisees_take_a_fixed_number_of_queries(
    boss, team, published_version, django_assert_num_queries
):
    for n in range(20):
        busy_supervisee(boss, team, published_version, n)
    cache.clear()
    with django_assert_num_queries(DASHBOARD_QUERIES):
        rows = rows_of(boss)
    assert len(rows) == 20
