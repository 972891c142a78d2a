"""Quick session reflections (supervision.reflections): what is offered, recording a reflection
(a mark for every offered behaviour, once per form even when two sends race, the date window,
NHS numbers refused), and the pattern over recent weeks (shares, counts, weeks, matching by key
across versions, private behaviours left out for others, a constant query count)."""

from __future__ import annotations

import datetime
import uuid

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from assessments.models import FrameworkVersion
from supervision import reflections
from supervision.models import ReflectionMark, SessionReflection
from tests import factories

pytestmark = pytest.mark.django_db

VALID_NHS_NUMBER = "943 476 5919"


def today() -> datetime.date:
    return timezone.localdate()


def days_ago(days: int) -> datetime.date:
    return today() - datetime.timedelta(days=days)


def publish(version: FrameworkVersion) -> FrameworkVersion:
    """Mark a factory-built version published (its content is written first)."""
    FrameworkVersion.objects.filter(pk=version.pk).update(
        status=FrameworkVersion.Status.PUBLISHED, published_at=timezone.now()
    )
    version.refresh_from_db()
    return version


def build_version(framework, in_session=("ST2", "ST8"), *, others=("ST1",), private=()):
    """A published version with one behaviour section: the in-session `in_session` and
    `private` (sensitive) statements, and `others` that are not in-session."""
    version = factories.FrameworkVersionFactory(framework=framework)
    section = factories.FrameworkSectionFactory(version=version, key="structure", order=1)
    keys = [(key, True, False) for key in in_session]
    keys += [(key, False, False) for key in others]
    keys += [(key, True, True) for key in private]
    for order, (key, in_session_flag, sensitive) in enumerate(keys):
        factories.FrameworkItemFactory(
            section=section,
            key=key,
            order=order,
            target_text=f"I do {key}",
            in_session=in_session_flag,
            is_sensitive=sensitive,
        )
    return publish(version)


@pytest.fixture
def framework(service):
    framework = factories.FrameworkFactory()
    service.framework = framework
    service.save()
    return framework


@pytest.fixture
def version(framework):
    return build_version(framework)


def ids(version, *keys):
    return {version.items.get(key=key).pk for key in keys}


def reflect(therapist, version, *keys, held_on=None, note="", token=None):
    reflection, _created = reflections.record_reflection(
        therapist,
        held_on=held_on or today(),
        happened=ids(version, *keys),
        note=note,
        token=token or uuid.uuid4(),
    )
    return reflection


def marks_of(reflection):
    return {mark.item.key: mark.happened for mark in reflection.marks.select_related("item")}


def row_for(pattern, key):
    return next(row for row in pattern.rows if row.item.key == key)


# What is offered


def test_reflection_offers_only_the_in_session_behaviours_of_the_current_version(
    therapist, framework, version
):
    newer = build_version(framework, in_session=("ST2", "ST6"))

    offered = reflections.offered_items(therapist)

    assert [item.key for item in offered] == ["ST2", "ST6"]
    assert {item.version_id for item in offered} == {newer.pk}


def test_nothing_is_offered_without_a_published_framework(therapist, framework):
    assert list(reflections.offered_items(therapist)) == []


# Recording


def test_a_reflection_marks_every_offered_behaviour_happened_or_not(therapist, version):
    reflection = reflect(therapist, version, "ST2", note="Went well")

    assert marks_of(reflection) == {"ST2": True, "ST8": False}
    assert reflection.version == version
    assert reflection.note == "Went well"


def test_a_reflection_with_nothing_ticked_records_every_behaviour_as_not_happening(
    therapist, version
):
    reflection = reflect(therapist, version)

    assert marks_of(reflection) == {"ST2": False, "ST8": False}


def test_a_reflection_is_in_its_history_as_made_by_the_therapist(therapist, version):
    reflection = reflect(therapist, version, "ST2")

    assert reflection.history.get().history_user == therapist


def test_the_same_form_sent_twice_is_one_reflection(therapist, version):
    token = uuid.uuid4()
    first, created = reflections.record_reflection(
        therapist, held_on=today(), happened=ids(version, "ST2"), note="", token=token
    )
    again, created_again = reflections.record_reflection(
        therapist, held_on=today(), happened=ids(version, "ST8"), note="other", token=token
    )

    assert (created, created_again) == (True, False)
    assert again == first
    assert SessionReflection.objects.count() == 1
    assert marks_of(again) == {"ST2": True, "ST8": False}


