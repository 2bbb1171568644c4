"""The house rules a reader relies on, checked: no module over 400 lines, no test importing
another test module (shared helpers live in ``tests/support``)."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("domain", "persistence", "workers", "api", "bulkreg", "benchmarks", "tests")
MAX_LINES = 400


def modules() -> list[Path]:
    return sorted(path for package in PACKAGES for path in (ROOT / package).rglob("*.py"))


def test_no_module_is_over_400_lines() -> None:
    found = modules()
    assert len(found) > 50  # the walk found the project, not an empty folder
    too_long = {
        str(path.relative_to(ROOT)): lines
        for path in found
        if (lines := len(path.read_text().splitlines())) > MAX_LINES
    }
    assert too_long == {}


def test_tests_import_helpers_from_the_support_package_only() -> None:
    test_modules = [path for path in modules() if path.is_relative_to(ROOT / "tests")]
    assert any(path.name.startswith("test_") for path in test_modules)
    reaching = []
    for path in test_modules:
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            elif isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            else:
                continue
            for name in names:
                parts = name.split(".")
                if parts[0] == "tests" and (len(parts) < 2 or parts[1] != "support"):
                    reaching.append(f"{path.relative_to(ROOT)}: {name}")
    assert reaching == []
