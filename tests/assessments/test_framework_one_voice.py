"""The shipped framework's targets read in one voice (version 3, docs/seed-repairs.md, "One voice
(version 3)"), under the stem "How much do you agree with each statement?".

Rule under test: every target of a rated section (barriers, behaviours, collaboration) is a
first-person, present-tense statement that starts with "I " or, where the subject is the service
or the therapy, "My ". The re-voicing is grammar only, so everything but those targets and the
version notes is as in version 2 (fixtures/framework/history/comb-pd-v2.yaml); the key meaning
guard cannot tell that, so version 3 publishes only with its explicit allowance.
"""

import re
from io import StringIO

import pytest
from django.conf import settings

from assessments.framework_io import FrameworkFileError, import_framework, parse_yaml
from assessments.models import Framework, FrameworkVersion
from assessments.taxonomy import RATED_SECTION_KINDS
from demo.management.commands.setup_demo import Command as SetupDemo

HISTORY = settings.BASE_DIR / "fixtures" / "framework" / "history"
VERSION_2 = HISTORY / "comb-pd-v2.yaml"
REPAIRS_DOCUMENT = settings.BASE_DIR / "docs" / "seed-repairs.md"
ONE_VOICE_OPENINGS = ("I ", "My ")
LINE_MARKERS = {"__line__", "__lines__"}  # added by parse_yaml for its error messages


def without_lines(node):
    if isinstance(node, dict):
        return {k: without_lines(v) for k, v in node.items() if k not in LINE_MARKERS}
    if isinstance(node, list):
        return [without_lines(value) for value in node]
    return node


def document(path) -> dict:
    return without_lines(parse_yaml(path.read_text(encoding="utf-8")))


def shipped() -> dict:
    return document(settings.FRAMEWORK_FIXTURE)


def rated_targets(data: dict) -> dict[str, str]:
    return {
        item["key"]: item["target"]
        for section in data["sections"]
        if section["kind"] in RATED_SECTION_KINDS
        for item in section["items"]
    }


# Which statements the quick session reflection offers was marked after version 2: a new
# attribute, not a change of meaning.
IN_SESSION = "in_session"


def without_rated_targets(data: dict) -> dict:
    """The document without its version notes, the targets of its rated sections, their
    in-session marks and the sections' guidance (re-worded to ask how much the therapist
    agrees)."""
    data = dict(data)
    data.pop("version", None)
    data["sections"] = [
        {
            **{k: v for k, v in section.items() if k != "guidance"},
            "items": [
                {k: v for k, v in item.items() if k not in ("target", IN_SESSION)}
                if section["kind"] in RATED_SECTION_KINDS
                else item
                for item in section["items"]
            ],
        }
        for section in data["sections"]
    ]
    return data


def one_voice_section() -> str:
    text = REPAIRS_DOCUMENT.read_text(encoding="utf-8")
    start = text.index("## One voice (version 3)")
    following = text.find("\n## ", start + 1)
    return text[start:] if following == -1 else text[start:following]


def test_every_rated_target_is_a_first_person_statement():
    targets = rated_targets(shipped())

    assert targets
    assert [key for key, text in targets.items() if not text.startswith(ONE_VOICE_OPENINGS)] == []


def test_no_rated_target_still_speaks_of_the_therapist_in_the_third_person():
    third_person = re.compile(r"\b(therapist|themselves)\b", re.IGNORECASE)
    targets = rated_targets(shipped())

    # M8 ("… as an experienced therapist") names the speaker's own role, not a third person.
    assert [key for key, text in targets.items() if third_person.search(text)] == ["M8"]


def test_every_rated_target_was_re_voiced():
    before, after = rated_targets(document(VERSION_2)), rated_targets(shipped())

    assert list(after) == list(before)
    assert [key for key in after if after[key] == before[key]] == []


def test_barrier_guidance_asks_how_much_the_therapist_agrees():
    barriers = [s for s in shipped()["sections"] if s["kind"] == "barriers"]

    assert [s["key"] for s in barriers if "how much you agree" not in s["guidance"]] == []


def test_keys_problems_coding_and_seed_references_are_those_of_version_2():
    assert without_rated_targets(shipped()) == without_rated_targets(document(VERSION_2))


def test_shipped_file_is_version_3_after_the_history():
    assert settings.FRAMEWORK_FIXTURE_HISTORY == [
        HISTORY / "comb-pd-v1.yaml",
        HISTORY / "comb-pd-v2.yaml",
    ]


def test_version_notes_say_the_texts_were_re_voiced_with_the_guards_allowance():
    notes = shipped()["version"]["notes"]

    assert "re-voiced, not re-meant" in notes
    assert "allow_meaning_changes" in notes
    assert "docs/seed-repairs.md" in notes


def test_repairs_document_lists_every_edit_with_both_texts():
    section = one_voice_section()
    before, after = rated_targets(document(VERSION_2)), rated_targets(shipped())

    missing = [key for key in after if f"| {key} | {before[key]} | {after[key]} |" not in section]

    assert missing == []


# Publishing version 3 over version 2


@pytest.fixture
def version_2(db) -> FrameworkVersion:
    return import_framework(parse_yaml(VERSION_2.read_text(encoding="utf-8")), publish=True)


def shipped_file() -> dict:
    return parse_yaml(settings.FRAMEWORK_FIXTURE.read_text(encoding="utf-8"))


def test_key_guard_refuses_version_3_without_the_allowance(version_2):
    with pytest.raises(FrameworkFileError) as refused:
        import_framework(shipped_file(), publish=True)

    assert "item O1: its target text changed meaning" in str(refused.value)
    assert list(FrameworkVersion.objects.values_list("number", flat=True)) == [1]


def test_version_3_publishes_with_the_allowance(version_2):
    version_3 = import_framework(shipped_file(), publish=True, allow_meaning_changes=True)

    assert version_3.number == 2
    assert version_3.is_published
    assert version_3.items.get(key="C1").target_text.startswith("I have knowledge")
    assert version_2.items.get(key="C1").target_text.startswith("Have knowledge")


def test_demo_loads_versions_1_2_and_3_published(db):
    current = SetupDemo(stdout=StringIO()).load_framework()

    framework = Framework.objects.get(slug="comb-pd")
    assert list(framework.versions.values_list("number", "status").order_by("number")) == [
        (1, FrameworkVersion.Status.PUBLISHED),
        (2, FrameworkVersion.Status.PUBLISHED),
        (3, FrameworkVersion.Status.PUBLISHED),
    ]
    assert framework.current_version() == current
    assert current.items.get(key="O1").target_text.startswith("I get sufficient")
