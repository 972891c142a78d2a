"""The shipped framework (fixtures/framework/comb-pd.yaml) holds every line of its seed texts.

The expected values here are computed from the raw seeds in fixtures/seeds/, not copied from the
framework file, so a line dropped or mis-cited in the framework shows up as a failure.

Whether each text still resembles its seed line is checked on version 1
(fixtures/framework/history/comb-pd-v1.yaml), whose texts are the repaired seed texts: version 3
re-voices every target in the first person ("One voice (version 3)" in docs/seed-repairs.md), a
grammatical edit that a similarity score cannot tell from drift. Everything else is checked on the
shipped file.
"""

import difflib
import re
from collections import Counter

import pytest
from django.conf import settings

from assessments.framework_io import import_framework, parse_yaml
from assessments.models import SectionKind, item_key_validator

SIMILARITY_THRESHOLD = 0.75
VERSION_1 = settings.BASE_DIR / "fixtures" / "framework" / "history" / "comb-pd-v1.yaml"
GLYPHS = re.compile(r"\$\\bullet\$|[•·]")
KEY_RANGE = re.compile(r"\b([A-Z]+)(\d+)[\u2013-]([A-Z]+)(\d+)\b")  # en dash or hyphen
KEY = re.compile(r"(?<![A-Za-z0-9-])[A-Z]{1,3}\d{1,2}(?![A-Za-z0-9])")


# Seed parsing


def seed_lines(number):
    """The lines of seed file `number` ("000" or "004"); index 0 is line 1."""
    path = next((settings.BASE_DIR / "fixtures" / "seeds").glob(f"{number}_*.txt"))
    return path.read_text(encoding="utf-8").splitlines()


def is_000_heading(text):
    return text.startswith("#") or text.endswith(":")


def content_lines_000(lines):
    """Bullet lines, plus any other non-empty line that is not a heading (line 204)."""
    return {
        number
        for number, line in enumerate(lines, start=1)
        if (text := line.strip()) and (text.startswith("-") or not is_000_heading(text))
    }


def clean_004(line):
    return line.replace("\xa0", " ").strip()


def is_004_heading(text):
    """A short title: capitalised, no full stop, fewer than eight words.

    The tail of a wrapped sentence (line 37, "input:") is short too, but starts in lower case.
    """
    return text[0].isupper() and "." not in text and len(text.split()) < 8


def content_lines_004(lines):
    return {
        number
        for number, line in enumerate(lines, start=1)
        if (text := clean_004(line)) and not is_004_heading(text)
    }


def content_lines():
    return {
        "000": content_lines_000(seed_lines("000")),
        "004": content_lines_004(seed_lines("004")),
    }


def heading_level(text):
    return len(text) - len(text.lstrip("#"))


def bullet_lines_under(lines, heading, ends_at):
    """Line numbers of the bullets after the first `heading`, up to a line where `ends_at`."""
    start = next(i for i, line in enumerate(lines) if line.strip() == heading)
    bullets = []
    for number, line in enumerate(lines[start + 1 :], start=start + 2):
        text = line.strip()
        if text.startswith("#") and ends_at(text):
            break
        if text.startswith("-"):
            bullets.append(number)
    return bullets


def any_heading(text):
    return True


def part_heading(text):
    """A level-1 or level-2 heading ends the therapist-behaviours part (its groups are ###)."""
    return heading_level(text) <= 2


def normalise(text):
    text = GLYPHS.sub(" ", text.lower())
    text = re.sub(r"[^\w\s]", " ", text)
    return " ".join(text.split())


def similarity(a, b):
    return difflib.SequenceMatcher(None, normalise(a), normalise(b)).ratio()


def seed_text(lines, numbers):
    return " ".join(lines[n - 1] for n in numbers)


def cited_lines(version):
    sources = [
        *version.items.values_list("source", flat=True),
        *version.sections.values_list("source", flat=True),
        *version.involvement_levels.values_list("source", flat=True),
    ]
    cited = {}
    for source in sources:
        if source:
            numbers = cited.setdefault(source["file"], set())
            for role in ("problem", "target", "source"):
                numbers.update(source.get(role, []))
    return cited


