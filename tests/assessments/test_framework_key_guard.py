"""The key meaning guard: publishing a version in which an existing key's problem or target text
changed beyond a typo-level edit is refused unless explicitly allowed, by the service, the
import command, the admin upload and the admin's publish action (docs/framework-format.md)."""

import html
import io
import re
import string

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from assessments import services
from assessments.framework_io import FrameworkFileError, import_framework, parse_yaml
from assessments.meaning import MeaningChange, MeaningChanged, is_typo_level, normalise
from assessments.models import (
    ComBSubComponent,
    FrameworkItem,
    FrameworkVersion,
    InterventionFunction,
    TdfDomain,
)
from tests.conftest import framework_row_counts

# A small framework: two barriers and an outcome without a target form.
GUARD = """\
format: 1
framework:
  slug: guard
  name: Guard test
sections:
  - key: capability
    kind: barriers
    title: Capability
    component: C
    items:
      - key: C1
        problem: Unable to recieve feedback from a supervisor
        target: Able to recieve feedback from a supervisor
        primary: C-Ps
        tdf: [knowledge]
      - key: C2
        problem: Lack of knowledge of personality difficulties
        target: Have knowledge of personality difficulties
        primary: C-Ps
        tdf: [knowledge]
  - key: outcomes
    kind: outcomes
    title: Outcomes
    items:
      - key: O1
        problem: Clients leave therapy early
"""
C2_LINE = next(n for n, line in enumerate(GUARD.splitlines(), 1) if "key: C2" in line)
C2_TARGET = "Have knowledge of personality difficulties"
CHANGED_TARGET = "Have no knowledge of personality difficulties"
CHANGE_URL = reverse("admin:assessments_frameworkversion_changelist")


@pytest.fixture
def first(db):
    """Version 1 of the small framework, published."""
    return import_framework(parse_yaml(GUARD), publish=True)


@pytest.fixture
def draft(first):
    return services.create_draft(first.framework)


@pytest.fixture
def admin_client(client, admin_user):
    client.force_login(admin_user)
    return client


def write(version, key, **texts):
    FrameworkItem.objects.filter(version=version, key=key).update(**texts)


def status(version):
    return FrameworkVersion.objects.get(pk=version.pk).status


def publish_action(client, version, **extra):
    data = {"action": "publish_drafts", "_selected_action": [version.pk], **extra}
    return client.post(CHANGE_URL, data)


# The service


def test_publishing_a_target_that_changed_meaning_is_refused(draft):
    write(draft, "C2", target_text=CHANGED_TARGET)

    with pytest.raises(MeaningChanged):
        services.publish(draft)

    assert status(draft) == FrameworkVersion.Status.DRAFT


def test_refusal_lists_the_key_with_its_old_and_new_text(draft):
    write(draft, "C2", target_text=CHANGED_TARGET)

    with pytest.raises(MeaningChanged) as excinfo:
        services.publish(draft)

    assert excinfo.value.changes == [MeaningChange("C2", "target", C2_TARGET, CHANGED_TARGET)]


def test_publishing_a_problem_that_changed_meaning_is_refused(draft):
    write(draft, "C2", problem_text="Lack of time to learn about personality difficulties")

    with pytest.raises(MeaningChanged) as excinfo:
        services.publish(draft)

    assert [(c.key, c.field) for c in excinfo.value.changes] == [("C2", "problem")]


@pytest.mark.parametrize(
    "target",
    [
        "Able to receive feedback from a supervisor",
        "Able to recieve feedback from a supervisor.",
        "Able to recieve feedback, from a supervisor!",
        "ABLE TO RECIEVE FEEDBACK FROM A SUPERVISOR",
        "Able  to recieve\nfeedback from a supervisor ",
    ],
    ids=["spelling", "full stop", "punctuation", "case", "whitespace"],
)
def test_typo_level_edit_publishes(draft, target):
    write(draft, "C1", target_text=target)

    services.publish(draft)

    assert status(draft) == FrameworkVersion.Status.PUBLISHED


def test_coding_only_changes_publish(draft):
    item = draft.items.get(key="C2")
    write(draft, "C2", primary_subcomponent=ComBSubComponent.objects.get(code="C-Ph"))
    write(draft, "C2", is_sensitive=True)
    item.tdf_domains.set(TdfDomain.objects.filter(slug="skills"))
    item.intervention_functions.set(InterventionFunction.objects.filter(slug="training"))

    services.publish(draft)

    assert status(draft) == FrameworkVersion.Status.PUBLISHED


