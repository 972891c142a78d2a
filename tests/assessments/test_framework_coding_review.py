"""The framework's coding review (version 2, docs/seed-repairs.md, "Coding review (version 2)"):
version 1 is kept in fixtures/framework/history/comb-pd-v1.yaml and version 2 in
history/comb-pd-v2.yaml; version 2 changes only coding (sub-components, TDF domains, intervention
functions), never keys or texts. The shipped file (version 3) re-voices the targets and keeps
version 2's coding (test_framework_one_voice.py), so the coding decisions are checked on it.

Rule under test: Coercion and Restriction (service-level only) sit only on service-level items,
those whose primary code is an opportunity (O-Ph, O-So); every other item is individual-level.
"""

import re

import pytest
from django.conf import settings

from assessments.framework_io import import_framework, parse_yaml
from assessments.models import Framework, FrameworkItem, InterventionFunction

VERSION_1 = settings.BASE_DIR / "fixtures" / "framework" / "history" / "comb-pd-v1.yaml"
VERSION_2 = settings.BASE_DIR / "fixtures" / "framework" / "history" / "comb-pd-v2.yaml"
REPAIRS_DOCUMENT = settings.BASE_DIR / "docs" / "seed-repairs.md"
CODING_FIELDS = ("primary", "secondary", "tdf", "functions")
SERVICE_LEVEL_CODES = {"O-Ph", "O-So"}
LINE_MARKERS = {"__line__", "__lines__"}  # added by parse_yaml for its error messages


def version_1_text() -> str:
    return VERSION_1.read_text(encoding="utf-8")


def version_2_text() -> str:
    return VERSION_2.read_text(encoding="utf-8")


def current_text() -> str:
    return settings.FRAMEWORK_FIXTURE.read_text(encoding="utf-8")


def without_lines(node):
    """A parsed document without the line numbers the parser keeps for error messages."""
    if isinstance(node, dict):
        return {k: without_lines(v) for k, v in node.items() if k not in LINE_MARKERS}
    if isinstance(node, list):
        return [without_lines(value) for value in node]
    return node


def file_items(text: str) -> dict[str, dict]:
    data = without_lines(parse_yaml(text))
    return {item["key"]: item for section in data["sections"] for item in section["items"]}


def without_coding(text: str) -> dict:
    """The whole document with each item's coding and the version notes taken out."""
    data = without_lines(parse_yaml(text))
    data.pop("version", None)
    for section in data["sections"]:
        section["items"] = [
            {field: value for field, value in item.items() if field not in CODING_FIELDS}
            for item in section["items"]
        ]
    return data


def coding(item: dict) -> tuple:
    return (
        item.get("primary"),
        item.get("secondary"),
        sorted(item.get("tdf") or []),
        sorted(item.get("functions") or []),
    )


def changed_keys() -> set[str]:
    before, after = file_items(version_1_text()), file_items(version_2_text())
    return {key for key in after if coding(after[key]) != coding(before[key])}


def item(version, key: str) -> FrameworkItem:
    return version.items.select_related("primary_subcomponent", "secondary_subcomponent").get(
        key=key
    )


def tdf_of(item: FrameworkItem) -> set[str]:
    return {domain.slug for domain in item.tdf_domains.all()}


def functions_of(item: FrameworkItem) -> set[str]:
    return {function.slug for function in item.intervention_functions.all()}


def is_service_level(item: FrameworkItem) -> bool:
    code = item.primary_subcomponent.code if item.primary_subcomponent else ""
    return code in SERVICE_LEVEL_CODES


def coded_items(version) -> list[FrameworkItem]:
    return list(
        version.items.exclude(primary_subcomponent=None)
        .select_related("primary_subcomponent", "secondary_subcomponent")
        .prefetch_related(
            "tdf_domains__subcomponents",
            "tdf_domains__intervention_functions",
            "intervention_functions",
        )
    )


def coding_review_section() -> str:
    document = REPAIRS_DOCUMENT.read_text(encoding="utf-8")
    start = document.index("## Coding review (version 2)")
    following = document.find("\n## ", start + 1)
    return document[start:] if following == -1 else document[start:following]


# The shipped file


def test_shipped_framework_imports_and_publishes(published_version):
    assert published_version.is_published
    assert published_version.items.count() == len(file_items(current_text()))


def test_version_2_keeps_the_keys_and_texts_of_version_1():
    before, after = file_items(version_1_text()), file_items(version_2_text())

    assert list(after) == list(before)
    assert {k: (i["problem"], i.get("target")) for k, i in after.items()} == {
        k: (i["problem"], i.get("target")) for k, i in before.items()
    }


def test_version_2_differs_from_version_1_only_in_coding_and_notes():
    assert without_coding(version_2_text()) == without_coding(version_1_text())


def test_coding_review_changed_some_items():
    assert changed_keys()


