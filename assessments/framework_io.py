"""Import and export a framework version as YAML or CSV (format: docs/framework-format.md).

Imports are all-or-nothing: the whole file is checked first, every problem is reported with
its line number, and nothing is written unless the file is clean. A file that is not UTF-8,
not well formed, too large, or holds a value of the wrong type or length is refused the same
way, so that SQLite and PostgreSQL give the same answer for the same file.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from typing import Any

import yaml
from django.core.files import File
from django.db import models, transaction

from . import content, meaning, services, taxonomy
from .models import (
    ComBSubComponent,
    Framework,
    FrameworkItem,
    FrameworkSection,
    FrameworkVersion,
    InterventionFunction,
    InvolvementLevel,
    SectionKind,
    TdfDomain,
)

FORMAT = 1
MAX_FILE_BYTES = 5 * 1024 * 1024
MAX_FILE_SIZE_TEXT = "5 MB"
MAX_ITEMS = 2000
MAX_SEED_LINE = 999_999_999
SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
ITEM_KEY = re.compile(taxonomy.ITEM_KEY_PATTERN)
SEED_LINE = re.compile(r"[0-9]{1,9}")
LINE_KEYS = {"__line__", "__lines__"}
TOP_FIELDS = {"format", "framework", "version", "sections", "involvement_levels"}
FRAMEWORK_FIELDS = {"slug", "name", "description"}
VERSION_FIELDS = {"notes"}
SECTION_FIELDS = {"key", "kind", "title", "component", "guidance", "seed", "items"}
ITEM_FIELDS = {
    "key",
    "problem",
    "target",
    "primary",
    "secondary",
    "tdf",
    "functions",
    "sensitive",
    "in_session",
    "seed",
    "repairs",
}
LEVEL_FIELDS = {"level", "name", "description", "examples", "seed"}
SEED_FIELDS = {"file", "problem", "target", "source"}
CSV_COLUMNS = [
    "section_key",
    "section_kind",
    "section_title",
    "section_component",
    "section_guidance",
    "key",
    "problem",
    "target",
    "primary",
    "secondary",
    "tdf",
    "functions",
    "sensitive",
    "in_session",
    "seed_file",
    "seed_problem",
    "seed_target",
    "seed_source",
    "repairs",
    "level",
    "level_name",
    "level_description",
    "level_examples",
]
CSV_REQUIRED = ["section_key", "key", "problem", "target"]
# Cells that belong to an item row, and those that belong to an involvement-level row.
CSV_ITEM_CELLS = [*CSV_COLUMNS[: CSV_COLUMNS.index("in_session") + 1], "repairs"]
CSV_LEVEL_CELLS = ["level_name", "level_description", "level_examples"]
# The section cells every row of a section repeats from its first row.
CSV_SECTION_CELLS = ["section_kind", "section_title", "section_component"]


class FrameworkFileError(Exception):
    """A framework file that cannot be imported; `errors` are 'line N: problem' strings."""

    def __init__(self, errors: list[str]) -> None:
        self.errors = errors
        super().__init__("\n".join(errors))


def _show(value: object) -> str:
    """A value for an error message: short text quoted, containers named by their type."""
    if isinstance(value, str):
        return repr(value if len(value) <= 60 else value[:57] + "...")
    if isinstance(value, int) and abs(value) >= 10**60:
        return "a huge number"
    if value is None or isinstance(value, int | float):  # bool is an int
        return repr(value)
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list | tuple):
        return "a list"
    return f"a {type(value).__name__} value"


def check_size(length: int) -> None:
    """Refuse a file of `length` bytes if it is over the limit."""
    if length > MAX_FILE_BYTES:
        raise FrameworkFileError(
            [
                f"line 1: the file is larger than {MAX_FILE_SIZE_TEXT}, "
                "the limit for a framework file"
            ]
        )


def decode(raw: bytes) -> str:
    """The text of a framework file read as bytes; it must be UTF-8 (a byte-order mark is
    allowed), and the error names the line of the first byte that is not."""
    check_size(len(raw))
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise FrameworkFileError(
            [
                f"line {line}: the file is not UTF-8 text (byte 0x{raw[exc.start]:02x} cannot "
                "be read); save it as UTF-8"
            ]
        ) from exc


class _LineLoader(yaml.SafeLoader):
    """A YAML loader that records where each mapping and each of its keys start, and every
    key given twice in one mapping (PyYAML would silently keep the last)."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.duplicates: list[str] = []
        self.node: yaml.Node | None = None

    def construct_object(self, node, deep=False):
        self.node = node
        return super().construct_object(node, deep=deep)

    def construct_mapping(self, node, deep=False):
        first: dict[str, int] = {}
        for key, _ in node.value:
            if not isinstance(key, yaml.ScalarNode) or key.tag == "tag:yaml.org,2002:merge":
                continue
            line = key.start_mark.line + 1
            if key.value in first:
                self.duplicates.append(
                    f"line {line}: '{key.value[:60]}' is given twice in one mapping "
                    f"(first on line {first[key.value]})"
                )
            else:
                first[key.value] = line
        mapping = super().construct_mapping(node, deep=deep)
        mapping["__line__"] = node.start_mark.line + 1
        mapping["__lines__"] = {
            key.value: key.start_mark.line + 1
            for key, _ in node.value
            if isinstance(key, yaml.ScalarNode)
        }
        return mapping