def test_new_key_publishes(draft):
    section = draft.sections.get(key="capability")
    FrameworkItem.objects.create(
        version=draft,
        section=section,
        key="C3",
        order=3,
        problem_text="A new barrier",
        target_text="A new target",
        primary_subcomponent=ComBSubComponent.objects.get(code="C-Ps"),
    )

    services.publish(draft)

    assert status(draft) == FrameworkVersion.Status.PUBLISHED


def test_removed_key_publishes(draft):
    draft.items.get(key="C2").delete()

    services.publish(draft)

    assert status(draft) == FrameworkVersion.Status.PUBLISHED


def test_target_written_where_there_was_none_publishes(draft):
    write(draft, "O1", target_text="Clients stay in therapy to the end")

    services.publish(draft)

    assert status(draft) == FrameworkVersion.Status.PUBLISHED


def test_meaning_change_publishes_when_allowed(draft):
    write(draft, "C2", target_text=CHANGED_TARGET)

    services.publish(draft, allow_meaning_changes=True)

    assert status(draft) == FrameworkVersion.Status.PUBLISHED


def test_guard_compares_with_the_newest_published_version(draft):
    write(draft, "C2", target_text=CHANGED_TARGET)
    services.publish(draft, allow_meaning_changes=True)
    third = services.create_draft(draft.framework)
    write(third, "C2", target_text=CHANGED_TARGET + ".")

    services.publish(third)

    assert status(third) == FrameworkVersion.Status.PUBLISHED


# The import (command and admin upload)


def changed_file():
    return GUARD.replace(f"target: {C2_TARGET}", f"target: {CHANGED_TARGET}")


def test_import_with_publish_refuses_a_meaning_change_at_the_line_of_the_key(first):
    with pytest.raises(FrameworkFileError) as excinfo:
        import_framework(parse_yaml(changed_file()), publish=True)

    assert excinfo.value.errors == [
        f"line {C2_LINE}: item C2: its target text changed meaning since published version 1 "
        f'(was "{C2_TARGET}", now "{CHANGED_TARGET}"); import with allow meaning changes '
        "(--allow-meaning-changes) to publish it anyway"
    ]


def test_import_command_refuses_a_meaning_change_and_writes_nothing(first, tmp_path):
    path = tmp_path / "framework.yaml"
    path.write_text(changed_file())
    before = framework_row_counts()

    with pytest.raises(CommandError) as excinfo:
        call_command("import_framework", str(path), "--publish", stdout=io.StringIO())

    assert f"line {C2_LINE}: item C2: its target text changed meaning" in str(excinfo.value)
    assert framework_row_counts() == before


def test_import_command_publishes_a_meaning_change_with_the_flag(first, tmp_path):
    path = tmp_path / "framework.yaml"
    path.write_text(changed_file())

    call_command(
        "import_framework", str(path), "--publish", "--allow-meaning-changes", stdout=io.StringIO()
    )

    current = first.framework.current_version()
    assert current.items.get(key="C2").target_text == CHANGED_TARGET


def test_import_command_imports_a_changed_draft_without_the_flag(first, tmp_path):
    path = tmp_path / "framework.yaml"
    path.write_text(changed_file())

    call_command("import_framework", str(path), stdout=io.StringIO())

    assert first.framework.versions.get(number=2).status == FrameworkVersion.Status.DRAFT


def upload_changed_file(client, **fields):
    upload = SimpleUploadedFile("framework.yaml", changed_file().encode())
    url = reverse("admin:assessments_framework_import")
    return client.post(url, {"file": upload, "publish": "on", **fields})


def test_admin_upload_with_publish_lists_a_meaning_change(admin_client, first):
    response = upload_changed_file(admin_client)

    page = html.unescape(response.content.decode())
    assert f"<li>line {C2_LINE}: item C2: its target text changed meaning" in page
    assert first.framework.versions.count() == 1


def test_admin_upload_publishes_a_meaning_change_when_allowed(admin_client, first):
    upload_changed_file(admin_client, allow_meaning_changes="on")

    assert first.framework.current_version().number == 2


# The admin's publish action


