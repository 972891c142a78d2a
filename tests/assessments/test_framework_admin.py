"""Admin pages: frameworks can be browsed; only drafts can be edited."""

import json

import pytest
from django.db import connection
from django.forms.models import model_to_dict
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from assessments import services
from assessments.models import FrameworkItem, FrameworkVersion
from tests import factories

ITEM_CHANGELIST_MAX_QUERIES = 12


@pytest.fixture
def admin_client(client, admin_user):
    client.force_login(admin_user)
    return client


@pytest.fixture
def draft(published_version):
    return services.create_draft(published_version.framework)


def change_url(obj):
    return reverse(f"admin:assessments_{obj._meta.model_name}_change", args=[obj.pk])


def item_form_data(item, **changes):
    """POST data for the item's admin change form, from the item's current values."""
    values = model_to_dict(item)
    values.update(changes)
    data = {}
    for name, value in values.items():
        if name in {"id", "is_sensitive"}:
            continue
        if name in {"tdf_domains", "intervention_functions"}:
            data[name] = [related.pk for related in value]
        elif name == "source":
            data[name] = json.dumps(value)
        else:
            data[name] = "" if value is None else value
    if values["is_sensitive"]:
        data["is_sensitive"] = "on"
    return data


def item_changelist_queries(admin_client):
    with CaptureQueriesContext(connection) as context:
        response = admin_client.get(reverse("admin:assessments_frameworkitem_changelist"))
    assert response.status_code == 200
    return len(context.captured_queries)


# Browsing


def test_version_list_opens(admin_client, published_version):
    response = admin_client.get(reverse("admin:assessments_frameworkversion_changelist"))

    assert response.status_code == 200
    assert str(published_version) in response.content.decode()


def test_published_version_page_opens_without_a_save_button(admin_client, published_version):
    response = admin_client.get(change_url(published_version))

    assert response.status_code == 200
    assert 'name="_save"' not in response.content.decode()


def test_draft_version_page_offers_a_save_button(admin_client, draft):
    response = admin_client.get(change_url(draft))

    assert response.status_code == 200
    assert 'name="_save"' in response.content.decode()


def test_published_item_page_is_view_only(admin_client, published_version):
    item = published_version.items.get(key="C1")

    response = admin_client.get(change_url(item))

    assert response.status_code == 200
    assert 'name="_save"' not in response.content.decode()
    assert item.target_text in response.content.decode()


def test_published_item_cannot_be_changed_through_the_admin(admin_client, published_version):
    item = published_version.items.get(key="C1")
    original = item.target_text

    response = admin_client.post(
        change_url(item), item_form_data(item, target_text="Changed through the admin")
    )

    assert response.status_code == 403
    assert FrameworkItem.objects.get(pk=item.pk).target_text == original


def test_published_item_cannot_be_deleted_through_the_admin(admin_client, published_version):
    item = published_version.items.get(key="C1")
    url = reverse("admin:assessments_frameworkitem_delete", args=[item.pk])

    response = admin_client.post(url, {"post": "yes"})

    assert response.status_code == 403
    assert FrameworkItem.objects.filter(pk=item.pk).exists()


# Editing a draft


def test_draft_item_can_be_edited_through_the_admin(admin_client, draft):
    item = draft.items.get(key="C1")
    new_text = "Have a working knowledge of personality difficulties and disorder"

    response = admin_client.post(change_url(item), item_form_data(item, target_text=new_text))

    assert response.status_code == 302
    assert FrameworkItem.objects.get(pk=item.pk).target_text == new_text


def test_draft_item_edit_keeps_its_coding(admin_client, draft):
    item = draft.items.get(key="C5")
    tdf_before = set(item.tdf_domains.values_list("pk", flat=True))
    functions_before = set(item.intervention_functions.values_list("pk", flat=True))

    admin_client.post(change_url(item), item_form_data(item, problem_text="Edited problem"))

    item.refresh_from_db()
    assert item.problem_text == "Edited problem"
    assert set(item.tdf_domains.values_list("pk", flat=True)) == tdf_before
    assert set(item.intervention_functions.values_list("pk", flat=True)) == functions_before