def parse_yaml(text: str) -> dict:
    """Parse the YAML form, keeping the line of each mapping and key for `check`'s errors."""
    text = text.removeprefix("\ufeff")
    check_size(len(text.encode("utf-8", "surrogatepass")))
    data = _load_yaml(text)
    if not isinstance(data, dict):
        raise FrameworkFileError(
            ["line 1: the file must be a mapping with 'framework' and 'sections'"]
        )
    return data


def _load_yaml(text: str) -> Any:
    loader = None
    try:
        loader = _LineLoader(text)  # reading starts here: it refuses control characters
        data = loader.get_single_data()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 1
        raise FrameworkFileError([f"line {line}: not valid YAML ({exc.problem})"]) from exc
    except yaml.reader.ReaderError as exc:
        line = text[: exc.position].count("\n") + 1
        raise FrameworkFileError([f"line {line}: not valid YAML ({exc.reason})"]) from exc
    except yaml.YAMLError as exc:
        raise FrameworkFileError([f"line 1: not valid YAML ({exc})"]) from exc
    except (ValueError, OverflowError) as exc:
        # A scalar PyYAML recognises but cannot build: an impossible date, a huge number.
        node = loader.node if loader else None
        line = node.start_mark.line + 1 if node else 1
        raise FrameworkFileError([f"line {line}: a value cannot be read ({exc})"]) from exc
    except RecursionError as exc:
        raise FrameworkFileError(["line 1: the file is nested too deeply"]) from exc
    finally:
        if loader:
            loader.dispose()
    if loader.duplicates:
        raise FrameworkFileError(loader.duplicates)
    return data


def _split(value: str) -> list[str]:
    return [part.strip() for part in value.split("|") if part.strip()]


def _lines(value: str, where: int, errors: list[str]) -> list[int]:
    numbers = []
    for part in _split(value):
        if SEED_LINE.fullmatch(part) and int(part) >= 1:
            numbers.append(int(part))
        else:
            errors.append(f"line {where}: seed line {_show(part)} is not a whole line number")
    return numbers


def _seed_from_row(row: dict[str, str], line: int, errors: list[str]) -> dict | None:
    if not row.get("seed_file"):
        for name in ("problem", "target", "source"):
            if row.get(f"seed_{name}"):
                errors.append(f"line {line}: seed_{name} needs a seed_file")
        return None
    seed: dict[str, Any] = {"__line__": line, "__lines__": {}, "file": row["seed_file"]}
    for name in ("problem", "target", "source"):
        numbers = _lines(row.get(f"seed_{name}", ""), line, errors)
        if numbers:
            seed[name] = numbers
    return seed


