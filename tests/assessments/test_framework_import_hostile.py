"""Malformed and hostile framework files: each is refused with a line-numbered message, through
the parsers and through the import command, and nothing is written."""

import csv
import io
import re

import pytest
import yaml
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction
from hypothesis import HealthCheck, event, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from assessments.framework_io import (
    MAX_FILE_BYTES,
    MAX_ITEMS,
    FrameworkFileError,
    decode,
    dump_csv,
    export_data,
    import_framework,
    parse_csv,
    parse_yaml,
)
from assessments.models import Framework
from tests.conftest import framework_row_counts
from tests.framework_files import small_framework, with_line

# Helpers


def has_error(errors, number, words):
    return any(e.startswith(f"line {number}:") and words in e for e in errors)


def import_yaml(text, **options):
    return import_framework(parse_yaml(text), **options)


def import_csv(text):
    return import_framework(parse_csv(text, slug="comb-pd"))


def refuse(importer, text):
    """The errors `importer` raises for `text`, after checking that nothing was written."""
    before = framework_row_counts()
    with pytest.raises(FrameworkFileError) as excinfo:
        importer(text)
    assert framework_row_counts() == before
    return excinfo.value.errors


def command_refuses(path, *args):
    before = framework_row_counts()
    with pytest.raises(CommandError) as excinfo:
        call_command("import_framework", str(path), *args, stdout=io.StringIO())
    assert framework_row_counts() == before
    assert "nothing was imported" in str(excinfo.value)
    return str(excinfo.value)


# A small framework (a new slug, so a successful import would create a framework); each case
# below changes one line and names the line of the problem and words of the message.

SMALL = small_framework("hostile", "Hostile test")


def edit(number, content):
    """SMALL with line `number` replaced by `content` (indentation kept)."""
    return with_line(SMALL, number, content)


def seed_with(value):
    return edit(21, 'seed: {file: "000", problem: ' + value + ", target: [136]}")


YAML_CASES = {
    "key given twice": (edit(16, "target: Have knowledge\n        target: Again"), 17, "twice"),
    "notes as a list": (edit(7, "notes: [one, two]"), 7, "'notes' of the version must be text"),
    "title as a mapping": (edit(11, "title: {text: Capability}"), 11, "must be text"),
    "items not a list": (
        SMALL.replace(
            SMALL[SMALL.index("    items:") : SMALL.index("involvement_levels")], ""
        ).replace("    component: C\n", "    component: C\n    items: C1\n"),
        13,
        "needs a list of items",
    ),
    "problem as a list": (edit(15, "problem: [Lack, of]"), 15, "must be text"),
    "version as a list": (
        SMALL.replace("version:\n  notes: First version\n", "version: [First]\n"),
        6,
        "'version' must be a mapping",
    ),
    "tdf as a mapping": (edit(18, "tdf: {knowledge: 1}"), 18, "'tdf' must be a list"),
    "tdf code as a list": (edit(18, "tdf: [[knowledge]]"), 18, "unknown TDF domain"),
    "tdf code twice": (edit(18, "tdf: [knowledge, knowledge]"), 18, "listed twice"),
    "primary as a list": (edit(17, "primary: [C-Ps]"), 17, "unknown COM-B sub-component"),
    "sensitive as text": (edit(20, "sensitive: maybe"), 20, "must be true or false"),
    "level as text": (edit(23, "- level: one"), 23, "whole number from 1 to 5"),
    "level as true": (edit(23, "- level: true"), 23, "whole number from 1 to 5"),
    "format as text": (edit(1, 'format: "1"'), 1, "is not supported"),
    "field that is not text": (edit(19, "1: education"), 19, "unknown field 1"),
    "name too long": (edit(4, "name: " + "n" * 201), 4, "at most 200"),
    "title too long": (edit(11, "title: " + "t" * 121), 11, "at most 120"),
    "section key too long": (edit(9, "- key: " + "k" * 41), 9, "at most 40"),
    "level name too long": (edit(24, "name: " + "n" * 61), 24, "at most 60"),
    "NUL in text": (edit(15, 'problem: "Lack\\0 of knowledge"'), 15, "NUL"),
    "unpaired surrogate": (edit(15, 'problem: "Lack \\ud800"'), 15, "surrogate"),
    "control character": (edit(15, "problem: Lack \x07 of"), 15, "not valid YAML"),
    "impossible date": (edit(16, "target: 2020-02-30"), 16, "cannot be read"),
    "huge number": (edit(23, "- level: 1" + "0" * 5000), 23, "cannot be read"),
    "seed line a fraction": (seed_with("[3.5]"), 21, "not a whole line number"),
    "seed line as text": (seed_with('["3"]'), 21, "not a whole line number"),
    "seed line zero": (seed_with("[0]"), 21, "not a whole line number"),
    "seed line true": (seed_with("[true]"), 21, "not a whole line number"),
    "seed lines not a list": (seed_with("3"), 21, "must be a list of line numbers"),
    "seed file a number": (edit(21, "seed: {file: 4, problem: [3]}"), 21, "must be text"),
    "seed as a list": (edit(21, "seed: [3, 136]"), 21, "must be a mapping"),
    "unknown seed field": (edit(21, 'seed: {file: "000", lines: [3]}'), 21, "unknown field"),
}


