"""The question-bank file (.xlsx): reading it, checking every row, and the blank template."""

from __future__ import annotations

import io
import re
import unicodedata
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from hashlib import sha256
from pathlib import PurePath
from typing import Any

from app.models import QuestionKind
from app.services import spreadsheets

MAX_BYTES = 2 * 1024 * 1024
MAX_ROWS = 2000  # questions, the header not counted
# Rows scanned before giving up, empty ones included (a stray cell far below a small sheet).
MAX_SCANNED_ROWS = 10_000
MAX_COLUMNS = 32
# Declared uncompressed size: caps what a 2 MB "zip bomb" can cost (zipfile never inflates more).
MAX_UNZIPPED_BYTES = spreadsheets.MAX_UNZIPPED_BYTES
# Above this an upload is imported in the background (the page shows its progress): about
# 1,000 questions of a few hundred characters each.
LARGE_UNZIPPED_BYTES = 2 * 1024 * 1024
STEM_MAX = 1000
OPTION_MAX = 200
EXPLANATION_MAX = 2000
LETTERS = "ABCDEF"
JUDGE_OPTIONS = ["正确", "错误"]
SHEET_TITLE = "题库"
HELP_TITLE = "说明"
_HEADER_SEARCH = 5  # the header may sit below a title row or two

KIND = "题型"
STEM = "题干"
ANSWER = "答案"
EXPLANATION = "解析"
OPTION_HEADERS = [f"选项{letter}" for letter in LETTERS]
REQUIRED = (KIND, STEM, ANSWER)
HEADERS = [KIND, STEM, *OPTION_HEADERS, ANSWER, EXPLANATION]
KIND_NAMES = {
    "单选": QuestionKind.SINGLE,
    "单选题": QuestionKind.SINGLE,
    "多选": QuestionKind.MULTIPLE,
    "多选题": QuestionKind.MULTIPLE,
    "判断": QuestionKind.JUDGE,
    "判断题": QuestionKind.JUDGE,
}
JUDGE_WORDS = {
    "对": "A",
    "正确": "A",
    "√": "A",
    "✓": "A",
    "✔": "A",
    "错": "B",
    "错误": "B",
    "×": "B",
    "✗": "B",
    "✘": "B",
}
# Between answer letters people type commas, 、, semicolons and spaces, in either width.
_ANSWER_SEPARATORS = re.compile(r"[\s,，、;；/]+")
_SPACES = re.compile(r"\s+")
EXAMPLES = [
    [
        "单选",
        "《中华人民共和国监察法》自（ ）起施行。",
        "2018年3月20日",
        "2018年5月1日",
        "2019年1月1日",
        "2017年10月18日",
        None,
        None,
        "A",
        "监察法于2018年3月20日经第十三届全国人大第一次会议通过，自公布之日起施行。",
    ],
    [
        "多选",
        "监察机关对下列哪些人员进行监察？",
        "中国共产党机关的公务员",
        "国有企业管理人员",
        "基层群众性自治组织中从事管理的人员",
        "个体工商户",
        None,
        None,
        "ABC",
        None,
    ],
    [
        "判断",
        "监察委员会依照法律规定独立行使监察权，不受行政机关、社会团体和个人的干涉。",
        None,
        None,
        None,
        None,
        None,
        None,
        "对",
        "见监察法第四条。",
    ],
]


class BankFileError(ValueError):
    """A file the import cannot read at all; the message is Chinese and shown to the user."""


@dataclass(slots=True)
class RowProblem:
    """One problem: the row the user sees (the header's row counts), and what is wrong."""

    row: int
    message: str


@dataclass(slots=True)
class ParsedQuestion:
    """One good row, ready to store."""

    row: int
    kind: QuestionKind
    stem: str
    options: list[str]
    answer: str
    explanation: str | None
    stem_sha256: str


@dataclass(slots=True)
class ParsedFile:
    """The file's good questions, or its problems (when there are any, nothing is imported)."""

    questions: list[ParsedQuestion] = field(default_factory=list)
    problems: list[RowProblem] = field(default_factory=list)


def normalise_stem(stem: str) -> str:
    """The stem as compared: full/half width alike (NFKC), runs of spaces as one."""
    return _SPACES.sub(" ", unicodedata.normalize("NFKC", stem)).strip()


def stem_hash(stem: str) -> str:
    """The key a question is found by in its bank: the SHA-256 of the normalised stem."""
    return sha256(normalise_stem(stem).encode("utf-8")).hexdigest()