def _read_csv(text: str) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """The header and the non-blank rows, each with the line it starts on."""
    reader = csv.reader(io.StringIO(text, newline=""))
    rows: list[tuple[int, list[str]]] = []
    try:
        header = next(reader, None)
        while True:
            start = reader.line_num + 1
            cells = next(reader, None)
            if cells is None:
                break
            if any(cell.strip() for cell in cells):
                rows.append((start, cells))
            if len(rows) > MAX_ITEMS:
                raise FrameworkFileError(
                    [f"line {start}: the file has more than {MAX_ITEMS:,} rows (the limit)"]
                )
    except csv.Error as exc:
        raise FrameworkFileError(
            [f"line {max(reader.line_num, 1)}: not valid CSV ({exc})"]
        ) from exc
    if header is None:
        raise FrameworkFileError(["line 1: the file is empty; it needs a header row"])
    return [name.strip() for name in header], rows


def _check_header(header: list[str]) -> None:
    errors = []
    missing = [c for c in CSV_REQUIRED if c not in header]
    if missing:
        errors.append(f"line 1: missing column(s): {', '.join(missing)}")
    unknown = [_show(name) for name in header if name not in CSV_COLUMNS]
    if unknown:
        errors.append(f"line 1: unknown column(s): {', '.join(unknown)}")
    twice = sorted({name for name in header if name and header.count(name) > 1})
    if twice:
        errors.append(f"line 1: column(s) given twice: {', '.join(twice)}")
    if errors:
        raise FrameworkFileError(errors)


def _flag(value: str) -> bool | str:
    """A CSV 'sensitive' or 'in_session' cell as true or false; anything else stays text for
    `check` to refuse."""
    if value.lower() in {"", "false", "no", "0"}:
        return False
    if value.lower() in {"true", "yes", "1"}:
        return True
    return value


def parse_csv(text: str, *, slug: str, name: str = "", description: str = "") -> dict:
    """Turn the flat CSV form into the same structure the YAML form parses to."""
    text = text.removeprefix("\ufeff")
    check_size(len(text.encode("utf-8", "surrogatepass")))
    header, rows = _read_csv(text)
    _check_header(header)
    errors: list[str] = []
    sections: dict[str, dict] = {}
    firsts: dict[str, tuple[int, dict[str, str]]] = {}
    levels: list[dict] = []
    for line, cells in rows:
        if len(cells) > len(header):
            errors.append(
                f"line {line}: the row has {len(cells)} cells but the header has {len(header)}"
            )
            continue
        row = {column: cell.strip() for column, cell in zip(header, cells, strict=False)}
        if row.get("level"):
            stray = [c for c in CSV_ITEM_CELLS if row.get(c)]
            if stray:
                errors.append(
                    f"line {line}: an involvement-level row cannot also hold {', '.join(stray)}"
                )
            levels.append(_level_from_row(row, line, errors))
            continue
        stray = [c for c in CSV_LEVEL_CELLS if row.get(c)]
        if stray:
            errors.append(f"line {line}: an item row cannot hold {', '.join(stray)} (no level)")
        key = row.get("section_key", "")
        if key not in sections:
            sections[key] = _section_from_row(row, line)
            firsts[key] = (line, row)
        else:
            first_line, first = firsts[key]
            for column in CSV_SECTION_CELLS:
                if row.get(column, "") != first.get(column, ""):
                    errors.append(
                        f"line {line}: {column} {_show(row.get(column, ''))} differs from "
                        f"{_show(first.get(column, ''))} on line {first_line}, the first row "
                        f"of section {_show(key)}"
                    )
        sections[key]["items"].append(_item_from_row(row, line, errors))
    if errors:
        raise FrameworkFileError(sorted(errors, key=_line_number))
    if not sections:
        raise FrameworkFileError(["line 2: the file has no items"])
    return {
        "__line__": 1,
        "__lines__": {},
        "format": FORMAT,
        "framework": {
            "__line__": 1,
            "__lines__": {},
            "slug": slug,
            "name": name,
            "description": description,
        },
        "sections": list(sections.values()),
        "involvement_levels": levels,
    }