def test_small_file_imports(published_version):
    assert import_yaml(SMALL).items.count() == 1


@pytest.mark.parametrize("case", YAML_CASES, ids=str)
def test_malformed_yaml_is_refused_at_its_line(published_version, case):
    text, number, words = YAML_CASES[case]

    errors = refuse(import_yaml, text)

    assert has_error(errors, number, words), errors


@pytest.mark.parametrize("case", YAML_CASES, ids=str)
def test_import_command_refuses_malformed_yaml_at_its_line(published_version, tmp_path, case):
    text, number, words = YAML_CASES[case]
    path = tmp_path / "framework.yaml"
    path.write_text(text, encoding="utf-8", errors="surrogatepass")

    message = command_refuses(path)

    assert f"line {number}: " in message
    assert words in message


# Bytes that are not UTF-8


def test_non_utf8_bytes_are_refused_at_the_line_of_the_first_bad_byte():
    raw = SMALL.encode().replace(b"Have knowledge", b"Have kn\xf6wledge")

    with pytest.raises(FrameworkFileError) as excinfo:
        decode(raw)

    assert excinfo.value.errors == [
        "line 16: the file is not UTF-8 text (byte 0xf6 cannot be read); save it as UTF-8"
    ]


def test_import_command_refuses_non_utf8_yaml(published_version, tmp_path):
    path = tmp_path / "framework.yaml"
    path.write_bytes(SMALL.encode().replace(b"Have knowledge", b"Have kn\xf6wledge"))

    assert "line 16: the file is not UTF-8" in command_refuses(path)


def test_import_command_refuses_non_utf8_csv(published_version, tmp_path):
    text = dump_csv(export_data(published_version))
    path = tmp_path / "framework.csv"
    path.write_bytes(text.encode().replace(b"Lack of", b"Lack \xff", 1))
    number = next(n for n, line in enumerate(text.splitlines(), 1) if "Lack of" in line)

    assert f"line {number}: the file is not UTF-8" in command_refuses(path, "--slug", "comb-pd")


def test_import_command_accepts_a_byte_order_mark(db, tmp_path):
    path = tmp_path / "framework.yaml"
    path.write_bytes(b"\xef\xbb\xbf" + SMALL.encode())

    call_command("import_framework", str(path), stdout=io.StringIO())

    assert Framework.objects.filter(slug="hostile").exists()


# Size limits


def test_file_larger_than_the_limit_is_refused(db):
    text = SMALL + "#" * MAX_FILE_BYTES

    errors = refuse(import_yaml, text)

    assert errors == ["line 1: the file is larger than 5 MB, the limit for a framework file"]


