"""`manage.py setup_demo`'s supervision log: supervisor1's supervisees have entries in every
state, written through the services, with hours against the standard, and a second run adds
nothing."""

from __future__ import annotations

import datetime
import re
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from accounts.models import User
from supervision.hours import monthly_hours
from supervision.models import AgreedAction, Format, SessionComment, SupervisionSession

Status = SupervisionSession.Status


@pytest.fixture
def demo(db, settings) -> str:
    settings.DEMO_MODE = True
    return setup_demo()


def setup_demo() -> str:
    out = StringIO()
    call_command("setup_demo", stdout=out)
    return out.getvalue()


def last_full_month(username: str):
    last_month = timezone.localdate().replace(day=1) - datetime.timedelta(days=1)
    supervisee = User.objects.get(username=username)
    return monthly_hours(supervisee, last_month=last_month, count=1)[0]


def counts() -> dict[str, int]:
    return {
        "entries": SupervisionSession.objects.count(),
        "entry history": SupervisionSession.history.count(),
        "actions": AgreedAction.objects.count(),
        "comments": SessionComment.objects.count(),
    }


@pytest.mark.parametrize("status", Status.values)
def test_demo_log_has_entries_in_every_state(demo, status):
    assert SupervisionSession.objects.filter(status=status).exists()


def test_demo_log_covers_supervisor1s_supervisees(demo):
    logged = set(SupervisionSession.objects.values_list("supervisee__username", flat=True))
    assert logged == {
        "therapist01",
        "therapist05",
        "therapist09",
        "therapist13",
        "therapist17",
        "supervisor4",
    }


def test_demo_supervisor1_has_entries_awaiting_review(demo):
    awaiting = SupervisionSession.objects.awaiting_review().filter(
        supervisor__username="supervisor1"
    )
    assert awaiting.count() == 5


def test_demo_has_a_confirmed_entry_with_its_amendment_awaiting_confirmation(demo):
    amendment = SupervisionSession.objects.get(amends__isnull=False)
    original = SupervisionSession.objects.get(amendment=amendment)
    assert (original.status, amendment.status) == (Status.CONFIRMED, Status.SUBMITTED)
    assert amendment.duration_minutes != original.duration_minutes


def test_demo_returned_entries_show_supervisor1s_comment(demo):
    returned = SupervisionSession.objects.filter(status=Status.RETURNED)
    authors = SessionComment.objects.filter(entry__in=returned).values_list(
        "author__username", flat=True
    )
    assert returned.count() == len(authors) == 2
    assert set(authors) == {"supervisor1"}


def test_demo_has_an_entry_confirmed_after_it_was_returned(demo):
    commented = SupervisionSession.objects.filter(status=Status.CONFIRMED, comments__isnull=False)
    assert commented.exists()


def test_demo_has_group_sessions_of_five_and_of_eight(demo):
    sizes = SupervisionSession.objects.filter(format=Format.GROUP).values_list(
        "group_size", flat=True
    )
    assert {5, 8} <= set(sizes)


def test_demo_has_peer_sessions_and_an_accredited_external_supervisor(demo):
    assert SupervisionSession.objects.filter(format=Format.PEER).exists()
    assert SupervisionSession.objects.filter(external_supervisor_accredited=True).exists()


def test_demo_agreed_actions_include_done_and_past_due_ones(demo):
    today = timezone.localdate()
    assert AgreedAction.objects.filter(done_on__isnull=False).exists()
    assert AgreedAction.objects.filter(done_on__isnull=True, due_on__lt=today).exists()


def test_every_demo_entry_was_written_with_a_history(demo):
    without_history = SupervisionSession.objects.exclude(
        pk__in=SupervisionSession.history.values("id")
    )
    assert not without_history.exists()


def test_demo_reflections_hold_no_long_numbers(demo):
    texts = SupervisionSession.objects.values_list("reflection", flat=True)
    assert all(text and not re.search(r"\d{3}", text) for text in texts)


def test_demo_full_time_therapist_met_the_standard_last_month(demo):
    month = last_full_month("therapist01")
    assert (month.counted_minutes, month.standard_minutes, month.meets_standard) == (105, 90, True)


def test_demo_therapist_missed_the_standard_last_month(demo):
    month = last_full_month("therapist09")
    assert (month.counted_minutes, month.meets_standard) == (45, False)


def test_demo_part_time_therapist_has_a_pro_rata_standard(demo):
    assert last_full_month("therapist05").standard_minutes == 54


def test_demo_output_counts_the_supervision_entries(demo):
    assert f"Created {SupervisionSession.objects.count()} demo supervision log entries." in demo


def test_running_the_demo_setup_twice_adds_no_supervision_entries(demo):
    before = counts()
    output = setup_demo()
    assert counts() == before
    assert "supervision log entries" not in output
