"""``match`` stays pure: stdlib and rapidfuzz only, nothing that does I/O, no other layers."""

import ast
import sys
from pathlib import Path

import pytest

import m365inventory.match

PACKAGE = Path(m365inventory.match.__file__).parent
MODULES = sorted(PACKAGE.glob("*.py"))
IO_MODULES = frozenset(
    {"asyncio", "io", "logging", "os", "pathlib", "random", "shutil", "socket", "subprocess",
     "sys", "tempfile", "threading", "time", "urllib", "http"}
)  # fmt: skip


def imported_roots(source: Path) -> set[str]:
    tree = ast.parse(source.read_text(encoding="utf-8"))
    roots: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            roots.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            roots.add(node.module)
    return roots


def test_every_module_is_checked() -> None:
    assert {module.stem for module in MODULES} >= {
        "normalise", "suggestions", "tenants", "contacts", "devices", "compare"
    }  # fmt: skip


@pytest.mark.parametrize("module", MODULES, ids=lambda module: module.stem)
def test_imports_are_stdlib_rapidfuzz_or_match_only(module: Path) -> None:
    for name in imported_roots(module):
        top = name.split(".")[0]
        if top == "m365inventory":
            assert name.startswith("m365inventory.match"), name
        elif top != "rapidfuzz":
            assert top in sys.stdlib_module_names, name
            assert top not in IO_MODULES, name


@pytest.mark.parametrize("module", MODULES, ids=lambda module: module.stem)
def test_every_module_says_why_it_exists(module: Path) -> None:
    tree = ast.parse(module.read_text(encoding="utf-8"))
    assert ast.get_docstring(tree)
