"""Whether a new version changes what an existing item means (the key meaning guard).

An item's key ("C16") ties ratings across versions together, so a published key must keep its
meaning: a later version may fix a typo in its problem or target text but not rewrite it.
Publishing a version whose texts changed beyond a typo-level edit, compared with the newest
published version of the same framework, is refused unless explicitly allowed
(`services.publish(..., allow_meaning_changes=True)`). The rule is in docs/framework-format.md.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from difflib import SequenceMatcher

from django.core.exceptions import ValidationError

from .models import FrameworkVersion

# A typo-level edit, between normalised texts: at most this many characters inserted, deleted
# or replaced, and at least this share of the characters in common (difflib's ratio, 2M/T).
TYPO_MAX_CHANGED = 2
TYPO_MIN_RATIO = 0.9
# Longer normalised texts are not compared (difflib is quadratic); any change is a meaning change.
LONGEST_COMPARED = 2000
PUNCTUATION = re.compile(r"[^\w\s]|_")
TEXT_FIELDS = {"problem": "problem_text", "target": "target_text"}


@dataclass(frozen=True)
class MeaningChange:
    """One text of one key whose meaning changed: `field` is "problem" or "target"."""

    key: str
    field: str
    old: str
    new: str


class MeaningChanged(ValidationError):
    """Publishing would change what existing keys mean; `changes` lists each text."""

    def __init__(self, previous: FrameworkVersion, changes: list[MeaningChange]) -> None:
        self.previous = previous
        self.changes = changes
        super().__init__(
            [
                f"Item {change.key}: its {change.field} text changed meaning since version "
                f'{previous.number} (was "{change.old}", now "{change.new}").'
                for change in changes
            ]
        )

    @property
    def fingerprint(self) -> str:
        """Names exactly these changes, so a confirmation given for them cannot publish
        others made to the draft after the confirmation page was shown."""
        listed = "\x1f".join(f"{c.key}\x1e{c.field}\x1e{c.old}\x1e{c.new}" for c in self.changes)
        return hashlib.sha256(f"{self.previous.pk}\x1d{listed}".encode()).hexdigest()


def normalise(text: str) -> str:
    """The text as compared: case folded, punctuation dropped, whitespace collapsed."""
    return " ".join(PUNCTUATION.sub(" ", text.casefold()).split())


def is_typo_level(old: str, new: str) -> bool:
    """Whether `new` differs from `old` only by case, punctuation, whitespace or a typo."""
    a, b = normalise(old), normalise(new)
    if a == b:
        return True
    if abs(len(a) - len(b)) > TYPO_MAX_CHANGED or max(len(a), len(b)) > LONGEST_COMPARED:
        return False
    matcher = SequenceMatcher(None, a, b, autojunk=False)
    changed = sum(
        max(i2 - i1, j2 - j1) for tag, i1, i2, j1, j2 in matcher.get_opcodes() if tag != "equal"
    )
    return changed <= TYPO_MAX_CHANGED and matcher.ratio() >= TYPO_MIN_RATIO


def text_changes(
    previous: Mapping[str, Mapping[str, str]], new: Mapping[str, Mapping[str, str]]
) -> list[MeaningChange]:
    """The meaning changes between two versions' texts, each given as {key: {field: text}}.

    A key in only one of them is not a change (an item added or removed), nor is a target
    written where the previous version had none.
    """
    changes = []
    for key, texts in new.items():
        if key not in previous:
            continue
        for name in TEXT_FIELDS:
            old, now = previous[key][name], texts[name]
            if old.strip() and not is_typo_level(old, now):
                changes.append(MeaningChange(key=key, field=name, old=old, new=now))
    return changes


def _texts(version: FrameworkVersion) -> dict[str, dict[str, str]]:
    rows = version.items.values_list("key", *TEXT_FIELDS.values())
    return {key: dict(zip(TEXT_FIELDS, texts, strict=True)) for key, *texts in rows}


def meaning_changes(
    previous: FrameworkVersion | None, draft: FrameworkVersion
) -> list[MeaningChange]:
    """The keys whose problem or target text means something else in `draft` than in
    `previous` (the newest published version; None for a framework's first version)."""
    if previous is None:
        return []
    return text_changes(_texts(previous), _texts(draft))
