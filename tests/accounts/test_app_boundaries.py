"""accounts is the base of the apps: it never imports the assessments, supervision, cpd,
service_actions or demo apps at run time (imports under `if TYPE_CHECKING:` are for type hints
only and are allowed)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import accounts

FORBIDDEN = ("assessments", "supervision", "cpd", "service_actions", "demo")
ACCOUNTS_DIR = Path(accounts.__file__).parent


def is_type_checking_block(node: ast.AST) -> bool:
    if not isinstance(node, ast.If):
        return False
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def run_time_imports(tree: ast.AST) -> list[tuple[int, str]]:
    """(line, module) of every absolute import outside `if TYPE_CHECKING:` blocks."""
    found = []
    pending = [tree]
    while pending:
        node = pending.pop()
        if is_type_checking_block(node):
            pending.extend(node.orelse)
            continue
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append((node.lineno, node.module))
        pending.extend(ast.iter_child_nodes(node))
    return found


def forbidden_imports(source: str) -> list[str]:
    return [
        f"line {line}: {module}"
        for line, module in run_time_imports(ast.parse(source))
        if module.split(".")[0] in FORBIDDEN
    ]


@pytest.mark.parametrize(
    "path",
    sorted(ACCOUNTS_DIR.rglob("*.py")),
    ids=lambda path: str(path.relative_to(ACCOUNTS_DIR)),
)
def test_accounts_module_does_not_import_the_other_apps(path):
    assert forbidden_imports(path.read_text(encoding="utf-8")) == []


# The check itself


def test_check_finds_an_import_of_assessments():
    assert forbidden_imports("from assessments.models import SelfAssessment\n") == [
        "line 1: assessments.models"
    ]


def test_check_finds_an_import_inside_a_function():
    source = "def f():\n    import demo.people\n"
    assert forbidden_imports(source) == ["line 2: demo.people"]


def test_check_allows_type_only_imports():
    source = (
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n"
        "    from assessments.models import SelfAssessment\n"
    )
    assert forbidden_imports(source) == []


def test_check_allows_relative_imports_and_similar_names():
    assert forbidden_imports("from . import models\nimport assessments_extra\n") == []