def test_two_sends_of_one_form_that_race_give_one_reflection(therapist, version, monkeypatch):
    """The second send passes the first look for its token before the first send has saved;
    the database's unique token then makes it return the first send's reflection."""
    token = uuid.uuid4()
    real_offered_items = reflections.offered_items

    def first_send_saves_meanwhile(user):
        monkeypatch.setattr(reflections, "offered_items", real_offered_items)
        reflections.record_reflection(
            user, held_on=today(), happened=ids(version, "ST2"), note="", token=token
        )
        return real_offered_items(user)

    monkeypatch.setattr(reflections, "offered_items", first_send_saves_meanwhile)

    reflection, created = reflections.record_reflection(
        therapist, held_on=today(), happened=ids(version, "ST8"), note="", token=token
    )

    assert created is False
    assert SessionReflection.objects.count() == 1
    assert marks_of(reflection) == {"ST2": True, "ST8": False}


def test_another_therapists_form_token_does_not_block_a_reflection(therapist, team, version):
    other = factories.therapist(team=team)
    token = uuid.uuid4()
    reflect(other, version, token=token)

    _reflection, created = reflections.record_reflection(
        therapist, held_on=today(), happened=set(), note="", token=token
    )

    assert created is True


def test_a_session_in_the_future_is_refused(therapist, version):
    with pytest.raises(ValidationError) as refused:
        reflect(therapist, version, held_on=days_ago(-1))

    assert "future" in str(refused.value.message_dict["held_on"])
    assert not SessionReflection.objects.exists()


def test_a_session_older_than_fourteen_days_is_refused(therapist, version):
    with pytest.raises(ValidationError) as refused:
        reflect(therapist, version, held_on=days_ago(15))

    assert "last 14 days" in str(refused.value.message_dict["held_on"])


def test_a_session_fourteen_days_ago_can_be_reflected_on(therapist, version):
    assert reflect(therapist, version, held_on=days_ago(14)).held_on == days_ago(14)


def test_a_note_with_an_nhs_number_is_refused(therapist, version):
    with pytest.raises(ValidationError) as refused:
        reflect(therapist, version, note=f"Client {VALID_NHS_NUMBER}")

    assert "note" in refused.value.message_dict
    assert not ReflectionMark.objects.exists()


def test_a_note_over_500_characters_is_refused(therapist, version):
    with pytest.raises(ValidationError) as refused:
        reflect(therapist, version, note="x" * 501)

    assert "500" in str(refused.value.message_dict["note"])


def test_a_behaviour_that_is_not_offered_is_refused(therapist, version):
    with pytest.raises(ValidationError) as refused:
        reflect(therapist, version, "ST1")

    assert "happened" in refused.value.message_dict


def test_a_reflection_is_refused_when_nothing_is_offered(therapist, framework):
    build_version(framework, in_session=())

    with pytest.raises(ValidationError) as refused:
        reflections.record_reflection(
            therapist, held_on=today(), happened=set(), note="", token=uuid.uuid4()
        )

    assert reflections.NOTHING_OFFERED in refused.value.messages


# The pattern


def test_pattern_gives_the_sessions_in_which_each_behaviour_happened(therapist, version):
    reflect(therapist, version, "ST2", "ST8")
    reflect(therapist, version, "ST2")
    reflect(therapist, version)

    pattern = reflections.reflection_pattern(therapist)

    agenda = row_for(pattern, "ST2").overall
    assert (agenda.happened, agenda.total, agenda.share) == (2, 3, 67)
    assert (row_for(pattern, "ST8").overall.happened, pattern.reflections) == (1, 3)