def test_draft_item_edit_leaves_the_published_item_alone(admin_client, published_version, draft):
    item = draft.items.get(key="C1")
    original = published_version.items.get(key="C1").target_text

    admin_client.post(change_url(item), item_form_data(item, target_text="Draft wording"))

    assert published_version.items.get(key="C1").target_text == original


def test_barrier_cannot_be_saved_without_a_primary_subcomponent(admin_client, draft):
    item = draft.items.get(key="C1")

    response = admin_client.post(change_url(item), item_form_data(item, primary_subcomponent=None))

    assert response.status_code == 200
    assert FrameworkItem.objects.get(pk=item.pk).primary_subcomponent_id is not None


# Actions


def test_open_draft_action_creates_version_2(admin_client, published_version):
    framework = published_version.framework

    response = admin_client.post(
        reverse("admin:assessments_framework_changelist"),
        {"action": "open_draft", "_selected_action": [framework.pk]},
    )

    assert response.status_code == 302
    draft = framework.versions.get(status=FrameworkVersion.Status.DRAFT)
    assert draft.number == 2
    assert draft.items.count() == published_version.items.count()


def test_publish_action_publishes_the_draft(admin_client, published_version, draft):
    response = admin_client.post(
        reverse("admin:assessments_frameworkversion_changelist"),
        {"action": "publish_drafts", "_selected_action": [draft.pk]},
    )

    assert response.status_code == 302
    assert published_version.framework.current_version().pk == draft.pk


def test_publish_action_reports_an_uncoded_barrier(admin_client, draft):
    draft.items.filter(key="C5").update(primary_subcomponent=None)

    response = admin_client.post(
        reverse("admin:assessments_frameworkversion_changelist"),
        {"action": "publish_drafts", "_selected_action": [draft.pk]},
        follow=True,
    )

    assert "C5" in response.content.decode()
    assert FrameworkVersion.objects.get(pk=draft.pk).status == FrameworkVersion.Status.DRAFT


# Access


def test_non_staff_user_is_sent_to_the_admin_login(client, published_version):
    client.force_login(factories.therapist())
    url = reverse("admin:assessments_frameworkversion_changelist")

    response = client.get(url)

    assert response.status_code == 302
    assert response.url.startswith(reverse("admin:login"))


# Query counts


def test_item_changelist_query_count_is_bounded(
    admin_client, published_version, django_assert_max_num_queries
):
    with django_assert_max_num_queries(ITEM_CHANGELIST_MAX_QUERIES):
        response = admin_client.get(reverse("admin:assessments_frameworkitem_changelist"))

    assert response.status_code == 200


def test_item_changelist_query_count_is_bounded_with_a_second_version(
    admin_client, draft, django_assert_max_num_queries
):
    with django_assert_max_num_queries(ITEM_CHANGELIST_MAX_QUERIES):
        response = admin_client.get(reverse("admin:assessments_frameworkitem_changelist"))

    assert response.status_code == 200


def test_item_changelist_query_count_does_not_grow_with_versions(admin_client, draft):
    with_two_versions = item_changelist_queries(admin_client)
    services.publish(draft)
    services.create_draft(draft.framework)

    assert item_changelist_queries(admin_client) == with_two_versions


def test_version_page_links_to_its_items(client, admin_user, published_version):
    count = published_version.items.count()
    client.force_login(admin_user)
    html = client.get(
        f"/admin/assessments/frameworkversion/{published_version.pk}/change/"
    ).content.decode()
    assert f'/admin/assessments/frameworkitem/?version={published_version.pk}"' in html
    assert f"View the {count} items of this version" in html
    listed = client.get(f"/admin/assessments/frameworkitem/?version={published_version.pk}")
    assert f"{count} framework items" in listed.content.decode()