def _level_from_row(row: dict[str, str], line: int, errors: list[str]) -> dict:
    level: dict[str, Any] = {
        "__line__": line,
        "__lines__": {},
        "level": int(row["level"]) if re.fullmatch(r"[0-9]{1,3}", row["level"]) else row["level"],
        "name": row.get("level_name", ""),
        "description": row.get("level_description", ""),
    }
    if row.get("level_examples"):
        level["examples"] = row["level_examples"]
    seed = _seed_from_row(row, line, errors)
    if seed:
        level["seed"] = seed
    return level


def _section_from_row(row: dict[str, str], line: int) -> dict:
    section: dict[str, Any] = {
        "__line__": line,
        "__lines__": {},
        "key": row.get("section_key", ""),
        "kind": row.get("section_kind", ""),
        "title": row.get("section_title", ""),
        "items": [],
    }
    if row.get("section_component"):
        section["component"] = row["section_component"]
    if row.get("section_guidance"):
        section["guidance"] = row["section_guidance"]
    return section


def _item_from_row(row: dict[str, str], line: int, errors: list[str]) -> dict:
    item: dict[str, Any] = {
        "__line__": line,
        "__lines__": {},
        "key": row.get("key", ""),
        "problem": row.get("problem", ""),
        "target": row.get("target", ""),
        "tdf": _split(row.get("tdf", "")),
        "functions": _split(row.get("functions", "")),
        "sensitive": _flag(row.get("sensitive", "")),
        "in_session": _flag(row.get("in_session", "")),
    }
    for name in ("primary", "secondary", "repairs"):
        if row.get(name):
            item[name] = row[name]
    seed = _seed_from_row(row, line, errors)
    if seed:
        item["seed"] = seed
    return item


def _max_length(model: type[models.Model], name: str) -> int | None:
    model_field = model._meta.get_field(name)
    return model_field.max_length if isinstance(model_field, models.Field) else None


def _line_of(mapping: dict, key: object = None) -> int:
    """The line of `key` in a mapping the loader read, else of the mapping, else 1."""
    lines = mapping.get("__lines__")
    line = None
    if isinstance(lines, dict) and isinstance(key, str | int | float):
        # The loader keys lines by the key as written: `1:` is the key 1, written "1".
        line = lines.get(key if isinstance(key, str) else str(key))
    if type(line) is not int:
        line = mapping.get("__line__")
    return line if type(line) is int else 1


def _bad_characters(value: str) -> str | None:
    if "\x00" in value:
        return "contains a NUL character"
    if re.search("[\ud800-\udfff]", value):
        return "contains an unpaired surrogate (not a character)"
    return None