def _text(value: Any) -> str:
    """A cell as text: numbers without a stray ".0", dates as 年-月-日, blanks as ""."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "对" if value else "错"  # Excel's TRUE/FALSE in a judge answer
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, date):
        return value.isoformat()
    return str(value).replace("\x00", "").strip()


def _rows(data: bytes) -> Iterator[tuple[int, list[Any]]]:
    try:
        for number, cells in spreadsheets.xlsx_rows(
            data,
            what="题库",
            skip_title=HELP_TITLE,
            max_columns=MAX_COLUMNS,
            max_unzipped=MAX_UNZIPPED_BYTES,
        ):
            if number > MAX_SCANNED_ROWS:
                raise BankFileError(f"文件行数过多（超过 {MAX_SCANNED_ROWS} 行）。")
            yield number, cells
    except spreadsheets.UnreadableSheet as exc:
        raise BankFileError(str(exc)) from exc


def _header_name(cell: Any) -> str:
    name = _SPACES.sub("", unicodedata.normalize("NFKC", _text(cell)))
    for marker in ("*", "(必填)", "(选填)"):
        name = name.replace(marker, "")
    if len(name) == 1 and name.upper() in LETTERS:
        return f"选项{name.upper()}"  # a bare "A" column means 选项A
    if name.startswith("选项") and len(name) == 3:
        return f"选项{name[2].upper()}"  # 选项a as 选项A
    return name


def _locate_header(rows: list[tuple[int, list[Any]]]) -> tuple[dict[str, int], int]:
    """Where each known column sits, and the index of the first data row."""
    for index, (number, cells) in enumerate(rows[:_HEADER_SEARCH]):
        names = [_header_name(cell) for cell in cells]
        if KIND not in names and STEM not in names:
            continue
        missing = [name for name in REQUIRED if name not in names]
        if missing:
            raise BankFileError(
                f"第 {number} 行的表头缺少列：{'、'.join(missing)}。请使用导入模板。"
            )
        repeated = [name for name in HEADERS if names.count(name) > 1]
        if repeated:
            raise BankFileError(f"第 {number} 行的表头中有重复的列：{'、'.join(repeated)}。")
        return {name: names.index(name) for name in HEADERS if name in names}, index + 1
    raise BankFileError(
        f"没有找到表头行：第一行应为列名（{'、'.join(REQUIRED)} 等）。请使用导入模板。"
    )


def _answer(raw: str, kind: QuestionKind) -> str | None:
    """The letters in order ("ACD"), or None when the cell is not letters (or 对/错)."""
    text = unicodedata.normalize("NFKC", raw).strip()
    if kind is QuestionKind.JUDGE and text in JUDGE_WORDS:
        return JUDGE_WORDS[text]
    letters = _ANSWER_SEPARATORS.sub("", text).upper()
    if not letters or not letters.isascii() or not letters.isalpha():
        return None
    return "".join(sorted(set(letters)))


def _check_row(
    number: int, cells: list[Any], columns: dict[str, int]
) -> tuple[ParsedQuestion | None, list[str]]:
    """The row's question (or None) and its problems, in Chinese."""

    def cell(name: str) -> str:
        at = columns.get(name)
        return _text(cells[at]) if at is not None and at < len(cells) else ""

    problems: list[str] = []
    kind_text = cell(KIND)
    kind = KIND_NAMES.get(_SPACES.sub("", kind_text))
    if kind is None:
        problems.append(
            f"题型「{kind_text}」无法识别，应为 单选、多选 或 判断。"
            if kind_text
            else "缺少题型（单选、多选 或 判断）。"
        )
    stem = cell(STEM)
    if not stem:
        problems.append("题干为空。")
    elif len(stem) > STEM_MAX:
        problems.append(f"题干最多 {STEM_MAX} 字，现在是 {len(stem)} 字。")
    options: list[str] = []
    if kind is QuestionKind.JUDGE:
        options = list(JUDGE_OPTIONS)  # whatever the option cells hold: 正确 / 错误
    elif kind is not None:
        given = [cell(name) for name in OPTION_HEADERS]
        while given and not given[-1]:
            given.pop()
        gaps = [LETTERS[i] for i, text in enumerate(given) if not text]
        if gaps:
            problems.append(f"选项{'、'.join(gaps)}为空，但后面还有选项：选项应从 A 起连续填写。")
        options = given
        long = [LETTERS[i] for i, text in enumerate(given) if len(text) > OPTION_MAX]
        if long:
            problems.append(f"选项{'、'.join(long)}超过 {OPTION_MAX} 字。")
        if len(given) < 2:
            problems.append(f"{kind.label}至少需要两个选项，现在有 {len(given)} 个。")
    answer_text = cell(ANSWER)
    answer = _answer(answer_text, kind) if kind is not None else None
    if not answer_text:
        problems.append("缺少答案。")
    elif kind is not None and answer is None:
        hint = "对、错（或 A、B）" if kind is QuestionKind.JUDGE else "选项字母，例如 A 或 ACD"
        problems.append(f"答案「{answer_text}」无法识别，应为{hint}。")
    elif kind is not None and answer is not None:
        allowed = LETTERS[: len(options)]
        beyond = [letter for letter in answer if letter not in allowed]
        if beyond and len(options) >= 2:  # fewer options is reported above
            problems.append(
                f"答案「{answer_text}」中的 {'、'.join(beyond)} 超出了选项范围"
                f"（只有 A–{allowed[-1]}）。"
            )
        if kind in (QuestionKind.SINGLE, QuestionKind.JUDGE) and len(answer) > 1:
            problems.append(f"{kind.label}只能有一个答案，现在是「{answer_text}」。")
    explanation = cell(EXPLANATION)
    if len(explanation) > EXPLANATION_MAX:
        problems.append(f"解析最多 {EXPLANATION_MAX} 字，现在是 {len(explanation)} 字。")
    if problems or kind is None or answer is None:
        return None, problems
    question = ParsedQuestion(
        row=number,
        kind=kind,
        stem=stem,
        options=options,
        answer=answer,
        explanation=explanation or None,
        stem_sha256=stem_hash(stem),
    )
    return question, []


