"""A small coded framework version for the reports' tests: sections of barriers (each under a
COM-B component, its statements spread over the component's first two sub-components) and of
behaviours, published."""

from __future__ import annotations

from collections.abc import Collection, Mapping

from assessments import services
from assessments.models import ComBComponent, ComBSubComponent, Framework, FrameworkVersion
from tests import factories

# section key → (section kind, COM-B component code or None, statement keys)
Sections = Mapping[str, tuple[str, str | None, tuple[str, ...]]]


def coded_version(
    sections: Sections,
    *,
    framework: Framework | None = None,
    sensitive: Collection[str] = (),
    coded_as: Mapping[str, str] | None = None,
) -> FrameworkVersion:
    """Publish a version with these sections. `sensitive` names the private statements;
    `coded_as` codes a statement to another component than its section's (key → code)."""
    services.ensure_taxonomy()
    coded_as = coded_as or {}
    version = factories.FrameworkVersionFactory(**({"framework": framework} if framework else {}))
    for section_key, (kind, code, keys) in sections.items():
        component = ComBComponent.objects.get(code=code) if code else None
        section = factories.FrameworkSectionFactory(
            version=version, key=section_key, kind=kind, component=component
        )
        for number, key in enumerate(keys):
            own = coded_as.get(key, code)
            choices = list(ComBSubComponent.objects.filter(component__code=own)[:2]) if own else []
            factories.FrameworkItemFactory(
                section=section,
                key=key,
                is_sensitive=key in sensitive,
                primary_subcomponent=choices[number % len(choices)] if choices else None,
            )
    return services.publish(version, allow_meaning_changes=True)