def barrier_items(version):
    return version.items.filter(section__kind=SectionKind.BARRIERS)


# The seed parsers themselves


def test_seed_parsers_find_the_seed_content():
    lines = content_lines()

    assert len(lines["000"]) >= 150
    assert len(lines["004"]) >= 20


def test_unbulleted_seed_000_line_counts_as_content_but_headings_do_not():
    lines = seed_lines("000")
    content = content_lines_000(lines)
    unbulleted = [n for n in content if not lines[n - 1].strip().startswith("-")]

    assert [lines[n - 1].strip() for n in unbulleted] == ["co-sets and follows a realistic agenda"]
    assert not any(is_000_heading(lines[n - 1].strip()) for n in unbulleted)


# Every seed line is there


def test_framework_cites_exactly_the_content_lines_of_each_seed(published_version):
    assert cited_lines(published_version) == content_lines()


@pytest.fixture
def version_1(db):
    """The framework's first version, whose texts are the seed texts after repair."""
    return import_framework(parse_yaml(VERSION_1.read_text(encoding="utf-8")), publish=True)


def test_seed_000_items_of_version_1_resemble_their_seed_lines(version_1):
    lines = seed_lines("000")
    too_different = []
    for item in version_1.items.filter(source__file="000"):
        for side, text in (("problem", item.problem_text), ("target", item.target_text)):
            numbers = item.source.get(side, [])
            if numbers:
                ratio = similarity(text, seed_text(lines, numbers))
                if ratio < SIMILARITY_THRESHOLD:
                    too_different.append((item.key, side, round(ratio, 2)))

    assert too_different == []


def test_mismatched_item_and_seed_line_score_below_the_threshold(published_version):
    lines = seed_lines("000")
    c1 = published_version.items.get(key="C1")
    o1 = published_version.items.get(key="O1")

    assert similarity(c1.problem_text, seed_text(lines, o1.source["problem"])) < (
        SIMILARITY_THRESHOLD
    )


def test_items_without_a_seed_line_on_one_side_say_the_text_was_written_for_the_product(
    published_version,
):
    unpaired = [
        item
        for item in published_version.items.filter(source__file="000")
        if not item.source.get("problem") or not item.source.get("target")
    ]

    assert unpaired
    assert all("written for this product" in item.repairs for item in unpaired)


# Counts follow the seed's structure


def test_barrier_counts_per_component_match_the_seed_problem_lists(published_version):
    lines = seed_lines("000")
    expected = {
        "C": len(bullet_lines_under(lines, "### Capability", any_heading)),
        "O": len(bullet_lines_under(lines, "### **Opportunity**", any_heading)),
        "M": len(bullet_lines_under(lines, "### Motivation", any_heading)),
    }

    counted = Counter(
        barrier_items(published_version).values_list("section__component__code", flat=True)
    )

    assert dict(counted) == expected


def test_behaviour_counts_match_the_seed_problem_bullets_plus_authored_problems(
    published_version,
):
    lines = seed_lines("000")
    problem_bullets = bullet_lines_under(lines, "### **Therapist Behaviours**", part_heading)
    behaviours = list(published_version.items.filter(section__kind=SectionKind.BEHAVIOURS))
    from_seed = [item for item in behaviours if item.source.get("problem")]
    authored = [
        item
        for item in behaviours
        if not item.source.get("problem") and "problem written for this product" in item.repairs
    ]

    assert len(from_seed) == len(problem_bullets)
    assert len(behaviours) == len(problem_bullets) + len(authored)


# Coding of barriers


def test_each_barrier_primary_subcomponent_belongs_to_its_sections_component(published_version):
    mismatched = [
        item.key
        for item in barrier_items(published_version).select_related(
            "section", "primary_subcomponent"
        )
        if item.primary_subcomponent is None
        or item.primary_subcomponent.component_id != item.section.component_id
    ]

    assert mismatched == []


