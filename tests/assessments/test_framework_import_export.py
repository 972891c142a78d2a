"""Framework files: YAML and CSV round trips, line-numbered errors, management commands."""

import csv
import io
import re

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from assessments import services
from assessments.framework_io import (
    CSV_COLUMNS,
    FrameworkFileError,
    dump_csv,
    dump_yaml,
    export_data,
    import_framework,
    parse_csv,
    parse_yaml,
)
from assessments.models import Framework
from tests.conftest import framework_row_counts

# Helpers


def line_of(text, content, after=None, prefix=False):
    """The 1-based number of the first line whose stripped text is `content` (or starts with
    it, if `prefix`), after the line that is `after`."""
    start = 0 if after is None else line_of(text, after)
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if number > start and (stripped.startswith(content) if prefix else stripped == content):
            return number
    raise AssertionError(f"no line {content!r} in the file")


def replace_line(text, number, content):
    """Replace line `number` with `content`, keeping the line's indentation."""
    lines = text.splitlines(keepends=True)
    old = lines[number - 1]
    lines[number - 1] = old[: len(old) - len(old.lstrip())] + content + "\n"
    return "".join(lines)


def delete_line(text, number):
    lines = text.splitlines(keepends=True)
    del lines[number - 1]
    return "".join(lines)


def line_number(error):
    return int(re.match(r"line (\d+):", error).group(1))


def normalised_seed(source):
    """Seed references without empty line lists (the CSV form cannot tell them apart)."""
    return {key: value for key, value in source.items() if value != []}


def item_rows(version, seed=lambda source: source):
    items = version.items.select_related(
        "primary_subcomponent", "secondary_subcomponent"
    ).prefetch_related("tdf_domains", "intervention_functions")
    return [
        {
            "key": item.key,
            "problem": item.problem_text,
            "target": item.target_text,
            "primary": item.primary_subcomponent and item.primary_subcomponent.code,
            "secondary": item.secondary_subcomponent and item.secondary_subcomponent.code,
            "tdf": [d.slug for d in item.tdf_domains.all()],
            "functions": [f.slug for f in item.intervention_functions.all()],
            "sensitive": item.is_sensitive,
            "seed": seed(item.source),
        }
        for item in items
    ]


def level_rows(version):
    return list(
        version.involvement_levels.values_list("level", "name", "description", "examples", "source")
    )


# Broken variants of the shipped YAML: each returns (text, line of the problem, words in the error)


def unknown_subcomponent(text):
    number = line_of(text, "primary: C-Ps", after="- key: C5")
    return replace_line(text, number, "primary: X-Yz"), number, "X-Yz"


def unknown_tdf_domain(text):
    number = line_of(text, "tdf: [knowledge]", after="- key: C1")
    return replace_line(text, number, "tdf: [knowlege]"), number, "knowlege"


def duplicated_item_key(text):
    number = line_of(text, "- key: C3")
    return replace_line(text, number, "- key: C2"), number, "'C2' is used twice"


def misspelt_field_name(text):
    number = line_of(text, "target:", after="- key: C1", prefix=True)
    line = text.splitlines()[number - 1].strip()
    return replace_line(text, number, "targte:" + line.removeprefix("target:")), number, "targte"


def bad_indentation(text):
    number = line_of(text, "primary: C-Ps", after="- key: C1")
    return replace_line(text, number, "  primary: C-Ps"), number, "not valid YAML"


def barrier_without_primary(text):
    key_line = line_of(text, "- key: C1")
    primary_line = line_of(text, "primary: C-Ps", after="- key: C1")
    return delete_line(text, primary_line), key_line, "needs a primary COM-B sub-component"


BROKEN_FILES = [
    unknown_subcomponent,
    unknown_tdf_domain,
    duplicated_item_key,
    misspelt_field_name,
    bad_indentation,
    barrier_without_primary,
]


# YAML round trip


@pytest.fixture
def yaml_copy(published_version):
    """Version 2, imported from the YAML export of version 1."""
    return import_framework(parse_yaml(dump_yaml(export_data(published_version))))


def test_yaml_round_trip_gives_the_same_sections_and_items(published_version, yaml_copy):
    assert yaml_copy.number == 2
    assert export_data(yaml_copy)["sections"] == export_data(published_version)["sections"]


def test_yaml_round_trip_gives_the_same_involvement_levels(published_version, yaml_copy):
    assert (
        export_data(yaml_copy)["involvement_levels"]
        == export_data(published_version)["involvement_levels"]
    )


