"""`manage.py apply_retention`: leavers are anonymised once their roles ended (or their account
became inactive) more than LEAVER_RETENTION_DAYS ago; everyone else is left alone."""

from __future__ import annotations

import datetime
import io

import pytest
from django.core.management import call_command
from django.utils import timezone

from accounts.models import AuditEvent, User
from tests import factories

pytestmark = pytest.mark.django_db

LONG_AGO = timezone.localdate() - datetime.timedelta(days=800)
RECENTLY = timezone.localdate() - datetime.timedelta(days=30)


@pytest.fixture(autouse=True)
def two_years(settings):
    settings.LEAVER_RETENTION_DAYS = 730


def leaver(team, *, ended_on: datetime.date, **fields) -> User:
    person = factories.UserFactory(
        date_joined=timezone.now() - datetime.timedelta(days=1500), **fields
    )
    factories.MembershipFactory(
        user=person,
        team=team,
        service=team.service,
        starts_on=ended_on - datetime.timedelta(days=300),
        ends_on=ended_on,
    )
    return person


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("apply_retention", *args, stdout=out)
    return out.getvalue()


def is_anonymised(person: User) -> bool:
    person.refresh_from_db()
    return person.username.startswith("former-")


def test_person_whose_roles_ended_long_ago_is_anonymised(team):
    person = leaver(team, ended_on=LONG_AGO)
    output = run()
    assert is_anonymised(person)
    assert f"Anonymised person {person.pk} as {person.username}." in output


def test_anonymising_by_retention_is_recorded_without_an_actor(team):
    person = leaver(team, ended_on=LONG_AGO)
    run()
    event = AuditEvent.objects.get(subject=person)
    assert (event.actor, event.action) == (None, AuditEvent.Action.ANONYMISED)


def test_person_who_left_recently_is_kept(team):
    person = leaver(team, ended_on=RECENTLY)
    run()
    assert not is_anonymised(person)


def test_current_therapist_is_kept(therapist):
    therapist.date_joined = timezone.now() - datetime.timedelta(days=1500)
    therapist.save()
    run()
    assert not is_anonymised(therapist)


def test_leaver_back_in_a_new_role_is_kept(team):
    person = leaver(team, ended_on=LONG_AGO)
    factories.MembershipFactory(user=person, team=team, service=team.service)
    run()
    assert not is_anonymised(person)


def test_leaver_who_signed_in_recently_is_kept(team):
    person = leaver(team, ended_on=LONG_AGO, last_login=timezone.now())
    run()
    assert not is_anonymised(person)


def test_inactive_account_without_roles_is_anonymised_after_the_period(db):
    person = factories.UserFactory(
        is_active=False, date_joined=timezone.now() - datetime.timedelta(days=1500)
    )
    run()
    assert is_anonymised(person)


def test_active_administrator_without_roles_is_kept(admin_user):
    admin_user.date_joined = timezone.now() - datetime.timedelta(days=1500)
    admin_user.save()
    run()
    assert not is_anonymised(admin_user)


def test_dry_run_lists_leavers_and_changes_nothing(team):
    person = leaver(team, ended_on=LONG_AGO)
    output = run("--dry-run")
    assert f"Would anonymise person {person.pk}" in output
    assert not is_anonymised(person)


def test_second_run_finds_nobody(team):
    leaver(team, ended_on=LONG_AGO)
    run()
    assert run().strip() == "0 people anonymised."
    assert AuditEvent.objects.count() == 1


def test_output_never_names_the_leaver(team):
    leaver(team, ended_on=LONG_AGO, first_name="Josephine", last_name="Bloggs")
    output = run()
    assert "Josephine" not in output and "Bloggs" not in output
