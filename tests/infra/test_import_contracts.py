"""Imports flow one way: the import-linter contracts in pyproject.toml hold, and they bite.

`make lint` runs `lint-imports` too; these tests show the contracts pass on the real tree, fail
on a deliberate wrong-way import (in a copy of the package), and that no module hides an import
of app inside a function (import-linter sees those, but a hidden import usually dodges a cycle).
"""

from __future__ import annotations

import ast
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"


def _lint_imports(cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(cwd), "COLUMNS": "200", "NO_COLOR": "1"}
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache"],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def _words(text: str) -> str:
    return " ".join(text.split())  # rich may wrap long contract names


def test_the_contracts_hold_on_the_real_tree():
    result = _lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


@pytest.mark.parametrize(
    ("module", "source", "broken"),
    [
        (
            "app/models/_wrong_way.py",
            "from app.services import audit\n",
            "Models import nothing above them (only app.timing) BROKEN",
        ),
        (
            "app/services/_wrong_way.py",
            "from wechatpy.replies import TextReply\n",
            "wechatpy is imported only inside app.wechat BROKEN",
        ),
        (
            "app/web/admin/pledges/_wrong_way.py",
            "from app.web.admin.meetings import detail\n",
            "Console pages of different features are independent BROKEN",
        ),
        (
            "app/services/_wrong_way.py",
            "from app.dev.sandbox import wire\n",
            "Production code does not import app.dev (only app.main and app.cli may) BROKEN",
        ),
    ],
)
def test_a_wrong_way_import_breaks_a_contract(tmp_path, module, source, broken):
    shutil.copytree(ROOT / "app", tmp_path / "app", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    (tmp_path / module).write_text(f'"""A deliberate wrong-way import."""\n\n{source}')

    result = _lint_imports(tmp_path)

    output = _words(result.stdout + result.stderr)
    assert result.returncode != 0, output
    assert broken in output
    assert module.removesuffix(".py").replace("/", ".") in output  # it names the culprit


def _hidden_imports(tree: ast.AST) -> list[int]:
    """Lines importing app from inside a function (TYPE_CHECKING blocks are module level)."""
    lines = []
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
            for inner in ast.walk(node):
                if isinstance(inner, ast.Import) and any(
                    alias.name == "app" or alias.name.startswith("app.") for alias in inner.names
                ):
                    lines.append(inner.lineno)
                if isinstance(inner, ast.ImportFrom) and (
                    inner.level > 0
                    or inner.module == "app"
                    or (inner.module or "").startswith("app.")
                ):
                    lines.append(inner.lineno)
    return lines


def test_no_import_of_app_is_hidden_inside_a_function():
    hidden = [
        f"{path.relative_to(ROOT)}:{line}"
        for path in sorted((ROOT / "app").rglob("*.py"))
        for line in _hidden_imports(ast.parse(path.read_text(encoding="utf-8")))
    ]
    assert hidden == [], "import at module level (fix the cycle instead): " + ", ".join(hidden)


def test_the_hidden_import_check_finds_one():
    source = "def f():\n    from app.services import audit\n    return audit\n"
    assert _hidden_imports(ast.parse(source)) == [2]
