"""Who may edit and who may review a supervision log entry (accounts.permissions)."""

from __future__ import annotations

import datetime

import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from accounts import permissions
from supervision.models import SupervisionSession
from tests import factories

pytestmark = pytest.mark.django_db

Status = SupervisionSession.Status


def entry_of(therapist, supervisor, status=Status.DRAFT):
    submitted_at = None if status == Status.DRAFT else timezone.now()
    return factories.SupervisionSessionFactory(
        supervisee=therapist, supervisor=supervisor, status=status, submitted_at=submitted_at
    )


@pytest.mark.parametrize("status", [Status.DRAFT, Status.RETURNED])
def test_supervisee_edits_a_draft_or_returned_entry(therapist, supervisor, status):
    assert permissions.can_edit_supervision(therapist, entry_of(therapist, supervisor, status))


def test_supervisee_cannot_edit_a_submitted_entry(therapist, supervisor):
    entry = entry_of(therapist, supervisor, Status.SUBMITTED)
    assert not permissions.can_edit_supervision(therapist, entry)


def test_nobody_else_edits_an_entry(therapist, supervisor):
    entry = entry_of(therapist, supervisor)
    assert not permissions.can_edit_supervision(supervisor, entry)
    assert not permissions.can_edit_supervision(AnonymousUser(), entry)


def test_its_supervisor_reviews_a_submitted_entry(therapist, supervisor):
    entry = entry_of(therapist, supervisor, Status.SUBMITTED)
    assert permissions.can_review_supervision(supervisor, entry)


def test_its_supervisor_cannot_review_a_draft(therapist, supervisor):
    assert not permissions.can_review_supervision(supervisor, entry_of(therapist, supervisor))


def test_another_current_supervisor_cannot_review_it(therapist, supervisor, team):
    colleague = factories.supervisor(team=team)
    factories.SupervisionFactory(supervisor=colleague, supervisee=therapist)
    entry = entry_of(therapist, supervisor, Status.SUBMITTED)
    assert not permissions.can_review_supervision(colleague, entry)


def test_former_supervisor_cannot_review_it(therapist, supervisor):
    entry = entry_of(therapist, supervisor, Status.SUBMITTED)
    supervisor.supervisions_given.update(ends_on=timezone.localdate() - datetime.timedelta(days=1))
    assert not permissions.can_review_supervision(supervisor, entry)
