"""Framework versions: published versions are immutable; change happens in a draft."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from assessments import content, services
from assessments.models import (
    FrameworkItem,
    FrameworkSection,
    FrameworkVersion,
    InterventionFunction,
    InvolvementLevel,
    PublishedVersionLocked,
    SectionKind,
    TdfDomain,
)


@pytest.fixture
def framework(published_version):
    return published_version.framework


@pytest.fixture
def draft(framework):
    return services.create_draft(framework)


def item_snapshot(version):
    """Everything that describes a version's items, keyed by item key."""
    items = version.items.select_related("section").prefetch_related(
        "tdf_domains", "intervention_functions"
    )
    return {
        item.key: {
            "section": item.section.key,
            "order": item.order,
            "problem": item.problem_text,
            "target": item.target_text,
            "primary": item.primary_subcomponent_id,
            "secondary": item.secondary_subcomponent_id,
            "tdf": sorted(d.slug for d in item.tdf_domains.all()),
            "functions": sorted(f.slug for f in item.intervention_functions.all()),
            "sensitive": item.is_sensitive,
            "source": item.source,
            "repairs": item.repairs,
        }
        for item in items
    }


def section_snapshot(version):
    return list(
        version.sections.values_list(
            "key", "kind", "title", "component_id", "guidance", "order", "source"
        )
    )


def level_snapshot(version):
    return list(
        version.involvement_levels.values_list("level", "name", "description", "examples", "source")
    )


# Published versions cannot change


def test_published_item_cannot_be_edited(published_version):
    item = published_version.items.get(key="C1")
    original = item.target_text
    item.target_text = "Something else"

    with pytest.raises(PublishedVersionLocked):
        item.save()

    assert FrameworkItem.objects.get(pk=item.pk).target_text == original


def test_published_item_cannot_be_deleted(published_version):
    item = published_version.items.get(key="C1")

    with pytest.raises(PublishedVersionLocked):
        item.delete()

    assert published_version.items.filter(key="C1").exists()


def test_published_item_cannot_be_moved_into_a_draft(published_version, draft):
    # Saving checks the version the item is being saved into, so a published row can be
    # re-pointed at a draft: the published version then silently loses the item.
    item = published_version.items.get(key="C1")
    item.version = draft
    item.section = draft.sections.get(key=item.section.key)
    item.key = "C1-MOVED"

    with pytest.raises(PublishedVersionLocked):
        item.save()

    assert published_version.items.filter(key="C1").exists()


def test_no_item_can_be_added_to_a_published_version(published_version):
    section = published_version.sections.get(key="capability")
    before = published_version.items.count()

    with pytest.raises(PublishedVersionLocked):
        FrameworkItem.objects.create(
            version=published_version,
            section=section,
            key="C99",
            problem_text="Lack of something",
            target_text="Have something",
        )

    assert published_version.items.count() == before


def test_no_section_can_be_added_to_a_published_version(published_version):
    before = published_version.sections.count()

    with pytest.raises(PublishedVersionLocked):
        FrameworkSection.objects.create(
            version=published_version, key="extra", kind=SectionKind.OUTCOMES, title="Extra"
        )

    assert published_version.sections.count() == before


def test_published_section_cannot_be_renamed(published_version):
    section = published_version.sections.get(key="capability")
    section.title = "Renamed"

    with pytest.raises(PublishedVersionLocked):
        section.save()

    assert FrameworkSection.objects.get(pk=section.pk).title == "Capability"


def test_no_involvement_level_can_be_added_to_a_published_version(published_version):
    before = published_version.involvement_levels.count()

    with pytest.raises(PublishedVersionLocked):
        InvolvementLevel.objects.create(
            version=published_version, level=3, name="Extra", description="Extra level"
        )

    assert published_version.involvement_levels.count() == before


def test_published_involvement_level_cannot_be_deleted(published_version):
    level = published_version.involvement_levels.get(level=1)

    with pytest.raises(PublishedVersionLocked):
        level.delete()

    assert published_version.involvement_levels.filter(level=1).exists()


def test_published_item_tdf_coding_cannot_be_changed(published_version):
    # The related manager writes inside atomic(savepoint=False): the refusal rolls back the
    # enclosing transaction, so each attempt gets its own savepoint here.
    item = published_version.items.get(key="C1")
    before = set(item.tdf_domains.values_list("slug", flat=True))
    extra = TdfDomain.objects.exclude(slug__in=before).first()

    with pytest.raises(PublishedVersionLocked), transaction.atomic():
        item.tdf_domains.add(extra)

    assert set(item.tdf_domains.values_list("slug", flat=True)) == before


