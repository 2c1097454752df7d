"""User-facing Chinese text uses full-width punctuation (，：；？！), not ASCII.

The checker reads the Chinese strings the app shows people: Python string
literals under app/ (found with ``ast``, so comments are never seen) and the
text of the Jinja templates outside their tags. It flags an ASCII ``,`` ``:``
``;`` ``?`` or ``!`` written right after or right before a CJK character.

Left alone: docstrings, log calls (``log.info("…")`` and the like: what an
operator reads in the logs, not a member), patterns given to ``re``, everything inside ``{{ }}``,
``{% %}`` and ``{# #}``, HTML comments, ``<style>``, ``<script>`` and ``<code>``
elements (what to type, e.g. Markdown), and the notation 时:分 (what to type).
Times (14:30), numbers (1,000), URLs, placeholders and English text need no
exception: the rule only looks at punctuation that touches a CJK character.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
APP = ROOT / "app"
TEMPLATE_DIRS = (APP / "web" / "templates", APP / "dev" / "templates")

_CJK = r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]"
ASCII_NEXT_TO_CJK = re.compile(rf"{_CJK}[,:;?!]|[,:;?!]{_CJK}")
# The notation of what to type, like 年-月-日: the colon the user types is ASCII.
FORMAT_NOTATIONS = ("时:分",)

LOG_METHODS = frozenset(
    {"debug", "info", "warning", "warn", "error", "exception", "critical", "msg", "bind"}
)
LOGGER_NAMES = frozenset({"log", "logger", "_log", "_logger"})

_JINJA_OR_SKIPPED = re.compile(
    r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}|<!--.*?-->"
    r"|<style\b.*?</style>|<script\b.*?</script>|<code\b.*?</code>",
    re.DOTALL | re.IGNORECASE,
)


def _docstrings(tree: ast.AST) -> set[int]:
    found: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            body = node.body
            if (
                body
                and isinstance(body[0], ast.Expr)
                and isinstance(body[0].value, ast.Constant)
                and isinstance(body[0].value.value, str)
            ):
                found.add(id(body[0].value))
    return found


def _is_log_call(node: ast.Call) -> bool:
    func = node.func
    if not isinstance(func, ast.Attribute) or func.attr not in LOG_METHODS:
        return False
    owner = func.value
    return isinstance(owner, ast.Name) and owner.id in LOGGER_NAMES


def _is_regex_call(node: ast.Call) -> bool:
    func = node.func
    return (
        isinstance(func, ast.Attribute)
        and isinstance(func.value, ast.Name)
        and func.value.id == "re"
    )


def _skipped_calls(tree: ast.AST) -> set[int]:
    found: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and (_is_log_call(node) or _is_regex_call(node)):
            for child in ast.walk(node):
                found.add(id(child))
    return found


def _matches(text: str) -> Iterator[re.Match[str]]:
    for notation in FORMAT_NOTATIONS:
        text = text.replace(notation, "\0" * len(notation))
    return ASCII_NEXT_TO_CJK.finditer(text)


def python_findings(path: Path) -> Iterator[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    skipped = _docstrings(tree) | _skipped_calls(tree)
    for node in ast.walk(tree):
        if not isinstance(node, ast.Constant) or not isinstance(node.value, str):
            continue
        if id(node) in skipped:
            continue
        for match in _matches(node.value):
            line = node.lineno + node.value.count("\n", 0, match.start())
            yield f"{path.relative_to(ROOT)}:{line}: {match.group()!r}"


def _blank_out(match: re.Match[str]) -> str:
    return "\n" * match.group().count("\n")


def template_findings(path: Path) -> Iterator[str]:
    text = _JINJA_OR_SKIPPED.sub(_blank_out, path.read_text(encoding="utf-8"))
    for number, line in enumerate(text.splitlines(), start=1):
        for match in _matches(line):
            yield f"{path.relative_to(ROOT)}:{number}: {match.group()!r}"


def all_findings() -> list[str]:
    findings: list[str] = []
    for path in sorted(APP.rglob("*.py")):
        findings.extend(python_findings(path))
    for directory in TEMPLATE_DIRS:
        for path in sorted(directory.rglob("*")):
            if path.is_file() and path.suffix in {".html", ".txt", ".xml", ".j2"}:
                findings.extend(template_findings(path))
    return findings


def test_the_checker_sees_what_it_should() -> None:
    assert ASCII_NEXT_TO_CJK.search("已保存,请刷新")
    assert ASCII_NEXT_TO_CJK.search("时间:")
    assert ASCII_NEXT_TO_CJK.search("真的吗?")
    assert not ASCII_NEXT_TO_CJK.search("14:30, 1,000 https://example.com")
    assert not ASCII_NEXT_TO_CJK.search("已保存，请刷新：好吗？")
    assert not list(_matches("时间格式应为 时:分，例如 14:30。"))


def test_chinese_text_uses_full_width_punctuation() -> None:
    findings = all_findings()
    assert not findings, "ASCII punctuation next to Chinese text:\n" + "\n".join(findings)