def is_large(data: bytes) -> bool:
    """Whether the .xlsx inflates past LARGE_UNZIPPED_BYTES, judged without parsing it."""
    if not data.startswith(spreadsheets.XLSX_MAGIC):
        return False
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unzipped = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, ValueError, OSError):
        return False  # refused at once by the import itself
    # Past the cap the import refuses it at once, without parsing: no need to queue it.
    return LARGE_UNZIPPED_BYTES < unzipped <= MAX_UNZIPPED_BYTES


def parse(data: bytes, *, filename: str) -> ParsedFile:
    """Check every row of an uploaded bank; raises BankFileError for a file it cannot read.

    CPU-bound: the service runs it through spreadsheets.off_loop.
    """
    if len(data) > MAX_BYTES:
        raise BankFileError(f"文件超过 {MAX_BYTES // 1024 // 1024} MB，请拆分后分批导入。")
    if not data.strip():
        raise BankFileError("文件是空的。")
    suffix = PurePath(filename or "").suffix.lower()
    if data.startswith(spreadsheets.XLS_MAGIC) or suffix == ".xls":
        raise BankFileError("不支持旧版 .xls 文件，请在 Excel 中另存为 .xlsx 后再导入。")
    if not data.startswith(spreadsheets.XLSX_MAGIC):
        raise BankFileError("只支持 Excel（.xlsx）文件，请使用导入模板。")
    rows = [(n, cells) for n, cells in _rows(data) if any(_text(c) for c in cells)]
    if not rows:
        raise BankFileError("文件中没有任何内容。")
    columns, start = _locate_header(rows)
    data_rows = rows[start:]
    if not data_rows:
        raise BankFileError("表头下面没有题目。")
    if len(data_rows) > MAX_ROWS:
        raise BankFileError(
            f"文件有 {len(data_rows)} 道题，超过 {MAX_ROWS} 道的上限，请拆分后分批导入。"
        )
    parsed = ParsedFile()
    first_row: dict[str, int] = {}
    for number, cells in data_rows:
        question, problems = _check_row(number, cells, columns)
        stem = _text(cells[columns[STEM]]) if columns[STEM] < len(cells) else ""
        if stem:
            key = stem_hash(stem)
            if key in first_row:
                problems.append(f"题干与第 {first_row[key]} 行重复。")
                question = None
            else:
                first_row[key] = number
        parsed.problems.extend(RowProblem(number, message) for message in problems)
        if question is not None:
            parsed.questions.append(question)
    if parsed.problems:
        parsed.questions = []
    return parsed


def template() -> bytes:
    """The blank bank: the header row, one example of each kind, and a sheet of instructions."""
    book = spreadsheets.Book()
    widths = {KIND: 8, STEM: 48, ANSWER: 8, EXPLANATION: 40}
    book.sheet(
        SHEET_TITLE,
        HEADERS,
        widths=[widths.get(name, 18) for name in HEADERS],
        required=REQUIRED,
    ).rows(EXAMPLES)
    notes = book.sheet(HELP_TITLE)
    notes.worksheet.column_dimensions["A"].width = 100
    for line in (
        "题型：单选、多选 或 判断（也可写 单选题、多选题、判断题）。",
        "选项：从选项A起连续填写，至少两个，最多到选项F；判断题不用填写选项。",
        "答案：填写正确选项的字母，如 A、ACD 或 A,C；判断题填 对 / 错（或 正确 / 错误、√ / ×）。",
        "解析：可不填，答题后显示给党员。",
        f"每个文件最多 {MAX_ROWS} 道题、{MAX_BYTES // 1024 // 1024} MB；"
        "同一题库中题干相同的题会被更新，不会重复添加。",
        "只要有一行有问题，整个文件都不会导入，页面会列出每个问题所在的行。",
    ):
        notes.row([line])
    return book.to_bytes()