def test_pattern_breaks_the_weeks_down_from_oldest_to_this_week(therapist, version):
    this_monday = today() - datetime.timedelta(days=today().weekday())
    last_week = this_monday - datetime.timedelta(days=3)
    reflect(therapist, version, "ST2", held_on=last_week)
    reflect(therapist, version, held_on=today())

    pattern = reflections.reflection_pattern(therapist, weeks=4)

    assert [week.starts_on for week in pattern.weeks][-2:] == [
        this_monday - datetime.timedelta(weeks=1),
        this_monday,
    ]
    cells = row_for(pattern, "ST2").weeks
    assert [(cell.happened, cell.total) for cell in cells] == [(0, 0), (0, 0), (1, 1), (0, 1)]
    assert [week.reflections for week in pattern.weeks] == [0, 0, 1, 1]


def test_pattern_leaves_out_sessions_before_its_weeks(therapist, version):
    reflection = reflect(therapist, version, "ST2")
    SessionReflection.objects.filter(pk=reflection.pk).update(held_on=days_ago(70))

    pattern = reflections.reflection_pattern(therapist, weeks=8)

    assert pattern.reflections == 0
    assert row_for(pattern, "ST2").overall.total == 0


def test_pattern_matches_behaviours_by_key_across_versions(therapist, framework, version):
    reflect(therapist, version, "ST2")
    newer = build_version(framework, in_session=("ST2", "ST6"))
    reflect(therapist, newer, "ST2", "ST6")

    pattern = reflections.reflection_pattern(therapist)

    assert [row.item.key for row in pattern.rows] == ["ST2", "ST6"]
    agenda, time = row_for(pattern, "ST2").overall, row_for(pattern, "ST6").overall
    assert (agenda.happened, agenda.total) == (2, 2)
    assert (time.happened, time.total) == (1, 1)


def test_pattern_counts_only_the_therapists_own_reflections(therapist, team, version):
    reflect(factories.therapist(team=team), version, "ST2")
    reflect(therapist, version)

    pattern = reflections.reflection_pattern(therapist)

    assert (row_for(pattern, "ST2").overall.happened, pattern.reflections) == (0, 1)


def test_pattern_leaves_out_private_behaviours_unless_asked(therapist, framework):
    version = build_version(framework, in_session=("ST2",), private=("SC1",))
    reflect(therapist, version, "SC1")

    shown_to_others = reflections.reflection_pattern(therapist)
    own = reflections.reflection_pattern(therapist, include_sensitive=True)

    assert [row.item.key for row in shown_to_others.rows] == ["ST2"]
    assert [row.item.key for row in own.rows] == ["ST2", "SC1"]


def test_pattern_is_read_in_the_same_number_of_queries_for_one_or_many_reflections(
    therapist, framework, django_assert_num_queries
):
    version = build_version(framework, in_session=("ST2", "ST4", "ST6", "ST7", "ST8"))
    reflect(therapist, version, "ST2")
    with django_assert_num_queries(PATTERN_QUERIES):
        reflections.reflection_pattern(therapist)
    for days in range(1, 14):
        reflect(therapist, version, "ST2", "ST7", held_on=days_ago(days))
    with django_assert_num_queries(PATTERN_QUERIES):
        pattern = reflections.reflection_pattern(therapist)
    assert pattern.reflections == 14


# The therapist's framework (memberships, then the framework), its current version, the
# in-session items, reflections per day, marks per behaviour and day.
PATTERN_QUERIES = 5


def test_recent_reflections_are_newest_session_first_with_their_marks(therapist, version):
    older = reflect(therapist, version, "ST8", held_on=days_ago(3))
    newer = reflect(therapist, version, "ST2", held_on=days_ago(1))

    shown = list(reflections.recent_reflections(therapist))

    assert shown == [newer, older]
    assert [(m.item.key, m.happened) for m in shown[0].marks.all()] == [
        ("ST2", True),
        ("ST8", False),
    ]


def test_recent_reflections_are_read_in_the_same_number_of_queries_for_one_or_many(
    therapist, version, django_assert_num_queries
):
    reflect(therapist, version, "ST2")
    with django_assert_num_queries(2):
        list(reflections.recent_reflections(therapist))
    for days in range(1, 10):
        reflect(therapist, version, "ST8", held_on=days_ago(days))
    with django_assert_num_queries(2):
        shown = [list(r.marks.all()) for r in reflections.recent_reflections(therapist)]
    assert len(shown) == 10