def test_publish_action_asks_to_confirm_a_meaning_change(admin_client, draft):
    write(draft, "C2", target_text=CHANGED_TARGET)

    response = publish_action(admin_client, draft)

    page = response.content.decode()
    assert response.status_code == 200
    assert f"<td>{C2_TARGET}</td>" in page
    assert f"<td>{CHANGED_TARGET}</td>" in page
    assert '<input type="submit" value="Publish anyway">' in page


def test_publish_action_does_not_publish_a_meaning_change_before_confirmation(admin_client, draft):
    write(draft, "C2", target_text=CHANGED_TARGET)

    publish_action(admin_client, draft)

    assert status(draft) == FrameworkVersion.Status.DRAFT


def test_confirmation_page_offers_a_way_back_to_the_versions(admin_client, draft):
    write(draft, "C2", target_text=CHANGED_TARGET)

    page = publish_action(admin_client, draft).content.decode()

    assert f'<a href="{CHANGE_URL}" class="button cancel-link">No, take me back</a>' in page


def confirmation_fields(page: str) -> dict[str, str]:
    """The hidden confirmation fields of the confirmation page, as its form posts them."""
    return dict(re.findall(r'name="(confirm_\d+)" value="([0-9a-f]+)"', page))


def test_confirmed_publish_action_publishes_the_meaning_change(admin_client, draft):
    write(draft, "C2", target_text=CHANGED_TARGET)
    page = publish_action(admin_client, draft).content.decode()

    response = publish_action(admin_client, draft, **confirmation_fields(page))

    assert response.status_code == 302
    assert status(draft) == FrameworkVersion.Status.PUBLISHED


def test_confirmation_does_not_publish_a_change_made_after_it_was_shown(admin_client, draft):
    write(draft, "C2", target_text=CHANGED_TARGET)
    page = publish_action(admin_client, draft).content.decode()
    write(draft, "C1", target_text="Something else entirely, written after the page was shown")

    response = publish_action(admin_client, draft, **confirmation_fields(page))

    assert response.status_code == 200
    assert "Something else entirely" in response.content.decode()
    assert status(draft) == FrameworkVersion.Status.DRAFT


def test_a_bare_yes_does_not_confirm_a_meaning_change(admin_client, draft):
    write(draft, "C2", target_text=CHANGED_TARGET)

    publish_action(admin_client, draft, **{f"confirm_{draft.pk}": "yes"})

    assert status(draft) == FrameworkVersion.Status.DRAFT


def test_publish_action_publishes_a_typo_fix_without_asking(admin_client, draft):
    write(draft, "C1", target_text="Able to receive feedback from a supervisor")

    response = publish_action(admin_client, draft)

    assert response.status_code == 302
    assert status(draft) == FrameworkVersion.Status.PUBLISHED


# The rule


def test_normalise_folds_case_drops_punctuation_and_collapses_whitespace():
    assert normalise("  Have KNOWLEDGE,\tof self-care!\n") == "have knowledge of self care"


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("Able to recieve feedback", "Able to receive feedback"),
        ("Understand the organisation", "Understand the organization"),
        ("Look after my self-care", "Look after my selfcare"),
        ("Have knowledge.", "have  KNOWLEDGE"),
    ],
)
def test_typo_level_edits(old, new):
    assert is_typo_level(old, new)


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("Have knowledge", "Have no knowledge"),
        ("Have knowledge of personality difficulties", "Have skills for personality disorder"),
        ("Be calm", "Be clam"),
        ("Have knowledge", ""),
    ],
)
def test_edits_that_change_meaning(old, new):
    assert not is_typo_level(old, new)


def test_long_texts_that_differ_are_a_meaning_change_without_comparing():
    text = "Have knowledge " * 200

    assert not is_typo_level(text, text + "s")


WORDS = st.lists(st.text(alphabet=string.ascii_letters, min_size=1, max_size=8), min_size=1)
SEPARATORS = st.sampled_from([" ", "  ", ", ", "\n", " - ", "; ", "\t"])


@given(words=WORDS, data=st.data())
def test_case_punctuation_and_spacing_never_change_meaning(words, data):
    rewritten = "".join(
        data.draw(st.sampled_from([word.upper(), word.lower(), word])) + data.draw(SEPARATORS)
        for word in words
    )

    assert is_typo_level(" ".join(words), rewritten)


@given(text=st.text(max_size=40), word=st.text(alphabet=string.ascii_letters, min_size=3))
def test_an_added_word_of_three_letters_or_more_changes_meaning(text, word):
    assert not is_typo_level(text, f"{text} {word}")