def test_each_barrier_has_at_least_one_tdf_domain(published_version):
    uncoded = [
        item.key
        for item in barrier_items(published_version).prefetch_related("tdf_domains")
        if not item.tdf_domains.all()
    ]

    assert uncoded == []


def test_each_barrier_has_intervention_functions(published_version):
    without_functions = [
        item.key
        for item in barrier_items(published_version).prefetch_related("intervention_functions")
        if not item.intervention_functions.all()
    ]

    assert without_functions == []


def test_barrier_functions_are_ones_its_tdf_domains_call_for(published_version):
    items = barrier_items(published_version).prefetch_related(
        "tdf_domains__intervention_functions", "intervention_functions"
    )
    unexplained = []
    for item in items:
        allowed = {f.slug for d in item.tdf_domains.all() for f in d.intervention_functions.all()}
        extra = {f.slug for f in item.intervention_functions.all()} - allowed
        if extra:
            unexplained.append((item.key, sorted(extra)))

    assert unexplained == []


# Sensitive items


def is_about_self_care_or_burnout(item):
    target = item.target_text.lower()
    return "self-care" in target or "self care" in target or "burnout" in item.problem_text.lower()


def test_self_care_and_burnout_items_are_sensitive(published_version):
    about_wellbeing = [i for i in published_version.items.all() if is_about_self_care_or_burnout(i)]

    assert about_wellbeing
    assert [i.key for i in about_wellbeing if not i.is_sensitive] == []


def test_no_other_barrier_is_sensitive(published_version):
    sensitive = [
        item.key
        for item in barrier_items(published_version).filter(is_sensitive=True)
        if not is_about_self_care_or_burnout(item)
    ]

    assert sensitive == []


# Involvement levels, keys and sections


def test_involvement_levels_run_from_information_to_partnership(published_version):
    names = ["Information", "Consultation", "Participation", "Inclusion", "Partnership"]
    seed_names = [
        match.group(1)
        for line in seed_lines("004")
        if (match := re.match(r"([A-Z][a-z]+): ", clean_004(line)))
    ]

    assert seed_names == names
    assert list(published_version.involvement_levels.values_list("level", "name")) == list(
        enumerate(names, start=1)
    )


def test_item_keys_are_unique_within_the_version(published_version):
    keys = list(published_version.items.values_list("key", flat=True))

    assert len(keys) == len(set(keys))


def test_item_keys_follow_the_key_pattern(published_version):
    keys = published_version.items.values_list("key", flat=True)

    assert [key for key in keys if not item_key_validator.regex.match(key)] == []


def test_every_section_kind_is_used(published_version):
    kinds = set(published_version.sections.values_list("kind", flat=True))

    assert kinds == set(SectionKind.values)


# The repairs document


def keys_mentioned(text):
    """Item keys named in the text, with ranges such as "CR1-CR6" (en dash) expanded."""
    keys = set(KEY.findall(text))
    for prefix, first, end_prefix, last in KEY_RANGE.findall(text):
        if prefix == end_prefix:
            keys.update(f"{prefix}{n}" for n in range(int(first), int(last) + 1))
    return keys


def test_repairs_document_mentions_every_repaired_item(published_version):
    document = (settings.BASE_DIR / "docs" / "seed-repairs.md").read_text(encoding="utf-8")
    repaired = set(published_version.items.exclude(repairs="").values_list("key", flat=True))

    assert repaired
    assert repaired - keys_mentioned(document) == set()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("| C13 | 15 |", {"C13"}),
        ("CR1\u2013CR6", {"CR1", "CR2", "CR3", "CR4", "CR5", "CR6"}),
        ("lines 5-7, C-Ps, O-Ph", set()),
    ],
)
def test_key_finder_reads_keys_and_ranges_but_not_codes(text, expected):
    assert keys_mentioned(text) == expected