@dataclass
class _Checker:
    """Collects every problem in a parsed framework file, each tied to a line."""

    subcomponents: set[str]
    tdf: set[str]
    functions: set[str]
    errors: list[str] = field(default_factory=list)

    def add(self, mapping: dict, key: object, message: str) -> None:
        self.errors.append(f"line {_line_of(mapping, key)}: {message}")

    def unknown(self, mapping: dict, allowed: set[str], what: str) -> None:
        for key in mapping:
            if key not in LINE_KEYS and key not in allowed:
                self.add(mapping, key, f"unknown field {_show(key)} in {what}")

    def text(
        self,
        mapping: dict,
        key: str,
        what: str,
        required: bool = True,
        max_length: int | None = None,
    ) -> None:
        value = mapping.get(key)
        if value is None or (isinstance(value, str) and not value.strip()):
            if required:
                self.add(mapping, key, f"{what} needs '{key}'")
        elif not isinstance(value, str):
            self.add(mapping, key, f"'{key}' of {what} must be text, not {_show(value)}")
        elif max_length is not None and len(value) > max_length:
            self.add(
                mapping,
                key,
                f"'{key}' of {what} is {len(value):,} characters long; at most {max_length}",
            )
        elif problem := _bad_characters(value):
            self.add(mapping, key, f"'{key}' of {what} {problem}")

    def codes(self, mapping: dict, key: str, known: set[str], label: str) -> None:
        value = mapping.get(key)
        if value is None:
            return
        if not isinstance(value, list):
            self.add(mapping, key, f"'{key}' must be a list")
            return
        seen: set[str] = set()
        for code in value:
            if not isinstance(code, str) or code not in known:
                self.add(mapping, key, f"unknown {label} {_show(code)}")
            elif code in seen:
                self.add(mapping, key, f"{label} '{code}' is listed twice")
            else:
                seen.add(code)

    def code(self, mapping: dict, key: str, known: set[str] | frozenset[str], label: str) -> None:
        value = mapping.get(key)
        if value is not None and value != "" and (not isinstance(value, str) or value not in known):
            self.add(mapping, key, f"unknown {label} {_show(value)}")

    def seed(self, mapping: dict, what: str) -> None:
        seed = mapping.get("seed")
        if seed is None:
            return
        if not isinstance(seed, dict):
            self.add(mapping, "seed", f"the seed of {what} must be a mapping of file and lines")
            return
        self.unknown(seed, SEED_FIELDS, f"the seed of {what}")
        self.text(seed, "file", f"the seed of {what}")
        for name in ("problem", "target", "source"):
            numbers = seed.get(name)
            if numbers is None:
                continue
            if not isinstance(numbers, list):
                self.add(seed, name, f"seed '{name}' of {what} must be a list of line numbers")
                continue
            for number in numbers:
                if type(number) is not int or not 1 <= number <= MAX_SEED_LINE:
                    self.add(seed, name, f"seed line {_show(number)} is not a whole line number")


def _size(data: dict) -> int:
    """How many sections, items and involvement levels the file holds."""
    sections = data.get("sections")
    levels = data.get("involvement_levels")
    total = len(levels) if isinstance(levels, list) else 0
    for section in sections if isinstance(sections, list) else []:
        total += 1
        items = section.get("items") if isinstance(section, dict) else None
        total += len(items) if isinstance(items, list) else 0
    return total


def check(data: dict) -> None:
    """Raise FrameworkFileError listing every problem in the parsed file, or return."""
    if not isinstance(data, dict):
        raise FrameworkFileError(["line 1: the file must be a mapping with 'framework'"])
    if _size(data) > MAX_ITEMS:
        line = _line_of(data, "sections")
        raise FrameworkFileError(
            [f"line {line}: the file has more than {MAX_ITEMS:,} sections, items and levels"]
        )
    services.ensure_taxonomy()
    c = _Checker(
        subcomponents=set(ComBSubComponent.objects.values_list("code", flat=True)),
        tdf=set(TdfDomain.objects.values_list("slug", flat=True)),
        functions=set(InterventionFunction.objects.values_list("slug", flat=True)),
    )
    c.unknown(data, TOP_FIELDS, "the file")
    file_format = data.get("format", FORMAT)
    if type(file_format) is not int or file_format != FORMAT:
        c.add(data, "format", f"format {_show(file_format)} is not supported (use {FORMAT})")
    _check_framework(c, data)
    version = data.get("version")
    if isinstance(version, dict):
        c.unknown(version, VERSION_FIELDS, "the version")
        c.text(version, "notes", "the version", required=False)
    elif version is not None:
        c.add(data, "version", "'version' must be a mapping with 'notes'")
    sections = data.get("sections")
    if not isinstance(sections, list) or not sections:
        c.add(data, "sections", "the file needs a non-empty list of 'sections'")
        sections = []
    section_keys: set[str] = set()
    item_keys: set[str] = set()
    for section in sections:
        if not isinstance(section, dict):
            c.add(data, "sections", "each section must be a mapping with key, kind and title")
            continue
        _check_section(c, section, section_keys, item_keys)
    levels = data.get("involvement_levels")
    if levels is None:
        levels = []
    if not isinstance(levels, list):
        c.add(data, "involvement_levels", "'involvement_levels' must be a list")
        levels = []
    seen_levels: set[int] = set()
    for level in levels:
        if not isinstance(level, dict):
            c.add(data, "involvement_levels", "each involvement level must be a mapping")
            continue
        _check_level(c, level, seen_levels)
    if c.errors:
        raise FrameworkFileError(sorted(set(c.errors), key=_line_number))


