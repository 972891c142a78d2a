"""Anonymising a leaver (accounts.personal_data.anonymise and the admin's action): names, email
and free text give way to a pseudonym, ratings and dates stay, it is recorded, and the registry
covers every model that points at a person."""

from __future__ import annotations

import pytest
from allauth.account.models import EmailAddress
from django.apps import apps
from django.conf import settings
from django.contrib import admin
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.contrib.messages import get_messages
from django.contrib.messages.storage.fallback import FallbackStorage
from django.contrib.sessions.middleware import SessionMiddleware
from django.test import RequestFactory
from django.urls import reverse

from accounts import personal_data
from accounts.admin_actions import anonymise_selected
from accounts.audit import record_event
from accounts.models import AuditEvent, Membership, User
from tests import factories

pytestmark = pytest.mark.django_db


def anonymised(person: User, by: User | None = None) -> User:
    personal_data.anonymise(person, by=by)
    return person


# The registry


def test_every_model_pointing_at_a_person_is_in_the_registry():
    """Every foreign key to the user model is a lookup of its model's entry. Nothing is left
    out: even the libraries' models (admin log, allauth addresses and devices) are registered;
    sessions and axes' logs name people without a foreign key (axes' by user name, registered)."""
    user_model = settings.AUTH_USER_MODEL
    registered = {entry.model: entry.lookup_names for entry in personal_data.entries()}
    missing = []
    for model in apps.get_models():
        for field in model._meta.get_fields():
            if not (field.many_to_one or field.one_to_one) or not field.concrete:
                continue
            if field.related_model._meta.label != user_model:
                continue
            if field.name not in registered.get(model, set()):
                missing.append(f"{model._meta.label}.{field.name}")
    assert missing == []


def test_historical_models_join_the_registry_by_themselves():
    historical = personal_data.entry_for(Membership.history.model)
    assert historical is not None
    assert {"user", "history_user"} <= historical.lookup_names


# The service


def test_leaver_reads_as_former_member_with_a_pseudonym(therapist):
    person = anonymised(therapist)
    token = person.username.removeprefix("former-")
    assert person.username == f"former-{token}" and len(token) == 6
    assert str(person) == f"Former member {token}"
    assert person.email == ""


def test_leaver_can_no_longer_sign_in(therapist):
    person = anonymised(therapist)
    assert not person.is_active
    assert not person.has_usable_password()


def test_leavers_comments_are_removed_and_ratings_kept(therapist, published_version):
    assessment = factories.filled_assessment(therapist, published_version, default=4)
    assessment.ratings.update(comment="Spoke with client Jo Bloggs")
    anonymised(therapist)
    assert set(assessment.ratings.values_list("value", "comment")) == {(4, "[removed]")}


def test_empty_comments_stay_empty(therapist, published_version):
    assessment = factories.filled_assessment(therapist, published_version)
    anonymised(therapist)
    assert set(assessment.ratings.values_list("comment", flat=True)) == {""}


def test_memberships_and_supervision_are_kept_with_their_dates(therapist, supervisor):
    before = list(Membership.objects.filter(user=therapist).values_list("starts_on", "ends_on"))
    anonymised(supervisor)
    anonymised(therapist)
    assert list(therapist.memberships.values_list("starts_on", "ends_on")) == before
    assert therapist.supervisions_received.get().supervisor == supervisor


def test_change_reasons_in_history_rows_are_removed(therapist):
    membership = therapist.memberships.get()
    membership._change_reason = "Moved Jo Bloggs to the evening team"
    membership.save()
    anonymised(therapist)
    reasons = set(membership.history.values_list("history_change_reason", flat=True))
    assert "Moved Jo Bloggs to the evening team" not in reasons
    assert "[removed]" in reasons


def test_history_rows_keep_who_made_the_change(therapist, admin_user):
    membership = therapist.memberships.get()
    membership._history_user = admin_user
    membership.save()
    anonymised(admin_user)
    assert membership.history.filter(history_user=admin_user).exists()


def test_access_records_about_the_leaver_lose_their_detail(therapist, supervisor):
    record_event(supervisor, therapist, AuditEvent.Action.OPENED_ANSWERS, "assessment 12")
    anonymised(therapist)
    opened = AuditEvent.objects.get(action=AuditEvent.Action.OPENED_ANSWERS)
    assert (opened.actor, opened.subject, opened.detail) == (supervisor, therapist, "[removed]")


def test_admin_log_lines_about_the_leaver_show_the_pseudonym(therapist, admin_user):
    LogEntry.objects.create(
        user=admin_user,
        content_type=ContentType.objects.get_for_model(User),
        object_id=str(therapist.pk),
        object_repr=str(therapist),
        action_flag=CHANGE,
    )
    person = anonymised(therapist)
    assert LogEntry.objects.get().object_repr == str(person)