def test_import_command_refuses_a_file_larger_than_the_limit(db, tmp_path):
    path = tmp_path / "framework.yaml"
    path.write_text(SMALL + "#" * MAX_FILE_BYTES, encoding="utf-8")

    assert "line 1: the file is larger than 5 MB" in command_refuses(path)


def many_items(count):
    item = SMALL[SMALL.index("      - key: C1") : SMALL.index("involvement_levels")]
    items = "".join(item.replace("C1", f"C{n}") for n in range(1, count + 1))
    return SMALL.replace(item, items)


def test_file_with_more_items_than_the_limit_is_refused(db):
    errors = refuse(import_yaml, many_items(MAX_ITEMS))

    assert errors == ["line 8: the file has more than 2,000 sections, items and levels"]


def test_csv_with_more_rows_than_the_limit_is_refused(published_version):
    text = dump_csv(export_data(published_version))
    header, row = text.splitlines()[:2]
    text = header + "\n" + "\n".join([row] * (MAX_ITEMS + 1)) + "\n"

    errors = refuse(import_csv, text)

    assert errors == [f"line {MAX_ITEMS + 2}: the file has more than 2,000 rows (the limit)"]


# Renaming a framework


def test_import_that_renames_the_framework_is_refused(published_version, framework_yaml):
    name = published_version.framework.name
    number = next(n for n, line in enumerate(framework_yaml.splitlines(), 1) if "  name:" in line)

    errors = refuse(import_yaml, framework_yaml.replace(name, "Renamed", 1))

    assert has_error(errors, number, "framework name differs"), errors
    assert Framework.objects.get().name == name


def test_import_that_changes_the_description_is_refused(published_version, framework_yaml):
    description = published_version.framework.description

    errors = refuse(import_yaml, framework_yaml.replace(description, "Changed", 1))

    assert [e for e in errors if "framework description differs" in e]


def test_import_with_rename_renames_the_framework(published_version, framework_yaml):
    name = published_version.framework.name

    import_yaml(framework_yaml.replace(name, "Renamed", 1), rename=True)

    assert Framework.objects.get().name == "Renamed"


def test_import_command_refuses_a_rename(published_version, framework_yaml, tmp_path):
    path = tmp_path / "framework.yaml"
    path.write_text(framework_yaml.replace(published_version.framework.name, "Renamed", 1))

    assert "framework name differs" in command_refuses(path)


def test_import_command_renames_with_the_flag(published_version, framework_yaml, tmp_path):
    path = tmp_path / "framework.yaml"
    path.write_text(framework_yaml.replace(published_version.framework.name, "Renamed", 1))

    call_command("import_framework", str(path), "--rename", stdout=io.StringIO())

    assert Framework.objects.get().name == "Renamed"


def test_import_csv_with_the_same_name_is_not_a_rename(published_version, tmp_path):
    path = tmp_path / "framework.csv"
    path.write_text(dump_csv(export_data(published_version)))
    name = published_version.framework.name

    call_command("import_framework", str(path), "--slug", "comb-pd", "--name", name)

    assert published_version.framework.versions.count() == 2


# Malformed CSV: each case edits the export of the shipped framework


def csv_rows(version):
    return list(csv.reader(io.StringIO(dump_csv(export_data(version)))))


def csv_text(rows):
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    return out.getvalue()


def set_cell(rows, number, column, value):
    rows[number - 1][rows[0].index(column)] = value


def csv_extra_cell(rows):
    rows[4].append("extra")
    return 5, "the row has 24 cells but the header has 23"


def csv_unknown_column(rows):
    rows[0][rows[0].index("repairs")] = "repair"
    return 1, "unknown column(s): 'repair'"


def csv_column_twice(rows):
    rows[0][rows[0].index("repairs")] = "problem"
    return 1, "column(s) given twice: problem"


def csv_section_changes_title(rows):
    set_cell(rows, 3, "section_title", "Capabilities")
    return 3, "section_title 'Capabilities' differs from 'Capability' on line 2"


def csv_section_changes_kind(rows):
    set_cell(rows, 4, "section_kind", "behaviours")
    return 4, "section_kind 'behaviours' differs"