def _check_framework(c: _Checker, data: dict) -> None:
    framework = data.get("framework")
    if not isinstance(framework, dict):
        c.add(data, "framework", "the file needs a 'framework' mapping with slug and name")
        return
    c.unknown(framework, FRAMEWORK_FIELDS, "the framework")
    slug = framework.get("slug")
    if not isinstance(slug, str) or not SLUG.match(slug):
        c.add(framework, "slug", "the framework slug must be lowercase letters, digits and hyphens")
    else:
        c.text(framework, "slug", "the framework", max_length=_max_length(Framework, "slug"))
    c.text(
        framework,
        "name",
        "the framework",
        required=False,
        max_length=_max_length(Framework, "name"),
    )
    c.text(framework, "description", "the framework", required=False)


def _check_section(c: _Checker, section: dict, section_keys: set, item_keys: set) -> None:
    c.unknown(section, SECTION_FIELDS, "a section")
    key = section.get("key")
    if not isinstance(key, str) or not SLUG.match(key):
        c.add(section, "key", "a section key must be lowercase letters, digits and hyphens")
    elif key in section_keys:
        c.add(section, "key", f"section key '{key}' is used twice")
    else:
        section_keys.add(key)
        c.text(section, "key", "a section", max_length=_max_length(FrameworkSection, "key"))
    kind = section.get("kind")
    if not isinstance(kind, str) or kind not in SectionKind.values:
        c.add(section, "kind", f"section kind must be one of {', '.join(SectionKind.values)}")
    c.text(section, "title", "a section", max_length=_max_length(FrameworkSection, "title"))
    c.text(section, "guidance", "a section", required=False)
    c.seed(section, "a section")
    component = section.get("component")
    if kind == SectionKind.BARRIERS and not (
        isinstance(component, str) and component in taxonomy.COMPONENT_CODES
    ):
        codes = ", ".join(code for code, _name in taxonomy.COM_B_COMPONENTS)
        c.add(section, "component", f"a barrier section needs a COM-B component ({codes})")
    if kind != SectionKind.BARRIERS and component:
        c.add(section, "component", "only barrier sections have a COM-B component")
    items = section.get("items")
    if not isinstance(items, list):
        c.add(section, "items", f"section {_show(key)} needs a list of items (it may be empty)")
        return
    for item in items:
        if not isinstance(item, dict):
            c.add(section, "items", "each item must be a mapping")
            continue
        _check_item(c, item, kind, item_keys)


def _check_item(c: _Checker, item: dict, kind: object, item_keys: set) -> None:
    c.unknown(item, ITEM_FIELDS, "an item")
    key = item.get("key")
    if not isinstance(key, str) or not ITEM_KEY.match(key):
        c.add(item, "key", f"item key {_show(key)} must be {taxonomy.ITEM_KEY_RULE}")
    elif key in item_keys:
        c.add(item, "key", f"item key '{key}' is used twice")
    else:
        item_keys.add(key)
        c.text(item, "key", "an item", max_length=_max_length(FrameworkItem, "key"))
    what = f"item {key}" if isinstance(key, str) else "an item"
    c.text(item, "problem", what)
    c.text(item, "target", what, required=False)
    c.text(item, "repairs", what, required=False)
    c.code(item, "primary", c.subcomponents, "COM-B sub-component")
    c.code(item, "secondary", c.subcomponents, "COM-B sub-component")
    if kind == SectionKind.BARRIERS and not item.get("primary"):
        c.add(item, "primary", f"barrier {key} needs a primary COM-B sub-component")
    if item.get("secondary") and item.get("secondary") == item.get("primary"):
        c.add(item, "secondary", f"item {key}: the secondary code repeats the primary")
    c.codes(item, "tdf", c.tdf, "TDF domain")
    c.codes(item, "functions", c.functions, "intervention function")
    if not isinstance(item.get("sensitive", False), bool):
        c.add(item, "sensitive", "'sensitive' must be true or false")
    if not isinstance(item.get("in_session", False), bool):
        c.add(item, "in_session", "'in_session' must be true or false")
    c.seed(item, what)


