"""The supervision log's invariants held by the database itself (whatever writes the row), and
the entry's own checks and labels."""

from __future__ import annotations

import datetime

import pytest
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.admin import ReadOnlyHistoryAdmin
from supervision.models import AgreedAction, Format, SessionComment, SupervisionSession
from tests import factories

pytestmark = pytest.mark.django_db

Status = SupervisionSession.Status


def refused(**fields) -> bool:
    try:
        with transaction.atomic():
            factories.SupervisionSessionFactory(**fields)
    except IntegrityError:
        return True
    return False


def test_entry_needs_a_supervisor_or_an_external_name():
    assert refused(supervisor=None)


def test_entry_cannot_have_both_a_supervisor_and_an_external_name():
    assert refused(external_supervisor_name="Dr A Smith")


def test_only_an_external_supervisor_is_marked_accredited():
    assert refused(external_supervisor_accredited=True)


def test_nobody_logs_supervision_by_themselves():
    person = factories.UserFactory()
    assert refused(supervisee=person, supervisor=person)


@pytest.mark.parametrize("minutes", [0, 601])
def test_duration_outside_one_to_600_minutes_is_refused(minutes):
    assert refused(duration_minutes=minutes)


def test_group_entry_needs_a_group_of_two_or_more():
    assert refused(format=Format.GROUP, group_size=None)
    assert refused(format=Format.GROUP, group_size=1)
    assert not refused(format=Format.GROUP, group_size=2)


def test_only_group_entries_have_a_group_size():
    assert refused(format=Format.INDIVIDUAL, group_size=3)


def test_confirmed_entry_has_who_confirmed_it_and_when():
    assert refused(status=Status.CONFIRMED, submitted_at=timezone.now())


def test_unconfirmed_entry_has_no_confirmation():
    person = factories.UserFactory()
    assert refused(status=Status.SUBMITTED, submitted_at=timezone.now(), confirmed_by=person)


def test_external_entry_cannot_be_confirmed():
    person = factories.UserFactory()
    assert refused(
        supervisor=None,
        external_supervisor_name="Dr A Smith",
        status=Status.CONFIRMED,
        submitted_at=timezone.now(),
        confirmed_by=person,
        confirmed_at=timezone.now(),
    )


def test_submitted_entry_has_a_submission_date():
    assert refused(status=Status.SUBMITTED)


def test_a_confirmed_entry_has_one_amendment_at_most():
    original = factories.SupervisionSessionFactory()
    factories.SupervisionSessionFactory(amends=original)
    assert refused(amends=original)


def test_agreed_action_and_comment_need_text():
    for factory in (factories.AgreedActionFactory, factories.SessionCommentFactory):
        with pytest.raises(IntegrityError), transaction.atomic():
            factory(text="")


def test_entry_in_the_future_is_refused_by_its_checks():
    entry = factories.SupervisionSessionFactory.build(
        held_on=timezone.localdate() + datetime.timedelta(days=1)
    )
    with pytest.raises(ValidationError) as error:
        entry.clean()
    assert "held_on" in error.value.message_dict


def test_unknown_activity_is_refused():
    entry = factories.SupervisionSessionFactory(activities=["role_play", "gossip"])
    with pytest.raises(ValidationError) as error:
        entry.full_clean()
    assert "activities" in error.value.message_dict


def test_external_supervisor_is_labelled_with_accreditation():
    entry = factories.SupervisionSessionFactory.build(
        supervisor=None, external_supervisor_name="Dr A Smith", external_supervisor_accredited=True
    )
    assert entry.supervisor_label == "Dr A Smith (external, accredited)"


@pytest.mark.parametrize("model", [SupervisionSession, AgreedAction, SessionComment])
def test_admin_shows_the_history_and_reverts_nothing(model):
    assert isinstance(admin.site._registry[model], ReadOnlyHistoryAdmin)
