"""The supervision log in the personal data registry: a supervisee's export holds their
entries, comments and actions; anonymising a leaver removes free text and keeps the hours."""

from __future__ import annotations

import io
import json
import zipfile

import pytest

from accounts import personal_data
from supervision import services
from supervision.models import AgreedAction, SessionComment, SupervisionSession
from tests import factories
from tests.supervision.test_services import entry_fields

pytestmark = pytest.mark.django_db


@pytest.fixture
def confirmed(therapist, supervisor):
    entry = services.record_session(
        therapist, supervisor=supervisor, **entry_fields(reflection="Talked about Jo's case")
    )
    services.add_action(
        entry, by=therapist, text="Read about Jo's formulation", due_on=entry.held_on
    )
    services.submit(entry, by=therapist, revision=0)
    services.return_for_changes(entry, by=supervisor, revision=1, comment="Jo needs a plan")
    services.submit(entry, by=therapist, revision=2)
    services.confirm(entry, by=supervisor, revision=3)
    entry.refresh_from_db()
    return entry


def exported(person) -> dict:
    archive = zipfile.ZipFile(io.BytesIO(personal_data.export_archive(person)))
    return json.loads(archive.read("data.json"))["models"]


def test_supervisees_export_holds_their_entries_comments_and_actions(confirmed, therapist):
    data = exported(therapist)
    (entry,) = data["supervision.supervisionsession"]
    assert (entry["reflection"], entry["status"]) == ("Talked about Jo's case", "confirmed")
    assert [c["text"] for c in data["supervision.sessioncomment"]] == ["Jo needs a plan"]
    assert [a["text"] for a in data["supervision.agreedaction"]] == ["Read about Jo's formulation"]


def test_supervisors_export_holds_the_entries_they_confirmed(confirmed, supervisor):
    data = exported(supervisor)
    assert [e["id"] for e in data["supervision.supervisionsession"]] == [confirmed.pk]


def test_leavers_reflection_comments_and_actions_are_removed(confirmed, therapist):
    personal_data.anonymise(therapist, by=None)
    confirmed.refresh_from_db()
    assert confirmed.reflection == "[removed]"
    assert SessionComment.objects.get().text == "[removed]"
    assert AgreedAction.objects.get().text == "[removed]"


def test_leavers_entries_keep_their_hours(confirmed, therapist):
    personal_data.anonymise(therapist, by=None)
    confirmed.refresh_from_db()
    assert (confirmed.duration_minutes, confirmed.status) == (60, "confirmed")


def test_reflections_in_the_history_are_removed_too(confirmed, therapist):
    personal_data.anonymise(therapist, by=None)
    reflections = set(confirmed.history.values_list("reflection", flat=True))
    assert reflections == {"[removed]"}


def test_entries_a_leaver_confirmed_point_at_the_former_member(confirmed, supervisor):
    personal_data.anonymise(supervisor, by=None)
    confirmed.refresh_from_db()
    assert str(confirmed.confirmed_by).startswith("Former member ")
    assert confirmed.reflection == "Talked about Jo's case"


def test_comments_a_leaving_supervisor_wrote_are_removed(confirmed, supervisor):
    personal_data.anonymise(supervisor, by=None)
    assert SessionComment.objects.get().text == "[removed]"


def test_other_peoples_entries_are_untouched(confirmed, team):
    leaver = factories.therapist(team=team)
    personal_data.anonymise(leaver, by=None)
    assert SupervisionSession.objects.get().reflection == "Talked about Jo's case"