def csv_section_changes_component(rows):
    set_cell(rows, 4, "section_component", "O")
    return 4, "section_component 'O' differs"


def csv_seed_line_fraction(rows):
    set_cell(rows, 3, "seed_problem", "4.5")
    return 3, "seed line '4.5' is not a whole line number"


def csv_seed_line_huge(rows):
    set_cell(rows, 3, "seed_target", "1" * 5000)
    return 3, "is not a whole line number"


def csv_seed_lines_without_file(rows):
    set_cell(rows, 3, "seed_file", "")
    return 3, "seed_problem needs a seed_file"


def csv_sensitive_maybe(rows):
    set_cell(rows, 3, "sensitive", "maybe")
    return 3, "must be true or false"


def csv_title_too_long(rows):
    for row in rows[1:]:
        if row[rows[0].index("section_key")] == "capability":
            row[rows[0].index("section_title")] = "t" * 121
    return 2, "at most 120"


def csv_nul_in_cell(rows):
    set_cell(rows, 3, "problem", "Lack\x00of")
    return 3, "NUL"


def csv_level_row_with_item_cells(rows):
    number = next(n for n, row in enumerate(rows, 1) if row[rows[0].index("level")] == "1")
    set_cell(rows, number, "key", "C99")
    return number, "an involvement-level row cannot also hold key"


def csv_level_as_text(rows):
    number = next(n for n, row in enumerate(rows, 1) if row[rows[0].index("level")] == "1")
    set_cell(rows, number, "level", "first")
    return number, "whole number from 1 to 5"


CSV_CASES = [
    csv_extra_cell,
    csv_unknown_column,
    csv_column_twice,
    csv_section_changes_title,
    csv_section_changes_kind,
    csv_section_changes_component,
    csv_seed_line_fraction,
    csv_seed_line_huge,
    csv_seed_lines_without_file,
    csv_sensitive_maybe,
    csv_title_too_long,
    csv_nul_in_cell,
    csv_level_row_with_item_cells,
    csv_level_as_text,
]


@pytest.mark.parametrize("break_csv", CSV_CASES)
def test_malformed_csv_is_refused_at_its_line(published_version, break_csv):
    rows = csv_rows(published_version)
    number, words = break_csv(rows)

    errors = refuse(import_csv, csv_text(rows))

    assert has_error(errors, number, words), errors


@pytest.mark.parametrize("break_csv", CSV_CASES)
def test_import_command_refuses_malformed_csv_at_its_line(published_version, tmp_path, break_csv):
    rows = csv_rows(published_version)
    number, words = break_csv(rows)
    path = tmp_path / "framework.csv"
    path.write_text(csv_text(rows), encoding="utf-8")

    message = command_refuses(path, "--slug", "comb-pd")

    assert f"line {number}: " in message
    assert words in message


def test_csv_row_that_spans_lines_is_reported_at_its_first_line(published_version):
    rows = csv_rows(published_version)
    set_cell(rows, 3, "problem", "Lack of\nknowledge")
    set_cell(rows, 4, "primary", "X-Yz")

    errors = refuse(import_csv, csv_text(rows))

    assert errors == ["line 5: unknown COM-B sub-component 'X-Yz'"]


# Property tests: any document gives an import or a FrameworkFileError, never another exception

HOSTILE_TEXT = st.sampled_from(
    ["", " ", "\x00", "x" * 300, "C-Ps", "knowledge", "barriers", "3", "3.5", "|", "a,b", '"']
)
SCALARS = (
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20) | HOSTILE_TEXT
)
VALUES = st.recursive(
    SCALARS,
    lambda children: (
        st.lists(children, max_size=3)
        | st.dictionaries(
            st.text(max_size=8) | st.sampled_from(["key", "file", "__line__", "__lines__"]),
            children,
            max_size=3,
        )
    ),
    max_leaves=8,
)
PROPERTY = hypothesis_settings(
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)


def shipped_document():
    return yaml.safe_load(settings.FRAMEWORK_FIXTURE.read_text(encoding="utf-8"))


