"""Import and export a framework version as YAML or CSV (format: docs/framework-format.md).

Imports are all-or-nothing: the whole file is checked first, every problem is reported with
its line number, and nothing is written unless the file is clean.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from typing import Any

import yaml
from django.db import transaction

from . import content, services, taxonomy
from .models import (
    ComBSubComponent,
    Framework,
    FrameworkVersion,
    InterventionFunction,
    SectionKind,
    TdfDomain,
)

FORMAT = 1
SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
ITEM_KEY = re.compile(taxonomy.ITEM_KEY_PATTERN)
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
    "seed",
    "repairs",
}
LEVEL_FIELDS = {"level", "name", "description", "examples", "seed"}
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


class FrameworkFileError(Exception):
    """A framework file that cannot be imported; `errors` are 'line N: problem' strings."""

    def __init__(self, errors: list[str]) -> None:
        self.errors = errors
        super().__init__("\n".join(errors))


class _LineLoader(yaml.SafeLoader):
    """A YAML loader that records where each mapping and each of its keys start."""

    def construct_mapping(self, node, deep=False):
        mapping = super().construct_mapping(node, deep=deep)
        mapping["__line__"] = node.start_mark.line + 1
        mapping["__lines__"] = {
            key.value: key.start_mark.line + 1 for key, _ in node.value if hasattr(key, "value")
        }
        return mapping


def parse_yaml(text: str) -> dict:
    try:
        data = yaml.load(text, Loader=_LineLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 1
        raise FrameworkFileError([f"line {line}: not valid YAML ({exc.problem})"]) from exc
    except yaml.YAMLError as exc:
        raise FrameworkFileError([f"line 1: not valid YAML ({exc})"]) from exc
    if not isinstance(data, dict):
        raise FrameworkFileError(
            ["line 1: the file must be a mapping with 'framework' and 'sections'"]
        )
    return data


def _split(value: str) -> list[str]:
    return [part.strip() for part in value.split("|") if part.strip()]


def _lines(value: str, where: int, errors: list[str]) -> list[int]:
    numbers = []
    for part in _split(value):
        if part.isdigit():
            numbers.append(int(part))
        else:
            errors.append(f"line {where}: seed line '{part}' is not a number")
    return numbers


def _seed_from_row(row: dict, line: int, errors: list[str]) -> dict | None:
    if not row.get("seed_file"):
        return None
    seed: dict[str, Any] = {"file": row["seed_file"]}
    for name in ("problem", "target", "source"):
        numbers = _lines(row.get(f"seed_{name}", ""), line, errors)
        if numbers:
            seed[name] = numbers
    return seed


def parse_csv(text: str, *, slug: str, name: str = "", description: str = "") -> dict:
    """Turn the flat CSV form into the same structure the YAML form parses to."""
    reader = csv.DictReader(io.StringIO(text))
    missing = [
        c for c in ("section_key", "key", "problem", "target") if c not in (reader.fieldnames or [])
    ]
    if missing:
        raise FrameworkFileError([f"line 1: missing column(s): {', '.join(missing)}"])
    errors: list[str] = []
    sections: dict[str, dict] = {}
    levels: list[dict] = []
    for row in reader:
        line = reader.line_num
        row = {k: (v or "").strip() for k, v in row.items() if k}
        if row.get("level"):
            level: dict[str, Any] = {
                "__line__": line,
                "__lines__": {},
                "level": int(row["level"]) if row["level"].isdigit() else row["level"],
                "name": row.get("level_name", ""),
                "description": row.get("level_description", ""),
            }
            if row.get("level_examples"):
                level["examples"] = row["level_examples"]
            seed = _seed_from_row(row, line, errors)
            if seed:
                level["seed"] = seed
            levels.append(level)
            continue
        key = row.get("section_key", "")
        if key not in sections:
            sections[key] = {
                "__line__": line,
                "__lines__": {},
                "key": key,
                "kind": row.get("section_kind", ""),
                "title": row.get("section_title", ""),
                "items": [],
            }
            if row.get("section_component"):
                sections[key]["component"] = row["section_component"]
            if row.get("section_guidance"):
                sections[key]["guidance"] = row["section_guidance"]
        item: dict[str, Any] = {
            "__line__": line,
            "__lines__": {},
            "key": row.get("key", ""),
            "problem": row.get("problem", ""),
            "target": row.get("target", ""),
            "tdf": _split(row.get("tdf", "")),
            "functions": _split(row.get("functions", "")),
            "sensitive": row.get("sensitive", "").lower() in {"true", "yes", "1"},
        }
        for name_ in ("primary", "secondary", "repairs"):
            if row.get(name_):
                item[name_] = row[name_]
        seed = _seed_from_row(row, line, errors)
        if seed:
            item["seed"] = seed
        sections[key]["items"].append(item)
    if errors:
        raise FrameworkFileError(errors)
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


@dataclass
class _Checker:
    """Collects every problem in a parsed framework file, each tied to a line."""

    subcomponents: set[str]
    tdf: set[str]
    functions: set[str]
    errors: list[str] = field(default_factory=list)

    def add(self, mapping: dict, key: str | None, message: str) -> None:
        line = mapping.get("__lines__", {}).get(key) if key else None
        self.errors.append(f"line {line or mapping.get('__line__', 1)}: {message}")

    def unknown(self, mapping: dict, allowed: set[str], what: str) -> None:
        for key in mapping:
            if not key.startswith("__") and key not in allowed:
                self.add(mapping, key, f"unknown field '{key}' in {what}")

    def text(self, mapping: dict, key: str, what: str, required: bool = True) -> None:
        value = mapping.get(key)
        if value is None or value == "":
            if required:
                self.add(mapping, key, f"{what} needs '{key}'")
        elif not isinstance(value, str):
            self.add(mapping, key, f"'{key}' of {what} must be text")

    def codes(self, mapping: dict, key: str, known: set[str], label: str) -> None:
        value = mapping.get(key) or []
        if not isinstance(value, list):
            self.add(mapping, key, f"'{key}' must be a list")
            return
        for code in value:
            if code not in known:
                self.add(mapping, key, f"unknown {label} '{code}'")


def check(data: dict) -> None:
    """Raise FrameworkFileError listing every problem in the parsed file, or return."""
    services.ensure_taxonomy()
    c = _Checker(
        subcomponents=set(ComBSubComponent.objects.values_list("code", flat=True)),
        tdf=set(TdfDomain.objects.values_list("slug", flat=True)),
        functions=set(InterventionFunction.objects.values_list("slug", flat=True)),
    )
    c.unknown(data, TOP_FIELDS, "the file")
    if data.get("format", FORMAT) != FORMAT:
        c.add(data, "format", f"format {data.get('format')!r} is not supported (use {FORMAT})")
    framework = data.get("framework")
    if not isinstance(framework, dict):
        c.add(data, "framework", "the file needs a 'framework' mapping with slug and name")
    else:
        c.unknown(framework, FRAMEWORK_FIELDS, "the framework")
        slug = framework.get("slug")
        if not isinstance(slug, str) or not SLUG.match(slug):
            c.add(
                framework,
                "slug",
                "the framework slug must be lowercase letters, digits and hyphens",
            )
        c.text(framework, "description", "the framework", required=False)
    if isinstance(data.get("version"), dict):
        c.unknown(data["version"], VERSION_FIELDS, "the version")
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
    levels = data.get("involvement_levels") or []
    if not isinstance(levels, list):
        c.add(data, "involvement_levels", "'involvement_levels' must be a list")
        levels = []
    seen_levels: set[int] = set()
    for level in levels:
        if not isinstance(level, dict):
            c.add(data, "involvement_levels", "each involvement level must be a mapping")
            continue
        c.unknown(level, LEVEL_FIELDS, "an involvement level")
        number = level.get("level")
        if not isinstance(number, int) or not 1 <= number <= 5:
            c.add(level, "level", "an involvement level must be a whole number from 1 to 5")
        elif number in seen_levels:
            c.add(level, "level", f"involvement level {number} appears twice")
        else:
            seen_levels.add(number)
        c.text(level, "name", "an involvement level")
        c.text(level, "description", "an involvement level")
    if c.errors:
        raise FrameworkFileError(sorted(set(c.errors), key=_line_number))


def _check_section(c: _Checker, section: dict, section_keys: set, item_keys: set) -> None:
    c.unknown(section, SECTION_FIELDS, "a section")
    key = section.get("key")
    if not isinstance(key, str) or not SLUG.match(key):
        c.add(section, "key", "a section key must be lowercase letters, digits and hyphens")
    elif key in section_keys:
        c.add(section, "key", f"section key '{key}' is used twice")
    else:
        section_keys.add(key)
    kind = section.get("kind")
    if kind not in SectionKind.values:
        c.add(section, "kind", f"section kind must be one of {', '.join(SectionKind.values)}")
    c.text(section, "title", "a section")
    component = section.get("component")
    if kind == SectionKind.BARRIERS and component not in taxonomy.COMPONENT_CODES:
        codes = ", ".join(code for code, _name in taxonomy.COM_B_COMPONENTS)
        c.add(section, "component", f"a barrier section needs a COM-B component ({codes})")
    if kind != SectionKind.BARRIERS and component:
        c.add(section, "component", "only barrier sections have a COM-B component")
    items = section.get("items")
    if not isinstance(items, list) or not items:
        c.add(section, "items", f"section '{key}' needs a non-empty list of items")
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
        c.add(item, "key", f"item key {key!r} must be {taxonomy.ITEM_KEY_RULE}")
    elif key in item_keys:
        c.add(item, "key", f"item key '{key}' is used twice")
    else:
        item_keys.add(key)
    c.text(item, "problem", f"item {key}")
    c.text(item, "target", f"item {key}")
    for name in ("primary", "secondary"):
        code = item.get(name)
        if code and code not in c.subcomponents:
            c.add(item, name, f"unknown COM-B sub-component '{code}'")
    if kind == SectionKind.BARRIERS:
        if not item.get("primary"):
            c.add(item, "primary", f"barrier {key} needs a primary COM-B sub-component")
        if not item.get("tdf"):
            c.add(item, "tdf", f"barrier {key} needs at least one TDF domain")
    if item.get("secondary") and item.get("secondary") == item.get("primary"):
        c.add(item, "secondary", f"item {key}: the secondary code repeats the primary")
    c.codes(item, "tdf", c.tdf, "TDF domain")
    c.codes(item, "functions", c.functions, "intervention function")
    if not isinstance(item.get("sensitive", False), bool):
        c.add(item, "sensitive", "'sensitive' must be true or false")


def _line_number(error: str) -> int:
    match = re.match(r"line (\d+)", error)
    return int(match.group(1)) if match else 0


@transaction.atomic
def import_framework(data: dict, *, publish: bool = False) -> FrameworkVersion:
    """Check a parsed file, then write it as the next version of its framework."""
    check(data)
    meta = data["framework"]
    framework, created = Framework.objects.get_or_create(
        slug=meta["slug"],
        defaults={
            "name": meta.get("name") or meta["slug"],
            "description": meta.get("description") or "",
        },
    )
    if not created and (meta.get("name") or meta.get("description")):
        framework.name = meta.get("name") or framework.name
        framework.description = meta.get("description") or framework.description
        framework.save()
    draft = framework.versions.filter(status=FrameworkVersion.Status.DRAFT).first()
    if draft:
        raise FrameworkFileError(
            [
                f"line {meta.get('__line__', 1)}: framework '{framework.slug}' already has an open "
                f"draft (version {draft.number}); publish or delete it before importing"
            ]
        )
    version = FrameworkVersion.objects.create(
        framework=framework,
        number=services.next_version_number(framework),
        notes=(data.get("version") or {}).get("notes", ""),
    )
    content.write_content(version, data)
    if publish:
        version = services.publish(version)
    return version


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
