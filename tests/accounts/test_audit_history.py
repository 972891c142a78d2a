"""The audit history in the admin: every change an administrator makes leaves a history row
naming them, history pages are readable, and nothing can revert or edit history."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.urls import reverse

from accounts.models import AuditEvent, Membership, Service, SupervisionRelationship, Team
from assessments import services
from assessments.models import FrameworkItem, FrameworkVersion
from tests import factories


@pytest.fixture
def admin_client(client, admin_user):
    client.force_login(admin_user)
    return client


def admin_url(model, view: str, *args) -> str:
    meta = model._meta
    return reverse(f"admin:{meta.app_label}_{meta.model_name}_{view}", args=args)


def test_creating_a_team_in_the_admin_records_who_created_it(admin_client, admin_user, service):
    response = admin_client.post(admin_url(Team, "add"), {"service": service.pk, "name": "North"})

    assert response.status_code == 302
    (row,) = Team.history.filter(name="North")
    assert (row.history_type, row.history_user) == ("+", admin_user)


def test_changing_a_service_in_the_admin_records_the_change(admin_client, admin_user, db):
    service = factories.ServiceFactory(name="Old name")
    data = {
        "name": "New name",
        "slug": service.slug,
        "reassessment_interval_months": 3,
        "framework": "",
        "teams-TOTAL_FORMS": 0,
        "teams-INITIAL_FORMS": 0,
    }

    response = admin_client.post(admin_url(Service, "change", service.pk), data)

    assert response.status_code == 302
    latest = service.history.latest()
    assert (latest.history_type, latest.name, latest.history_user) == ("~", "New name", admin_user)
    assert latest.prev_record.name == "Old name"


def test_deleting_a_membership_in_the_admin_records_the_deletion(
    admin_client, admin_user, therapist
):
    membership = Membership.objects.get(user=therapist)

    response = admin_client.post(admin_url(Membership, "delete", membership.pk), {"post": "yes"})

    assert response.status_code == 302
    deleted = Membership.history.get(id=membership.pk, history_type="-")
    assert deleted.history_user == admin_user


def test_starting_a_supervision_in_the_admin_records_it(admin_client, admin_user, therapist, team):
    person = factories.supervisor(team=team)
    data = {"supervisor": person.pk, "supervisee": therapist.pk, "starts_on": "2026-01-05"}

    response = admin_client.post(admin_url(SupervisionRelationship, "add"), data)

    assert response.status_code == 302
    (row,) = SupervisionRelationship.history.filter(supervisor=person)
    assert (row.history_type, row.history_user) == ("+", admin_user)


def test_publishing_in_the_admin_records_the_administrator(
    admin_client, admin_user, published_version
):
    draft = services.create_draft(published_version.framework)

    admin_client.post(
        admin_url(FrameworkVersion, "changelist"),
        {"action": "publish_drafts", "_selected_action": [draft.pk]},
    )

    latest = draft.history.latest()
    assert latest.status == FrameworkVersion.Status.PUBLISHED
    assert (latest.history_user, latest.history_change_reason) == (admin_user, "published")


def test_opening_a_new_draft_in_the_admin_records_the_draft_and_its_items(
    admin_client, admin_user, published_version
):
    framework = published_version.framework

    admin_client.post(
        admin_url(type(framework), "changelist"),
        {"action": "open_draft", "_selected_action": [framework.pk]},
    )

    draft = framework.versions.get(status=FrameworkVersion.Status.DRAFT)
    created = draft.history.get()
    assert (created.history_type, created.history_user) == ("+", admin_user)
    item_rows = FrameworkItem.history.filter(version_id=draft.pk, history_type="+")
    assert item_rows.count() == draft.items.count()
    assert set(item_rows.values_list("history_user", flat=True)) == {admin_user.pk}


def test_history_page_lists_changes_without_inline_styles(admin_client, service):
    service.name = "Renamed"
    service.save()

    response = admin_client.get(admin_url(Service, "history", service.pk))

    html = response.content.decode()
    assert response.status_code == 200
    assert "Renamed" in html
    assert ' style="' not in html


def test_a_past_version_opens_read_only_without_a_revert_button(admin_client, service):
    first = service.history.earliest()

    response = admin_client.get(admin_url(Service, "simple_history", service.pk, first.pk))

    html = response.content.decode()
    assert response.status_code == 200
    assert 'name="_save"' not in html
    assert response.context["adminform"].form.fields["name"].disabled
    assert ' style="' not in html


def test_reverting_to_a_past_version_is_refused_and_changes_nothing(admin_client, db):
    service = factories.ServiceFactory(name="First name")
    first = service.history.earliest()
    service.name = "Second name"
    service.save()
    rows_before = service.history.count()

    response = admin_client.post(
        admin_url(Service, "simple_history", service.pk, first.pk),
        {"name": "First name", "slug": service.slug, "reassessment_interval_months": 3},
    )

    assert response.status_code == 405
    service.refresh_from_db()
    assert service.name == "Second name"
    assert service.history.count() == rows_before


def test_no_history_table_can_be_edited_in_the_admin():
    registered = {model._meta.model_name for model in admin.site._registry}

    assert not {name for name in registered if name.startswith("historical")}


def test_access_records_are_listed_for_administrators(admin_client, therapist, supervisor):
    AuditEvent.objects.create(
        actor=supervisor, subject=therapist, action=AuditEvent.Action.OPENED_PROFILE
    )

    response = admin_client.get(admin_url(AuditEvent, "changelist"))

    assert response.status_code == 200
    assert "Opened profile" in response.content.decode()


def test_access_records_cannot_be_added_in_the_admin(admin_client):
    response = admin_client.post(admin_url(AuditEvent, "add"), {"action": "opened_profile"})

    assert response.status_code == 403
    assert not AuditEvent.objects.exists()


def test_access_records_cannot_be_changed_in_the_admin(admin_client, therapist, supervisor):
    event = AuditEvent.objects.create(
        actor=supervisor, subject=therapist, action=AuditEvent.Action.OPENED_PROFILE
    )

    admin_client.post(admin_url(AuditEvent, "change", event.pk), {"action": "anonymised"})

    event.refresh_from_db()
    assert event.action == AuditEvent.Action.OPENED_PROFILE


def test_access_records_cannot_be_deleted_in_the_admin(admin_client, therapist, supervisor):
    event = AuditEvent.objects.create(
        actor=supervisor, subject=therapist, action=AuditEvent.Action.OPENED_PROFILE
    )

    response = admin_client.post(admin_url(AuditEvent, "delete", event.pk), {"post": "yes"})

    assert response.status_code == 403
    assert AuditEvent.objects.filter(pk=event.pk).exists()


def test_access_records_offer_no_bulk_delete(admin_client):
    response = admin_client.get(admin_url(AuditEvent, "changelist"))

    assert "delete_selected" not in response.content.decode()


def test_a_versions_history_page_names_who_published_it(
    admin_client, admin_user, published_version
):
    draft = services.create_draft(published_version.framework)
    services.publish(draft, user=admin_user)

    response = admin_client.get(admin_url(FrameworkVersion, "history", draft.pk))

    html = response.content.decode()
    assert response.status_code == 200
    assert "published" in html
    assert str(admin_user) in html
    assert ' style="' not in html


def test_a_past_version_of_a_framework_item_opens_read_only(admin_client, published_version):
    draft = services.create_draft(published_version.framework)
    item = draft.items.first()
    item.target_text = "A clearer target"
    item.save()
    first = item.history.earliest()

    response = admin_client.get(admin_url(FrameworkItem, "simple_history", item.pk, first.pk))

    assert response.status_code == 200
    assert response.context["adminform"].form.fields["target_text"].disabled