def test_published_item_tdf_coding_cannot_be_cleared(published_version):
    item = published_version.items.get(key="C1")
    before = set(item.tdf_domains.values_list("slug", flat=True))

    with pytest.raises(PublishedVersionLocked), transaction.atomic():
        item.tdf_domains.clear()

    assert set(item.tdf_domains.values_list("slug", flat=True)) == before


def test_published_item_functions_cannot_be_replaced(published_version):
    item = published_version.items.get(key="C1")
    before = set(item.intervention_functions.values_list("slug", flat=True))

    with pytest.raises(PublishedVersionLocked), transaction.atomic():
        item.intervention_functions.set(InterventionFunction.objects.filter(slug="coercion"))

    assert set(item.intervention_functions.values_list("slug", flat=True)) == before


def test_published_item_tdf_coding_cannot_be_changed_from_the_domain_side(published_version):
    # The m2m_changed guard only looks at `instance` when it is a FrameworkItem; from the
    # TdfDomain side the instance is the domain and the published item is in `pk_set`.
    item = published_version.items.get(key="C1")
    before = set(item.tdf_domains.values_list("slug", flat=True))
    extra = TdfDomain.objects.exclude(slug__in=before).first()

    with pytest.raises(PublishedVersionLocked), transaction.atomic():
        extra.items.add(item)

    assert set(item.tdf_domains.values_list("slug", flat=True)) == before


def test_published_version_cannot_be_saved(published_version):
    published_version.notes = "Rewritten history"

    with pytest.raises(PublishedVersionLocked):
        published_version.save()

    assert FrameworkVersion.objects.get(pk=published_version.pk).notes != "Rewritten history"


def test_published_version_cannot_be_set_back_to_draft(published_version):
    published_version.status = FrameworkVersion.Status.DRAFT
    published_version.published_at = None

    with pytest.raises(PublishedVersionLocked):
        published_version.save()

    assert FrameworkVersion.objects.get(pk=published_version.pk).is_published


def test_published_version_cannot_be_deleted(published_version):
    with pytest.raises(PublishedVersionLocked):
        published_version.delete()

    assert FrameworkVersion.objects.filter(pk=published_version.pk).exists()
    assert published_version.items.exists()


# Drafts


def test_draft_is_version_2_and_a_draft(draft):
    assert draft.number == 2
    assert draft.status == FrameworkVersion.Status.DRAFT
    assert draft.published_at is None


def test_draft_copies_every_item_with_its_coding(published_version, draft):
    assert item_snapshot(draft) == item_snapshot(published_version)


def test_draft_copies_every_section(published_version, draft):
    assert section_snapshot(draft) == section_snapshot(published_version)


def test_draft_copies_every_involvement_level(published_version, draft):
    assert level_snapshot(draft) == level_snapshot(published_version)


def test_draft_holds_what_an_export_of_its_source_holds(published_version, draft):
    assert content.version_content(draft) == content.version_content(published_version)


def test_next_draft_copies_the_edits_published_in_the_last_one(framework, draft):
    item = draft.items.get(key="C1")
    item.target_text = "Have a working knowledge of personality difficulties"
    item.save()
    item.tdf_domains.set(TdfDomain.objects.filter(slug="knowledge"))
    draft.involvement_levels.filter(level=1).update(examples="A leaflet")
    services.publish(draft, allow_meaning_changes=True)

    third = services.create_draft(framework)

    copied = third.items.get(key="C1")
    assert copied.target_text == item.target_text
    assert list(copied.tdf_domains.values_list("slug", flat=True)) == ["knowledge"]
    assert third.involvement_levels.get(level=1).examples == "A leaflet"


def test_draft_copies_a_section_that_has_no_items(framework, draft):
    FrameworkSection.objects.create(
        version=draft, key="notes", kind=SectionKind.OUTCOMES, title="Notes", order=99
    )
    services.publish(draft)

    third = services.create_draft(framework)

    assert third.sections.get(key="notes").items.count() == 0


