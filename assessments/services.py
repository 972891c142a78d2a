"""Framework operations that write: reference data, drafts and publishing.

Drafts and publishing leave history rows (docs/audit.md): the acting user comes from the
request (simple-history's middleware) or from `user`, and is None for a command.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from accounts.models import User

from . import content, meaning, taxonomy
from .models import (
    ComBComponent,
    ComBSubComponent,
    Framework,
    FrameworkItem,
    FrameworkVersion,
    InterventionFunction,
    InvolvementLevel,
    PublishedVersionLocked,
    SectionKind,
    TdfDomain,
)


@transaction.atomic
def ensure_taxonomy() -> None:
    """Create or refresh the COM-B, TDF and BCW reference rows; safe to call repeatedly."""
    components = {}
    for order, (code, name) in enumerate(taxonomy.COM_B_COMPONENTS):
        components[code], _ = ComBComponent.objects.update_or_create(
            code=code, defaults={"name": name, "order": order}
        )
    subcomponents = {}
    for order, (code, component, name, definition) in enumerate(taxonomy.COM_B_SUBCOMPONENTS):
        subcomponents[code], _ = ComBSubComponent.objects.update_or_create(
            code=code,
            defaults={
                "component": components[component],
                "name": name,
                "definition": definition,
                "order": order,
            },
        )
    functions = {}
    for order, (slug, name, definition, service_only) in enumerate(taxonomy.INTERVENTION_FUNCTIONS):
        functions[slug], _ = InterventionFunction.objects.update_or_create(
            slug=slug,
            defaults={
                "name": name,
                "definition": definition,
                "service_level_only": service_only,
                "order": order,
            },
        )
    for slug, number, name, codes in taxonomy.TDF_DOMAINS:
        domain, _ = TdfDomain.objects.update_or_create(
            slug=slug, defaults={"number": number, "name": name}
        )
        domain.subcomponents.set([subcomponents[c] for c in codes])
        domain.intervention_functions.set(
            [functions[f] for f in taxonomy.TDF_INTERVENTION_FUNCTIONS[slug]]
        )


def next_version_number(framework: Framework) -> int:
    highest = framework.versions.aggregate(n=Max("number"))["n"]
    return (highest or 0) + 1


def record_content_history(
    version: FrameworkVersion, *, user: User | None = None, reason: str = ""
) -> None:
    """Write the creation history rows of the items and involvement levels of `version`, which
    `content.write_content` creates in bulk (bulk writes record no history by themselves)."""
    for model in (FrameworkItem, InvolvementLevel):
        created = list(model.objects.filter(version=version))
        model.history.bulk_history_create(created, default_user=user, default_change_reason=reason)


@transaction.atomic
def create_draft(framework: Framework, *, user: User | None = None) -> FrameworkVersion:
    """Open a draft copied from the newest published version, or return the open draft.

    Items keep their keys, so the draft is the same framework, ready to be edited. The draft
    and its copied content get history rows naming `user` (or the request's user).
    """
    framework = Framework.objects.select_for_update().get(pk=framework.pk)
    existing = framework.versions.filter(status=FrameworkVersion.Status.DRAFT).first()
    if existing:
        return existing
    source = framework.current_version()
    draft = FrameworkVersion(
        framework=framework,
        number=next_version_number(framework),
        notes=f"Draft based on version {source.number}." if source else "",
    )
    reason = "new draft"
    _mark_history(draft, user, reason)
    draft.save()
    if source:
        content.write_content(draft, content.version_content(source))
        record_content_history(draft, user=user, reason=reason)
    return draft


def publication_problems(version: FrameworkVersion) -> list[str]:
    """What stops a version from being published; empty when it is ready."""
    problems = []
    if not version.items.exists():
        problems.append("The version has no items.")
    uncoded = version.items.filter(
        section__kind=SectionKind.BARRIERS, primary_subcomponent__isnull=True
    ).values_list("key", flat=True)
    if uncoded:
        problems.append(f"Barriers without a COM-B sub-component: {', '.join(uncoded)}.")
    untargeted = version.items.rated().filter(target_text="").values_list("key", flat=True)
    if untargeted:
        problems.append(f"Rated items without a target form: {', '.join(untargeted)}.")
    return problems


@transaction.atomic
def publish(
    version: FrameworkVersion,
    *,
    allow_meaning_changes: bool = False,
    user: User | None = None,
) -> FrameworkVersion:
    """Publish a draft; from then on it is immutable and questionnaires use it.

    A draft that changes what an existing key means (`meaning.meaning_changes` against the
    newest published version) raises `meaning.MeaningChanged` unless `allow_meaning_changes`.
    The version's history row names `user` (or the request's user) and the reason "published".
    """
    version = FrameworkVersion.objects.select_for_update().get(pk=version.pk)
    if version.is_published:
        raise PublishedVersionLocked()
    problems = publication_problems(version)
    if problems:
        raise ValidationError(problems)
    if not allow_meaning_changes:
        previous = version.framework.current_version()
        changes = meaning.meaning_changes(previous, version)
        if previous and changes:
            raise meaning.MeaningChanged(previous, changes)
    version.status = FrameworkVersion.Status.PUBLISHED
    version.published_at = timezone.now()
    _mark_history(version, user, "published")
    version.save()
    return version


def _mark_history(instance: FrameworkVersion, user: User | None, reason: str) -> None:
    """Name the user and reason on the history row the next save writes."""
    if user is not None:
        instance._history_user = user  # type: ignore[attr-defined]
    instance._change_reason = reason  # type: ignore[attr-defined]
