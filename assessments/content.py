"""The content of a framework version (sections, items with their coding, involvement levels) as
a plain structure, read from a version and written into one.

One reader and one writer serve both the file import/export (`framework_io`) and new drafts
(`services.create_draft`), so a draft always holds exactly what an export of its source would.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from . import taxonomy
from .models import (
    ComBComponent,
    ComBSubComponent,
    FrameworkItem,
    FrameworkSection,
    FrameworkVersion,
    InterventionFunction,
    InvolvementLevel,
    TdfDomain,
)

# Lists of TDF domains and intervention functions are written in taxonomy order (the order of
# `taxonomy.TDF_DOMAINS` and `taxonomy.INTERVENTION_FUNCTIONS`), so an export is stable.
TDF_ORDER = {slug: order for order, (slug, *_rest) in enumerate(taxonomy.TDF_DOMAINS)}
FUNCTION_ORDER = {
    slug: order for order, (slug, *_rest) in enumerate(taxonomy.INTERVENTION_FUNCTIONS)
}


def functions_for_tdf(tdf: Iterable[str]) -> list[str]:
    """The intervention functions that TDF domains map to: their union, in taxonomy order."""
    slugs = {f for domain in tdf for f in taxonomy.TDF_INTERVENTION_FUNCTIONS[domain]}
    return sorted(slugs, key=FUNCTION_ORDER.__getitem__)


def version_content(version: FrameworkVersion) -> dict[str, list[dict[str, Any]]]:
    """A version's sections (each with its items) and involvement levels, in order, as the
    plain structure the framework file holds under `sections` and `involvement_levels`."""
    items_by_section: dict[int, list[dict[str, Any]]] = {}
    items = version.items.select_related(
        "primary_subcomponent", "secondary_subcomponent"
    ).prefetch_related("tdf_domains", "intervention_functions")
    for item in items:
        items_by_section.setdefault(item.section_id, []).append(_item_content(item))
    sections = []
    for section in version.sections.select_related("component"):
        entry: dict[str, Any] = {"key": section.key, "kind": section.kind, "title": section.title}
        if section.component:
            entry["component"] = section.component.code
        if section.guidance:
            entry["guidance"] = section.guidance
        if section.source:
            entry["seed"] = section.source
        entry["items"] = items_by_section.get(section.pk, [])
        sections.append(entry)
    levels = []
    for level in version.involvement_levels.all():
        entry = {"level": level.level, "name": level.name, "description": level.description}
        if level.examples:
            entry["examples"] = level.examples
        if level.source:
            entry["seed"] = level.source
        levels.append(entry)
    return {"sections": sections, "involvement_levels": levels}


def _item_content(item: FrameworkItem) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "key": item.key,
        "problem": item.problem_text,
        "target": item.target_text,
    }
    if item.primary_subcomponent:
        entry["primary"] = item.primary_subcomponent.code
    if item.secondary_subcomponent:
        entry["secondary"] = item.secondary_subcomponent.code
    tdf = sorted((d.slug for d in item.tdf_domains.all()), key=TDF_ORDER.__getitem__)
    functions = sorted(
        (f.slug for f in item.intervention_functions.all()), key=FUNCTION_ORDER.__getitem__
    )
    if tdf:
        entry["tdf"] = tdf
    if functions:
        entry["functions"] = functions
    entry["sensitive"] = item.is_sensitive
    if item.in_session:  # left out when false, its default, so other files read as before
        entry["in_session"] = True
    if item.source:
        entry["seed"] = item.source
    if item.repairs:
        entry["repairs"] = item.repairs
    return entry


def write_content(version: FrameworkVersion, data: dict[str, Any]) -> None:
    """Create the sections, items (with their coding) and involvement levels in `data` (the
    structure `version_content` returns, or a checked framework file) in an empty draft."""
    components = {c.code: c for c in ComBComponent.objects.all()}
    subcomponents = {s.code: s for s in ComBSubComponent.objects.all()}
    tdf = {d.slug: d for d in TdfDomain.objects.all()}
    functions = {f.slug: f for f in InterventionFunction.objects.all()}
    items, tdf_links, function_links = [], [], []
    for order, spec in enumerate(data["sections"]):
        section = FrameworkSection.objects.create(
            version=version,
            key=spec["key"],
            kind=spec["kind"],
            title=spec["title"],
            component=components.get(spec.get("component") or ""),
            guidance=spec.get("guidance") or "",
            order=order,
            source=_clean(spec.get("seed") or {}),
        )
        for item_order, it in enumerate(spec["items"]):
            item = FrameworkItem(
                version=version,
                section=section,
                key=it["key"],
                order=item_order,
                problem_text=it["problem"].strip(),
                target_text=(it.get("target") or "").strip(),
                primary_subcomponent=subcomponents.get(it.get("primary") or ""),
                secondary_subcomponent=subcomponents.get(it.get("secondary") or ""),
                is_sensitive=bool(it.get("sensitive", False)),
                in_session=it.get("in_session") is True,
                source=_clean(it.get("seed") or {}),
                repairs=(it.get("repairs") or "").strip(),
            )
            items.append(item)
            tdf_links.append([tdf[s] for s in it.get("tdf") or []])
            function_links.append([functions[s] for s in it.get("functions") or []])
    FrameworkItem.objects.bulk_create(items)
    through_tdf = FrameworkItem.tdf_domains.through
    through_if = FrameworkItem.intervention_functions.through
    through_tdf.objects.bulk_create(
        through_tdf(frameworkitem=item, tdfdomain=d)
        for item, domains in zip(items, tdf_links, strict=True)
        for d in domains
    )
    through_if.objects.bulk_create(
        through_if(frameworkitem=item, interventionfunction=f)
        for item, fns in zip(items, function_links, strict=True)
        for f in fns
    )
    InvolvementLevel.objects.bulk_create(
        InvolvementLevel(
            version=version,
            level=spec["level"],
            name=spec["name"],
            description=spec["description"],
            examples=spec.get("examples") or "",
            source=_clean(spec.get("seed") or {}),
        )
        for spec in data.get("involvement_levels") or []
    )


def _clean(value: Any) -> Any:
    """Drop the YAML loader's line bookkeeping and empty lists from seed references, so that an
    authored text (no seed line) reads the same whichever format it came through."""
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items() if not k.startswith("__") and v != []}
    if isinstance(value, list):
        return [_clean(v) for v in value]
    return value