def test_yaml_round_trip_keeps_item_keys(published_version, yaml_copy):
    assert list(yaml_copy.items.values_list("key", flat=True)) == list(
        published_version.items.values_list("key", flat=True)
    )


# CSV round trip


@pytest.fixture
def csv_copy(published_version):
    """Version 2, imported from the CSV export of version 1."""
    text = dump_csv(export_data(published_version))
    return import_framework(parse_csv(text, slug=published_version.framework.slug))


def test_csv_round_trip_gives_the_same_items(published_version, csv_copy):
    assert item_rows(csv_copy, seed=normalised_seed) == item_rows(
        published_version, seed=normalised_seed
    )


def test_csv_round_trip_gives_the_same_involvement_levels(published_version, csv_copy):
    assert level_rows(csv_copy) == level_rows(published_version)


def test_csv_round_trip_keeps_empty_seed_line_lists(published_version, csv_copy):
    # Items whose text on one side was written for the product (C13, S9, S10, ST4, SS4) have an
    # empty list for that side; the CSV import drops the key, so the YAML re-export differs.
    assert item_rows(csv_copy) == item_rows(published_version)


def test_csv_export_has_the_documented_header(published_version):
    text = dump_csv(export_data(published_version))

    assert next(csv.reader(io.StringIO(text))) == CSV_COLUMNS


# Broken YAML files


@pytest.mark.parametrize("break_file", BROKEN_FILES)
def test_broken_yaml_is_reported_at_the_line_of_the_problem(
    published_version, framework_yaml, break_file
):
    text, number, words = break_file(framework_yaml)

    with pytest.raises(FrameworkFileError) as excinfo:
        import_framework(parse_yaml(text))

    assert [e for e in excinfo.value.errors if e.startswith(f"line {number}:") and words in e]


@pytest.mark.parametrize("break_file", BROKEN_FILES)
def test_broken_yaml_imports_nothing(published_version, framework_yaml, break_file):
    text, _, _ = break_file(framework_yaml)
    before = framework_row_counts()

    with pytest.raises(FrameworkFileError):
        import_framework(parse_yaml(text))

    assert framework_row_counts() == before


def test_broken_yaml_for_a_new_framework_imports_nothing(db, framework_yaml):
    text, _, _ = unknown_subcomponent(framework_yaml.replace("slug: comb-pd", "slug: new-one"))
    before = framework_row_counts()

    with pytest.raises(FrameworkFileError):
        import_framework(parse_yaml(text))

    assert framework_row_counts() == before
    assert not Framework.objects.filter(slug="new-one").exists()


def test_every_problem_in_a_file_is_reported_in_line_order(published_version, framework_yaml):
    text, late, _ = unknown_subcomponent(framework_yaml)
    text, early, _ = unknown_tdf_domain(text)

    with pytest.raises(FrameworkFileError) as excinfo:
        import_framework(parse_yaml(text))

    assert early < late
    assert [line_number(e) for e in excinfo.value.errors] == [early, late]


def test_involvement_levels_that_are_not_a_list_are_reported(published_version, framework_yaml):
    head, _ = framework_yaml.split("\ninvolvement_levels:")
    text = head + "\ninvolvement_levels:\n  level: 1\n  name: Information\n"
    before = framework_row_counts()

    with pytest.raises(FrameworkFileError) as excinfo:
        import_framework(parse_yaml(text))

    assert all(re.match(r"line \d+:", e) for e in excinfo.value.errors)
    assert framework_row_counts() == before


def test_involvement_level_that_is_not_a_mapping_is_reported(published_version, framework_yaml):
    head, _ = framework_yaml.split("\ninvolvement_levels:")
    text = head + "\ninvolvement_levels:\n  - Information\n"

    with pytest.raises(FrameworkFileError) as excinfo:
        import_framework(parse_yaml(text))

    assert all(re.match(r"line \d+:", e) for e in excinfo.value.errors)


def test_section_that_is_not_a_mapping_is_reported_with_a_line_number(db, framework_yaml):
    head, _ = framework_yaml.split("\nsections:")
    text = head + "\nsections:\n  - capability\n"

    with pytest.raises(FrameworkFileError) as excinfo:
        import_framework(parse_yaml(text))

    assert all(re.match(r"line \d+:", e) for e in excinfo.value.errors)