def paths(node, prefix=()):
    """Every place in a nested document, as a tuple of keys and indexes."""
    yield prefix
    if isinstance(node, dict):
        children = list(node.items())
    elif isinstance(node, list):
        children = list(enumerate(node))
    else:
        children = []
    for key, child in children:
        yield from paths(child, (*prefix, key))


def attempt(importer, document):
    """Import `document`; a refusal must be a FrameworkFileError that wrote nothing. A
    successful import is rolled back, so that each example starts from the shipped framework."""
    before = framework_row_counts()
    with transaction.atomic():
        try:
            importer(document)
        except FrameworkFileError as exc:
            event("refused")
            assert exc.errors
            assert all(re.match(r"line \d+: ", error) for error in exc.errors), exc.errors
            assert framework_row_counts() == before
            return
        event("imported")
        transaction.set_rollback(True)


def mutate(data, document):
    """The shipped document with a few of its values replaced by random ones, or removed."""
    places = list(paths(document))[1:]
    for _ in range(data.draw(st.integers(1, 3))):
        place = data.draw(st.sampled_from(places))
        parent = document
        try:
            for key in place[:-1]:
                parent = parent[key]
            if data.draw(st.booleans()) and isinstance(parent, dict):
                parent.pop(place[-1], None)
            else:
                parent[place[-1]] = data.draw(VALUES)
        except (KeyError, IndexError, TypeError):
            continue  # an earlier change removed or replaced this place
    return document


@PROPERTY
@given(text=st.text())
def test_random_text_as_yaml_is_imported_or_refused(published_version, text):
    attempt(import_yaml, text)


@PROPERTY
@given(text=st.text())
def test_random_text_as_csv_is_imported_or_refused(published_version, text):
    attempt(import_csv, text)


@PROPERTY
@given(raw=st.binary())
def test_random_bytes_are_decoded_or_refused(raw):
    try:
        decode(raw)
    except FrameworkFileError as exc:
        assert re.match(r"line \d+: the file is not UTF-8", exc.errors[0])


@PROPERTY
@given(data=st.data())
def test_shipped_yaml_with_random_values_is_imported_or_refused(published_version, data):
    document = mutate(data, shipped_document())
    text = yaml.safe_dump(document, sort_keys=False, allow_unicode=True)

    attempt(lambda text: import_yaml(text, publish=data.draw(st.booleans())), text)


@PROPERTY
@given(data=st.data())
def test_shipped_structure_with_random_values_is_imported_or_refused(published_version, data):
    attempt(import_framework, mutate(data, shipped_document()))


@PROPERTY
@given(data=st.data())
def test_shipped_csv_with_random_cells_is_imported_or_refused(published_version, data):
    rows = csv_rows(published_version)
    cell = st.text(max_size=20) | HOSTILE_TEXT | st.sampled_from(["\n", "\r", "1|x", "9" * 12])
    for _ in range(data.draw(st.integers(1, 4))):
        row = data.draw(st.sampled_from(rows))
        action = data.draw(st.sampled_from(["replace", "append", "drop"]))
        if action == "replace":
            row[data.draw(st.integers(0, len(row) - 1))] = data.draw(cell)
        elif action == "append":
            row.append(data.draw(cell))
        elif row:
            row.pop()

    attempt(import_csv, csv_text(rows))


def test_deeply_nested_yaml_is_refused(db):
    errors = refuse(import_yaml, "notes: " + "[" * 100_000)

    assert len(errors) == 1
    assert errors[0].startswith("line 1:")


def test_yaml_aliases_cannot_multiply_the_items(db):
    head, _ = SMALL.split("sections:\n")
    section = "  - &s {key: capability, kind: outcomes, title: T, items: [{key: C1}]}\n"
    text = head + "sections:\n" + section + "".join(["  - *s\n"] * MAX_ITEMS)

    errors = refuse(import_yaml, text)

    assert errors == ["line 8: the file has more than 2,000 sections, items and levels"]