def test_version_2_notes_say_what_changed_and_where_the_reasoning_is():
    notes = parse_yaml(version_2_text())["version"]["notes"]

    assert "docs/seed-repairs.md" in notes
    assert {"VE1", "CR2", "PI1", "M11"} <= set(re.findall(r"[A-Z]{1,2}\d{1,2}", notes))


# The decisions


def test_compulsory_treatment_item_is_a_belief_about_consequences_not_a_skill(published_version):
    compulsory = item(published_version, "VE1")

    assert compulsory.primary_subcomponent.code == "M-Re"
    assert tdf_of(compulsory) == {"beliefs-about-consequences"}
    assert "training" not in functions_of(compulsory)


def test_competent_adult_item_is_a_belief_about_role_and_responsibility_not_a_skill(
    published_version,
):
    competent_adult = item(published_version, "CR2")

    assert competent_adult.primary_subcomponent.code == "M-Re"
    assert tdf_of(competent_adult) == {"social-professional-role-identity"}
    assert "training" not in functions_of(competent_adult)


def test_patient_involvement_in_services_is_a_service_level_opportunity(published_version):
    involvement = item(published_version, "PI1")

    assert involvement.primary_subcomponent.code == "O-So"
    assert involvement.secondary_subcomponent.code == "O-Ph"
    assert tdf_of(involvement) == {"social-influences", "environmental-context-resources"}


def test_only_coercion_and_restriction_are_service_level_only(published_version):
    service_level = InterventionFunction.objects.filter(service_level_only=True)

    assert set(service_level.values_list("slug", flat=True)) == {"coercion", "restriction"}


def test_no_individual_level_item_offers_a_service_level_only_function(published_version):
    items = published_version.items.select_related("primary_subcomponent").prefetch_related(
        "intervention_functions"
    )
    offered = [
        (i.key, function.slug)
        for i in items
        if not is_service_level(i)
        for function in i.intervention_functions.all()
        if function.service_level_only
    ]

    assert offered == []


def test_service_level_opportunities_keep_restriction(published_version):
    service_level = [i for i in coded_items(published_version) if is_service_level(i)]

    assert {i.key for i in service_level} == {f"O{n}" for n in range(1, 11)} | {"PI1"}
    assert [i.key for i in service_level if "restriction" not in functions_of(i)] == []


def test_burnout_item_is_not_offered_incentivisation(published_version):
    burnout = item(published_version, "M11")

    assert "burnout" in burnout.problem_text
    assert "incentivisation" not in functions_of(burnout)


def test_incentivisation_is_offered_to_individuals_only_where_reinforcement_calls_for_it(
    published_version,
):
    incentivised = {
        i.key: tdf_of(i)
        for i in coded_items(published_version)
        if not is_service_level(i) and "incentivisation" in functions_of(i)
    }

    assert list(incentivised) == ["M10"]
    assert "reinforcement" in incentivised["M10"]


def test_every_coded_items_functions_are_ones_its_tdf_domains_call_for(published_version):
    unexplained = []
    for coded in coded_items(published_version):
        allowed = {f.slug for d in coded.tdf_domains.all() for f in d.intervention_functions.all()}
        extra = {f.slug for f in coded.intervention_functions.all()} - allowed
        if extra:
            unexplained.append((coded.key, sorted(extra)))

    assert unexplained == []


def test_every_coded_items_tdf_domains_map_to_its_sub_components(published_version):
    unmapped = []
    for coded in coded_items(published_version):
        codes = {coded.primary_subcomponent.code}
        if coded.secondary_subcomponent:
            codes.add(coded.secondary_subcomponent.code)
        for domain in coded.tdf_domains.all():
            if not codes & {s.code for s in domain.subcomponents.all()}:
                unmapped.append((coded.key, domain.slug))

    assert unmapped == []


# Both versions, one after the other


@pytest.fixture
def both_versions(db):
    first = import_framework(parse_yaml(version_1_text()), publish=True)
    second = import_framework(parse_yaml(version_2_text()), publish=True)
    return first, second


def test_importing_version_1_then_version_2_gives_two_published_versions(both_versions):
    framework = Framework.objects.get(slug="comb-pd")

    published = framework.versions.published().order_by("number")

    assert list(published.values_list("number", flat=True)) == [1, 2]
    assert framework.current_version() == both_versions[1]


def test_both_published_versions_hold_the_same_item_keys(both_versions):
    first, second = both_versions

    def keys(version):
        return list(version.items.order_by("section__order", "order").values_list("key", flat=True))

    assert keys(first) == keys(second)


def test_version_1_keeps_its_old_coding_after_version_2_is_published(both_versions):
    first, second = both_versions

    assert item(first, "VE1").primary_subcomponent.code == "C-Ps"
    assert item(second, "VE1").primary_subcomponent.code == "M-Re"


# The record of the review


def test_repairs_document_records_every_coding_change():
    section = coding_review_section()

    assert [key for key in sorted(changed_keys()) if f"| {key} |" not in section] == []


def test_repairs_document_states_the_rule_and_the_apease_review():
    section = coding_review_section()

    assert "service-level only" in section.lower()
    assert "APEASE" in section
