"""In-session items: the statements a quick session reflection offers. The framework file marks
them (`in_session: true`, default false, refused at its line when not true or false), exports
keep the marks in YAML and CSV, the shipped framework marks six, a data migration marks them in
databases that loaded it before, and the framework page and admin show the mark."""

from __future__ import annotations

import csv
import importlib
import io

import pytest
from django.apps import apps
from django.urls import reverse

from assessments import services
from assessments.framework_io import (
    FrameworkFileError,
    dump_csv,
    dump_yaml,
    export_data,
    import_framework,
    parse_csv,
    parse_yaml,
)
from assessments.models import FrameworkItem, FrameworkVersion, SectionKind
from tests import factories
from tests.conftest import framework_row_counts

SHIPPED_IN_SESSION = {"ST2", "ST4", "ST6", "ST7", "ST8", "S14"}


def in_session_keys(version: FrameworkVersion) -> set[str]:
    return set(version.items.filter(in_session=True).values_list("key", flat=True))


def refuse(data_or_text, importer):
    before = framework_row_counts()
    with pytest.raises(FrameworkFileError) as excinfo:
        importer(data_or_text)
    assert framework_row_counts() == before
    return excinfo.value.errors


def line_number_of(text: str, content: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), 1) if line.strip() == content)


def as_copy(data: dict) -> dict:
    """An export given another slug, to import as a framework of its own."""
    return {**data, "framework": {**data["framework"], "slug": "copy"}}


# The shipped framework


def test_shipped_framework_marks_its_in_session_behaviours(published_version):
    assert in_session_keys(published_version) == SHIPPED_IN_SESSION


def test_shipped_in_session_items_are_behaviours_and_none_is_private(published_version):
    items = published_version.items.filter(in_session=True).select_related("section")

    assert {item.section.kind for item in items} == {SectionKind.BEHAVIOURS}
    assert not any(item.is_sensitive for item in items)


# Reading the file


def test_an_item_without_the_mark_is_not_in_session(db, framework_yaml):
    text = framework_yaml.replace("        in_session: true\n", "")

    version = import_framework(parse_yaml(text))

    assert in_session_keys(version) == set()


def test_in_session_that_is_not_true_or_false_is_refused_at_its_line(db, framework_yaml):
    text = framework_yaml.replace("  in_session: true\n", "  in_session: maybe\n", 1)

    errors = refuse(text, lambda t: import_framework(parse_yaml(t)))

    line = line_number_of(text, "in_session: maybe")
    assert errors == [f"line {line}: 'in_session' must be true or false"]


def test_in_session_false_is_accepted(db, framework_yaml):
    text = framework_yaml.replace("  in_session: true\n", "  in_session: false\n")

    assert in_session_keys(import_framework(parse_yaml(text))) == set()


def test_csv_in_session_cell_that_is_not_true_or_false_is_refused_at_its_line(
    published_version,
):
    rows = list(csv.reader(io.StringIO(dump_csv(export_data(published_version)))))
    rows[3][rows[0].index("in_session")] = "often"
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)

    errors = refuse(out.getvalue(), lambda t: import_framework(parse_csv(t, slug="copy")))

    assert errors == ["line 4: 'in_session' must be true or false"]


def test_involvement_level_row_cannot_hold_an_in_session_cell(published_version):
    rows = list(csv.reader(io.StringIO(dump_csv(export_data(published_version)))))
    level_row = next(row for row in rows[1:] if row[rows[0].index("level")])
    level_row[rows[0].index("in_session")] = "true"
    number = rows.index(level_row) + 1
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)

    errors = refuse(out.getvalue(), lambda t: import_framework(parse_csv(t, slug="copy")))

    assert errors == [f"line {number}: an involvement-level row cannot also hold in_session"]


# Exports both ways


def test_yaml_export_marks_only_the_in_session_items(published_version):
    data = export_data(published_version)

    marked = {
        item["key"]
        for section in data["sections"]
        for item in section["items"]
        if item.get("in_session") is True
    }
    unmarked = [
        item for section in data["sections"] for item in section["items"] if "in_session" in item
    ]
    assert marked == SHIPPED_IN_SESSION
    assert len(unmarked) == len(SHIPPED_IN_SESSION)


def test_yaml_export_writes_the_mark_after_sensitive(published_version):
    text = dump_yaml(export_data(published_version))

    assert "    sensitive: false\n    in_session: true\n" in text


def test_yaml_round_trip_keeps_the_marks(published_version):
    text = dump_yaml(as_copy(export_data(published_version)))

    assert in_session_keys(import_framework(parse_yaml(text))) == SHIPPED_IN_SESSION


def test_csv_export_has_an_in_session_column(published_version):
    rows = list(csv.DictReader(io.StringIO(dump_csv(export_data(published_version)))))

    marked = {row["key"] for row in rows if row["in_session"] == "true"}
    assert marked == SHIPPED_IN_SESSION
    assert {row["in_session"] for row in rows if row["key"]} == {"true", "false"}


def test_csv_round_trip_keeps_the_marks(published_version):
    text = dump_csv(export_data(published_version))

    version = import_framework(parse_csv(text, slug="copy"))

    assert in_session_keys(version) == SHIPPED_IN_SESSION


def test_imported_marks_are_in_the_items_history(db, framework_yaml):
    version = import_framework(parse_yaml(framework_yaml))

    agenda = version.items.get(key="ST2")
    assert agenda.history.latest().in_session is True


# Databases loaded before the mark existed


def run_data_migration():
    migration = importlib.import_module("assessments.migrations.0008_mark_in_session_items")
    migration.mark(apps, None)


def test_data_migration_marks_every_version_of_the_shipped_framework(published_version):
    FrameworkItem.objects.update(in_session=False)
    older = factories.FrameworkVersionFactory(framework=published_version.framework, number=99)
    factories.FrameworkItemFactory(section__version=older, key="ST2")

    run_data_migration()

    assert in_session_keys(published_version) == SHIPPED_IN_SESSION
    assert in_session_keys(older) == {"ST2"}


def test_data_migration_leaves_other_frameworks_alone(db):
    other = factories.FrameworkItemFactory(key="ST2")

    run_data_migration()

    other.refresh_from_db()
    assert other.in_session is False


# Pages


def test_framework_page_badges_the_in_session_statements(sign_in, published_version):
    user = factories.UserFactory()

    page = sign_in(user).get(reverse("assessments:framework")).content.decode()

    assert page.count(">In-session</span>") == len(SHIPPED_IN_SESSION)


def test_admin_item_page_shows_the_in_session_mark(sign_in, admin_user, published_version):
    item = published_version.items.get(key="ST2")

    page = sign_in(admin_user).get(
        reverse("admin:assessments_frameworkitem_change", args=[item.pk])
    )

    assert page.status_code == 200
    assert "In session" in page.content.decode()


def test_a_new_draft_keeps_the_published_versions_in_session_marks(published_version, admin_user):
    draft = services.create_draft(published_version.framework, user=admin_user)
    assert draft.pk != published_version.pk
    assert in_session_keys(draft) == SHIPPED_IN_SESSION
