"""A small framework file for import tests, and a way to break one line of it."""

from __future__ import annotations


def small_framework(slug: str, name: str) -> str:
    """One barrier and one involvement level, under a new slug (so an import creates a
    framework). Tests name its lines by number: keep the layout."""
    return f"""\
format: 1
framework:
  slug: {slug}
  name: {name}
  description: A small framework for tests.
version:
  notes: First version
sections:
  - key: capability
    kind: barriers
    title: Capability
    component: C
    items:
      - key: C1
        problem: Lack of knowledge
        target: Have knowledge
        primary: C-Ps
        tdf: [knowledge]
        functions: [education]
        sensitive: false
        seed: {{file: "000", problem: [3], target: [136]}}
involvement_levels:
  - level: 1
    name: Information
    description: Patients are given information.
"""


def with_line(text: str, number: int, content: str) -> str:
    """`text` with line `number` replaced by `content` (its indentation kept)."""
    lines = text.splitlines(keepends=True)
    old = lines[number - 1]
    lines[number - 1] = old[: len(old) - len(old.lstrip())] + content + "\n"
    return "".join(lines)