def test_draft_items_are_new_rows_in_the_drafts_own_sections(published_version, draft):
    draft_item_ids = set(draft.items.values_list("pk", flat=True))
    draft_sections_of_items = set(draft.items.values_list("section__version", flat=True))

    assert draft_item_ids.isdisjoint(published_version.items.values_list("pk", flat=True))
    assert draft_sections_of_items == {draft.pk}


def test_opening_a_draft_leaves_the_published_version_intact(published_version):
    items_before = item_snapshot(published_version)
    sections_before = section_snapshot(published_version)
    levels_before = level_snapshot(published_version)

    services.create_draft(published_version.framework)

    assert item_snapshot(published_version) == items_before
    assert section_snapshot(published_version) == sections_before
    assert level_snapshot(published_version) == levels_before


def test_opening_a_draft_twice_returns_the_same_draft(framework, draft):
    again = services.create_draft(framework)

    assert again.pk == draft.pk
    assert framework.versions.filter(status=FrameworkVersion.Status.DRAFT).count() == 1


def test_draft_item_can_be_edited(draft):
    item = draft.items.get(key="C1")
    item.target_text = "Have a working knowledge of personality difficulties"
    item.save()

    assert FrameworkItem.objects.get(pk=item.pk).target_text == item.target_text


def test_draft_item_coding_can_be_changed(draft):
    item = draft.items.get(key="C1")
    before = set(item.tdf_domains.values_list("slug", flat=True))
    extra = TdfDomain.objects.exclude(slug__in=before).first()

    item.tdf_domains.add(extra)

    assert set(item.tdf_domains.values_list("slug", flat=True)) == before | {extra.slug}


def test_editing_a_draft_item_leaves_the_published_item_alone(published_version, draft):
    item = draft.items.get(key="C1")
    item.target_text = "Have a working knowledge of personality difficulties"
    item.save()
    item.tdf_domains.clear()

    published = published_version.items.get(key="C1")
    assert published.target_text != item.target_text
    assert published.tdf_domains.exists()


# Publishing


def test_publishing_a_draft_makes_it_current(framework, draft):
    services.publish(draft)

    current = framework.current_version()
    assert current.pk == draft.pk
    assert current.number == 2


def test_publishing_a_draft_sets_its_publication_date(draft):
    published = services.publish(draft)

    assert published.published_at is not None
    assert FrameworkVersion.objects.get(pk=draft.pk).published_at == published.published_at


def test_published_draft_becomes_immutable(draft):
    services.publish(draft)
    item = draft.items.get(key="C1")
    item.target_text = "Too late"

    with pytest.raises(PublishedVersionLocked):
        item.save()


def test_publishing_an_already_published_version_is_refused(published_version):
    published_at = published_version.published_at

    with pytest.raises(PublishedVersionLocked):
        services.publish(published_version)

    assert FrameworkVersion.objects.get(pk=published_version.pk).published_at == published_at


def test_draft_with_an_uncoded_barrier_cannot_be_published(draft):
    item = draft.items.get(key="C5")
    item.primary_subcomponent = None
    item.save()

    with pytest.raises(ValidationError) as excinfo:
        services.publish(draft)

    assert any("C5" in message for message in excinfo.value.messages)
    assert FrameworkVersion.objects.get(pk=draft.pk).status == FrameworkVersion.Status.DRAFT


def test_uncoded_barrier_is_named_in_the_publication_problems(draft):
    draft.items.filter(key__in=["C5", "M2"]).update(primary_subcomponent=None)

    problems = services.publication_problems(draft)

    assert len(problems) == 1
    assert "C5" in problems[0]
    assert "M2" in problems[0]


def test_uncoded_behaviour_does_not_block_publication(draft):
    assert draft.items.get(key="S1").primary_subcomponent is None
    assert services.publication_problems(draft) == []


def test_empty_draft_cannot_be_published(draft):
    draft.items.all().delete()

    assert services.publication_problems(draft) == ["The version has no items."]


# The database backs the rules up


def test_database_refuses_a_second_draft_for_a_framework(framework, draft):
    with pytest.raises(IntegrityError), transaction.atomic():
        FrameworkVersion.objects.create(framework=framework, number=3)

    assert framework.versions.filter(status=FrameworkVersion.Status.DRAFT).count() == 1


def test_database_refuses_a_repeated_version_number(framework, draft):
    services.publish(draft)

    with pytest.raises(IntegrityError), transaction.atomic():
        FrameworkVersion.objects.create(framework=framework, number=2)

    assert framework.versions.count() == 2