def _check_level(c: _Checker, level: dict, seen_levels: set[int]) -> None:
    c.unknown(level, LEVEL_FIELDS, "an involvement level")
    number = level.get("level")
    if type(number) is not int or not 1 <= number <= 5:
        c.add(level, "level", "an involvement level must be a whole number from 1 to 5")
    elif number in seen_levels:
        c.add(level, "level", f"involvement level {number} appears twice")
    else:
        seen_levels.add(number)
    what = "an involvement level"
    c.text(level, "name", what, max_length=_max_length(InvolvementLevel, "name"))
    c.text(level, "description", what)
    c.text(level, "examples", what, required=False)
    c.seed(level, what)


def _line_number(error: str) -> int:
    match = re.match(r"line (\d+)", error)
    return int(match.group(1)) if match else 0


def import_file(
    file: File,
    *,
    slug: str = "",
    name: str = "",
    description: str = "",
    publish: bool = False,
    rename: bool = False,
    allow_meaning_changes: bool = False,
) -> FrameworkVersion:
    """Import an opened framework file (a path the command opened, or an admin upload): CSV if
    its name ends in .csv (with `slug`, `name` and `description`), YAML otherwise. Its size is
    checked before it is read; the options are those of `import_framework`."""
    check_size(file.size)
    text = decode(file.read())
    if (file.name or "").lower().endswith(".csv"):
        data = parse_csv(text, slug=slug, name=name, description=description)
    else:
        data = parse_yaml(text)
    return import_framework(
        data, publish=publish, rename=rename, allow_meaning_changes=allow_meaning_changes
    )


@transaction.atomic
def import_framework(
    data: dict,
    *,
    publish: bool = False,
    rename: bool = False,
    allow_meaning_changes: bool = False,
) -> FrameworkVersion:
    """Check a parsed file, then write it as the next version of its framework. A file whose
    framework name or description differs from the stored one is refused unless `rename`; one
    published (`publish`) that changes what an existing key means is refused unless
    `allow_meaning_changes` (`meaning.py`)."""
    check(data)
    if publish:
        _check_publishable(data)
    meta = data["framework"]
    framework = Framework.objects.filter(slug=meta["slug"]).first()
    if framework is None:
        framework = Framework.objects.create(
            slug=meta["slug"],
            name=meta.get("name") or meta["slug"],
            description=meta.get("description") or "",
        )
    else:
        _rename(framework, meta, rename)
    draft = framework.versions.filter(status=FrameworkVersion.Status.DRAFT).first()
    if draft:
        raise FrameworkFileError(
            [
                f"line {_line_of(meta)}: framework '{framework.slug}' already has an open "
                f"draft (version {draft.number}); publish or delete it before importing"
            ]
        )
    version = FrameworkVersion.objects.create(
        framework=framework,
        number=services.next_version_number(framework),
        notes=(data.get("version") or {}).get("notes") or "",
    )
    content.write_content(version, with_derived_functions(data))
    services.record_content_history(version, reason="imported")
    if publish:
        try:
            version = services.publish(version, allow_meaning_changes=allow_meaning_changes)
        except meaning.MeaningChanged as exc:
            raise FrameworkFileError(_meaning_errors(data, exc)) from exc
    return version


def _meaning_errors(data: dict, exc: meaning.MeaningChanged) -> list[str]:
    """Each meaning change as an error at the line of its item's key."""
    lines = {
        item["key"]: _line_of(item, "key")
        for section in data["sections"]
        for item in section["items"]
    }
    errors = [
        f"line {lines.get(change.key, 1)}: item {change.key}: its {change.field} text changed "
        f'meaning since published version {exc.previous.number} (was "{change.old}", now '
        f'"{change.new}"); import with allow meaning changes (--allow-meaning-changes) to '
        "publish it anyway"
        for change in exc.changes
    ]
    return sorted(errors, key=_line_number)