def test_file_that_is_not_a_mapping_is_refused(db):
    with pytest.raises(FrameworkFileError) as excinfo:
        parse_yaml("- just\n- a list\n")

    assert excinfo.value.errors[0].startswith("line 1:")


def test_import_is_refused_while_a_draft_is_open(published_version, framework_yaml):
    services.create_draft(published_version.framework)
    before = framework_row_counts()

    with pytest.raises(FrameworkFileError) as excinfo:
        import_framework(parse_yaml(framework_yaml))

    assert "already has an open draft" in excinfo.value.errors[0]
    assert framework_row_counts() == before


def test_refused_import_leaves_the_framework_name_alone(published_version, framework_yaml):
    services.create_draft(published_version.framework)
    name = published_version.framework.name

    with pytest.raises(FrameworkFileError):
        import_framework(parse_yaml(framework_yaml.replace(name, "Renamed", 1)))

    assert Framework.objects.get().name == name


# Broken CSV files


def test_csv_row_with_unknown_subcomponent_is_reported_at_its_csv_line(published_version):
    rows = list(csv.DictReader(io.StringIO(dump_csv(export_data(published_version)))))
    next(row for row in rows if row["key"] == "C5")["primary"] = "X-Yz"
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    text = out.getvalue()
    number = next(n for n, line in enumerate(text.splitlines(), start=1) if ",C5," in line)
    before = framework_row_counts()

    with pytest.raises(FrameworkFileError) as excinfo:
        import_framework(parse_csv(text, slug="comb-pd"))

    assert excinfo.value.errors == [f"line {number}: unknown COM-B sub-component 'X-Yz'"]
    assert framework_row_counts() == before


def test_csv_without_required_columns_is_refused(db):
    with pytest.raises(FrameworkFileError) as excinfo:
        parse_csv("key,problem\nC1,Lack of knowledge\n", slug="comb-pd")

    assert excinfo.value.errors == ["line 1: missing column(s): section_key, target"]


# Management commands


def test_import_command_imports_and_publishes(db, framework_yaml, tmp_path):
    path = tmp_path / "new-one.yaml"
    path.write_text(framework_yaml.replace("slug: comb-pd", "slug: new-one"), encoding="utf-8")
    out = io.StringIO()

    call_command("import_framework", str(path), "--publish", stdout=out)

    assert "Imported" in out.getvalue()
    assert Framework.objects.get(slug="new-one").current_version().number == 1


def test_import_command_reports_the_line_and_imports_nothing(db, framework_yaml, tmp_path):
    text, number, _ = unknown_subcomponent(framework_yaml)
    path = tmp_path / "broken.yaml"
    path.write_text(text, encoding="utf-8")
    before = framework_row_counts()

    with pytest.raises(CommandError) as excinfo:
        call_command("import_framework", str(path), stdout=io.StringIO())

    assert "nothing was imported" in str(excinfo.value)
    assert f"line {number}:" in str(excinfo.value)
    assert framework_row_counts() == before


def test_import_command_reads_csv_with_a_slug(published_version, tmp_path):
    path = tmp_path / "framework.csv"
    path.write_text(dump_csv(export_data(published_version)), encoding="utf-8")
    out = io.StringIO()

    call_command("import_framework", str(path), "--slug", "comb-pd", stdout=out)

    assert "Imported" in out.getvalue()
    assert published_version.framework.versions.count() == 2


def test_import_command_needs_a_slug_for_csv(published_version, tmp_path):
    path = tmp_path / "framework.csv"
    path.write_text(dump_csv(export_data(published_version)), encoding="utf-8")

    with pytest.raises(CommandError, match="--slug"):
        call_command("import_framework", str(path), stdout=io.StringIO())


def test_import_command_refuses_a_missing_file(db, tmp_path):
    with pytest.raises(CommandError, match="No such file"):
        call_command("import_framework", str(tmp_path / "missing.yaml"))


def test_export_command_writes_csv_with_the_documented_header(published_version, tmp_path):
    path = tmp_path / "comb-pd.csv"

    call_command(
        "export_framework", "comb-pd", "--format", "csv", "-o", str(path), stderr=io.StringIO()
    )

    with path.open(encoding="utf-8", newline="") as file:
        assert next(csv.reader(file)) == CSV_COLUMNS


def test_export_command_refuses_an_unknown_framework(published_version):
    with pytest.raises(CommandError, match="no-such-framework"):
        call_command("export_framework", "no-such-framework", stdout=io.StringIO())
