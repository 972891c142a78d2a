"""Framework files from barriers-only COM-B analyses: items without a target form, barriers
without TDF domains, empty sections; publishing waits for every rated item's target."""

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from assessments import questionnaire, services
from assessments.framework_io import (
    FrameworkFileError,
    dump_csv,
    dump_yaml,
    export_data,
    import_framework,
    parse_csv,
    parse_yaml,
)
from assessments.models import FrameworkVersion
from tests.conftest import framework_row_counts

BARRIERS_ONLY = """\
format: 1
framework:
  slug: barriers-only
  name: Barriers only
version:
  notes: A published analysis with barriers and no target forms
sections:
  - key: capability
    kind: barriers
    title: Capability
    component: C
    items:
      - key: C1
        problem: Lack of knowledge
        primary: C-Ps
        tdf: [skills, knowledge]
      - key: C2
        problem: Lack of skill
        target: Have the skills
        primary: C-Ph
        functions: [training, education]
      - key: C3
        problem: Forgetting to plan
        primary: C-Ps
        tdf: [memory-attention-decision, knowledge]
        functions: [modelling]
  - key: opportunity
    kind: barriers
    title: Opportunity
    component: O
    items: []
  - key: outcomes
    kind: outcomes
    title: Clinical outcomes
    items:
      - key: OC1
        problem: Clients drop out
"""


def imported(text=BARRIERS_ONLY):
    return import_framework(parse_yaml(text))


def functions_of(version, key):
    return list(version.items.get(key=key).intervention_functions.values_list("slug", flat=True))


def test_item_without_a_target_form_is_imported_into_a_draft(db):
    version = imported()

    assert version.status == FrameworkVersion.Status.DRAFT
    assert version.items.get(key="C1").target_text == ""


def test_barrier_without_tdf_domains_is_imported(db):
    version = imported()

    item = version.items.get(key="C2")
    assert not item.tdf_domains.exists()
    assert functions_of(version, "C2") == ["education", "training"]


def test_section_with_an_empty_item_list_is_imported(db):
    version = imported()

    section = version.sections.get(key="opportunity")
    assert not section.items.exists()


def test_empty_section_is_not_a_questionnaire_page(db):
    version = imported()
    version.items.update(target_text="Written")
    services.publish(version)

    keys = [section.key for section in questionnaire.rated_sections(version)]

    assert "opportunity" not in keys


def test_functions_are_derived_from_tdf_domains_when_none_are_given(db):
    version = imported()

    # knowledge -> education; skills -> training: the union, in taxonomy order.
    assert functions_of(version, "C1") == ["education", "training"]


def test_functions_given_with_tdf_domains_are_kept_as_they_are(db):
    version = imported()

    assert functions_of(version, "C3") == ["modelling"]


def test_publishing_is_refused_listing_every_rated_item_without_a_target(db):
    version = imported()

    assert services.publication_problems(version) == ["Rated items without a target form: C1, C3."]
    with pytest.raises(ValidationError, match="C1, C3"):
        services.publish(version)
    assert not version.is_published


def test_publishing_is_allowed_once_the_targets_are_written(db):
    version = imported()
    version.items.filter(key__in=["C1", "C3"]).update(target_text="Have it")

    published = services.publish(version)

    assert published.is_published


def test_import_with_publish_refuses_a_file_lacking_targets_and_writes_nothing(db):
    services.ensure_taxonomy()
    before = framework_row_counts()

    with pytest.raises(FrameworkFileError) as excinfo:
        import_framework(parse_yaml(BARRIERS_ONLY), publish=True)

    # Only rated items count: the outcome OC1 has no target either, and is not listed.
    assert [error.split(": ", 1)[1].split(";")[0] for error in excinfo.value.errors] == [
        "item C1 has no target form",
        "item C3 has no target form",
    ]
    assert excinfo.value.errors[0].startswith("line 13: ")
    assert framework_row_counts() == before


def test_import_command_with_publish_refuses_a_file_lacking_targets(db, tmp_path):
    services.ensure_taxonomy()
    path = tmp_path / "barriers.yaml"
    path.write_text(BARRIERS_ONLY, encoding="utf-8")
    before = framework_row_counts()

    with pytest.raises(CommandError) as excinfo:
        call_command("import_framework", str(path), "--publish")

    assert "item C1 has no target form" in str(excinfo.value)
    assert "item C3 has no target form" in str(excinfo.value)
    assert framework_row_counts() == before


def test_csv_item_with_an_empty_target_cell_is_imported_into_a_draft(db):
    text = (
        "section_key,section_kind,section_title,section_component,key,problem,target,primary,tdf\n"
        "capability,barriers,Capability,C,C1,Lack of knowledge,,C-Ps,knowledge\n"
    )

    version = import_framework(parse_csv(text, slug="barriers-csv", name="Barriers"))

    item = version.items.get()
    assert item.target_text == ""
    assert functions_of(version, "C1") == ["education"]


def test_export_writes_tdf_and_functions_in_taxonomy_order(db):
    version = imported()

    items = {
        item["key"]: item
        for section in export_data(version)["sections"]
        for item in section["items"]
    }

    assert items["C1"]["tdf"] == ["knowledge", "skills"]
    assert items["C2"]["functions"] == ["education", "training"]
    assert items["C3"]["tdf"] == ["knowledge", "memory-attention-decision"]


def test_yaml_export_round_trips_missing_targets_and_empty_sections(db):
    first = export_data(imported())
    first["framework"]["slug"] = "barriers-copy"

    again = export_data(import_framework(parse_yaml(dump_yaml(first))))

    assert again["sections"] == first["sections"]
    assert dump_yaml(again) == dump_yaml(first)


def test_csv_export_round_trips_missing_targets(db):
    first = export_data(imported())

    again = export_data(import_framework(parse_csv(dump_csv(first), slug="barriers-copy")))

    assert dump_csv(again) == dump_csv(first)


def test_admin_item_changelist_filters_items_without_a_target(client, admin_user):
    imported()
    client.force_login(admin_user)

    response = client.get(
        reverse("admin:assessments_frameworkitem_changelist"), {"target": "missing"}
    )

    assert response.status_code == 200
    shown = {item.key for item in response.context["cl"].result_list}
    assert shown == {"C1", "C3", "OC1"}