def _check_publishable(data: dict) -> None:
    """Refuse to publish a file whose rated items lack a target form, naming every one: a
    published version is what therapists rate, so each rated item needs its target text."""
    errors = [
        f"line {_line_of(item, 'key')}: item {item['key']} has no target form; "
        "a version cannot be published until every rated item has one (import it as a "
        "draft and write the missing targets)"
        for section in data["sections"]
        if section["kind"] in taxonomy.RATED_SECTION_KINDS
        for item in section["items"]
        if not (item.get("target") or "").strip()
    ]
    if errors:
        raise FrameworkFileError(errors)


def with_derived_functions(data: dict) -> dict:
    """The checked file with each item that gives TDF domains but no intervention functions
    given the functions those domains map to (`taxonomy.TDF_INTERVENTION_FUNCTIONS`, their
    union in taxonomy order); functions the file gives are kept as they are."""
    sections = []
    for section in data["sections"]:
        items = []
        for item in section["items"]:
            if item.get("tdf") and not item.get("functions"):
                item = {**item, "functions": content.functions_for_tdf(item["tdf"])}
            items.append(item)
        sections.append({**section, "items": items})
    return {**data, "sections": sections}


def _rename(framework: Framework, meta: dict, rename: bool) -> None:
    """Give the framework the file's name and description, which must match unless `rename`:
    an import never silently renames a framework's published history."""
    changed = [
        name
        for name in ("name", "description")
        if meta.get(name) and meta[name] != getattr(framework, name)
    ]
    if not changed:
        return
    if not rename:
        raise FrameworkFileError(
            [
                f"line {_line_of(meta, name)}: the "
                f"framework {name} differs from that of the existing framework "
                f"'{framework.slug}' ({_show(getattr(framework, name))}); import with "
                "rename (--rename) to change it"
                for name in changed
            ]
        )
    for name in changed:
        setattr(framework, name, meta[name])
    framework.save(update_fields=changed)


def export_data(version: FrameworkVersion) -> dict:
    """A version as the plain structure the YAML file holds."""
    framework = version.framework
    return {
        "format": FORMAT,
        "framework": {
            "slug": framework.slug,
            "name": framework.name,
            "description": framework.description,
        },
        "version": {"notes": version.notes},
        **content.version_content(version),
    }


def dump_yaml(data: dict) -> str:
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)


def dump_csv(data: dict) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()

    def seed_columns(seed: dict) -> dict:
        if not seed:
            return {}
        return {
            "seed_file": seed.get("file", ""),
            **{
                f"seed_{n}": "|".join(str(x) for x in seed.get(n, []))
                for n in ("problem", "target", "source")
            },
        }

    for section in data["sections"]:
        for item in section["items"]:
            writer.writerow(
                {
                    "section_key": section["key"],
                    "section_kind": section["kind"],
                    "section_title": section["title"],
                    "section_component": section.get("component", ""),
                    "section_guidance": section.get("guidance", ""),
                    "key": item["key"],
                    "problem": item["problem"],
                    "target": item["target"],
                    "primary": item.get("primary", ""),
                    "secondary": item.get("secondary", ""),
                    "tdf": "|".join(item.get("tdf", [])),
                    "functions": "|".join(item.get("functions", [])),
                    "sensitive": "true" if item.get("sensitive") else "false",
                    "in_session": "true" if item.get("in_session") else "false",
                    "repairs": item.get("repairs", ""),
                    **seed_columns(item.get("seed", {})),
                }
            )
    for level in data.get("involvement_levels", []):
        writer.writerow(
            {
                "level": level["level"],
                "level_name": level["name"],
                "level_description": level["description"],
                "level_examples": level.get("examples", ""),
                **seed_columns(level.get("seed", {})),
            }
        )
    return out.getvalue()