def test_email_addresses_are_deleted(therapist):
    EmailAddress.objects.create(user=therapist, email=therapist.email, verified=True, primary=True)
    anonymised(therapist)
    assert not EmailAddress.objects.filter(user=therapist).exists()


def test_anonymising_is_recorded(therapist, admin_user):
    anonymised(therapist, by=admin_user)
    event = AuditEvent.objects.get(action=AuditEvent.Action.ANONYMISED)
    assert (event.actor, event.subject) == (admin_user, therapist)


def test_anonymising_twice_changes_nothing_more(therapist):
    person = anonymised(therapist)
    username = person.username
    assert personal_data.anonymise(person, by=None) is False
    person.refresh_from_db()
    assert person.username == username
    assert AuditEvent.objects.filter(action=AuditEvent.Action.ANONYMISED).count() == 1


def test_administrator_cannot_anonymise_themselves(admin_user):
    with pytest.raises(personal_data.CannotAnonymiseSelf):
        personal_data.anonymise(admin_user, by=admin_user)
    admin_user.refresh_from_db()
    assert admin_user.is_active


def test_leaver_can_be_anonymised_where_deleting_is_refused(therapist, supervisor):
    """Access records protect the people they name from deletion: anonymising is the way."""
    record_event(supervisor, therapist, AuditEvent.Action.OPENED_PROFILE)
    assert personal_data.anonymise(therapist, by=None) is True


# The admin action


def action_request(admin_user: User, data: dict):
    request = RequestFactory().post("/admin/accounts/user/", data)
    SessionMiddleware(lambda r: None).process_request(request)
    request.user = admin_user
    request._messages = FallbackStorage(request)
    return request


def run_action(admin_user: User, people: list[User], *, confirmed: bool):
    data = {ACTION_CHECKBOX_NAME: [p.pk for p in people], "action": "anonymise_selected"}
    if confirmed:
        data["post"] = "yes"
    request = action_request(admin_user, data)
    queryset = User.objects.filter(pk__in=[p.pk for p in people])
    return request, anonymise_selected(admin.site._registry[User], request, queryset)


def test_action_first_asks_for_confirmation_and_changes_nothing(admin_user, therapist):
    _request, response = run_action(admin_user, [therapist], confirmed=False)
    response.render()
    assert b"Yes, anonymise them" in response.content
    assert therapist.username.encode() in response.content
    therapist.refresh_from_db()
    assert therapist.is_active


def test_confirmation_page_has_no_inline_styles_or_scripts(admin_user, therapist):
    _request, response = run_action(admin_user, [therapist], confirmed=False)
    content = response.render().content.decode()
    assert "style=" not in content and "<script>" not in content


def test_confirmed_action_anonymises_the_selected_leavers(admin_user, therapist, team):
    colleague = factories.therapist(team=team)
    request, _response = run_action(admin_user, [therapist, colleague], confirmed=True)
    assert User.objects.filter(username__startswith="former-").count() == 2
    assert [str(m) for m in get_messages(request)] == ["Anonymised 2 people."]


def test_action_leaves_the_administrator_out(admin_user, therapist):
    request, _response = run_action(admin_user, [admin_user, therapist], confirmed=True)
    admin_user.refresh_from_db()
    assert admin_user.is_active
    messages = [str(message) for message in get_messages(request)]
    assert messages[0] == "You cannot anonymise your own account: it was left out."


def test_administrator_anonymises_a_leaver_through_the_user_list(
    sign_in, admin_user, therapist, monkeypatch
):
    """Through the admin's changelist, with the action wired as accounts/admin.py wires it."""
    monkeypatch.setattr(admin.site._registry[User], "actions", [anonymise_selected])
    client = sign_in(admin_user)
    changelist = reverse("admin:accounts_user_changelist")
    chosen = {ACTION_CHECKBOX_NAME: [therapist.pk], "action": "anonymise_selected"}
    confirmation = client.post(changelist, chosen)
    assert b"Yes, anonymise them" in confirmation.content
    done = client.post(changelist, {**chosen, "post": "yes"})
    assert done.status_code == 302
    therapist.refresh_from_db()
    assert therapist.username.startswith("former-")


def test_the_admin_offers_anonymising_a_leaver_and_never_deleting_them(
    client, admin_user, therapist
):
    client.force_login(admin_user)
    changelist = client.get(reverse("admin:accounts_user_changelist"))
    assert b"Anonymise selected leavers" in changelist.content
    assert b"delete_selected" not in changelist.content
    response = client.post(
        reverse("admin:accounts_user_delete", args=[therapist.pk]), {"post": "yes"}
    )
    assert response.status_code == 403
    assert type(therapist).objects.filter(pk=therapist.pk).exists()
