"""The question bank: importing .xlsx files (all or nothing), re-imports, refusals, retiring."""

from __future__ import annotations

import io
import zipfile

import openpyxl
import pytest
from openpyxl.worksheet.worksheet import Worksheet
from sqlmodel import select

from app.db import unit_of_work
from app.models import AuditLog, Question, QuestionKind
from app.services.quizzes import bank as bank_service
from app.services.quizzes import bank_file
from app.services.quizzes.bank_file import BankFileError
from tests.support.app import AppClient
from tests.support.plugin import count_rows
from tests.support.question_bank import (
    ACTOR,
    HEADERS,
    SUPERVISION,
    bank_xlsx,
    import_bank,
    questions,
    row,
)


async def test_a_good_file_imports_every_question_with_answers_normalised(
    client: AppClient,
) -> None:
    """Six questions, answers as letters in order; judge questions get 正确 / 错误 as options."""
    report = await import_bank(client, bank_xlsx(SUPERVISION))
    assert (report.created, report.updated, report.unchanged, report.problems) == (6, 0, 0, [])
    stored = await questions(client, "监察法")
    kinds = ["single", "single", "multiple", "multiple", "judge", "judge"]
    assert [q.kind for q in stored] == kinds
    assert [q.answer for q in stored] == ["A", "B", "ABC", "AB", "A", "B"]
    assert stored[0].options == ["2018年3月20日", "2018年5月1日", "2019年1月1日"]
    assert stored[4].options == ["正确", "错误"] and stored[4].explanation == "监察全覆盖。"
    assert stored[0].explanation is None and all(q.active for q in stored)
    assert {q.imported_by for q in stored} == {"党群部测试"}
    async with client.sessions() as session:
        entry = (
            await session.exec(select(AuditLog).where(AuditLog.action == "question.import"))
        ).one()
    assert entry.target_type == "question"
    assert (
        entry.summary is not None and "「监察法」" in entry.summary and "新增 6 题" in entry.summary
    )
    assert entry.after is not None and entry.after["created"] == 6


async def test_reimporting_updates_instead_of_doubling(client: AppClient) -> None:
    """The same stems again: unchanged; a corrected answer: updated; another bank: new questions."""
    await import_bank(client, bank_xlsx(SUPERVISION))
    again = await import_bank(client, bank_xlsx(SUPERVISION))
    assert (again.created, again.updated, again.unchanged) == (0, 0, 6)
    corrected = [list(r) for r in SUPERVISION]
    corrected[2][8] = "ABCD"  # the answer column
    # Extra spaces and full-width letters in a stem are the same stem.
    corrected[0][1] = "  《监察法》自何时起施行？ "
    corrected.append(row("判断", "监察法属于宪法性法律。", (), "正确"))
    report = await import_bank(client, bank_xlsx(corrected))
    assert (report.created, report.updated, report.unchanged) == (1, 1, 5)
    stored = await questions(client, "监察法")
    assert len(stored) == 7
    assert stored[2].answer == "ABCD" and stored[0].stem == "《监察法》自何时起施行？"
    other = await import_bank(client, bank_xlsx(SUPERVISION[:2]), bank="十九大")
    assert other.created == 2
    assert await count_rows(client, Question) == 9


async def test_a_bad_file_reports_every_bad_row_and_imports_nothing(
    client: AppClient,
) -> None:
    """Each problem with its row number (the header is row 1); not one question stored."""
    rows = [
        SUPERVISION[0],  # row 2: good
        row("单选", "单选题给了两个答案", ["甲", "乙", "丙"], "AB"),  # row 3
        row("单选", "答案超出选项", ["甲", "乙"], "C"),  # row 4
        row("多选", "只有一个选项", ["甲"], "A"),  # row 5
        row("判断", "", (), "对"),  # row 6: empty stem
        row("单选", "《监察法》自何时起施行？", ["甲", "乙"], "A"),  # row 7: the stem of row 2
        row("填空", "不认识的题型", ["甲", "乙"], "A"),  # row 8
        row("单选", "缺少答案", ["甲", "乙"], ""),  # row 9
        row("判断", "判断题答案写错", (), "也许"),  # row 10
        row("单选", "选项中间空了一个", ["甲", "", "丙"], "A"),  # row 11
    ]
    report = await import_bank(client, bank_xlsx(rows))
    problems = {(p.row, p.message) for p in report.problems}
    assert [p.row for p in report.problems] == [3, 4, 5, 6, 7, 8, 9, 10, 11]
    assert (3, "单选题只能有一个答案，现在是「AB」。") in problems
    assert (4, "答案「C」中的 C 超出了选项范围（只有 A–B）。") in problems
    assert (5, "多选题至少需要两个选项，现在有 1 个。") in problems
    assert (6, "题干为空。") in problems
    assert (7, "题干与第 2 行重复。") in problems
    assert (8, "题型「填空」无法识别，应为 单选、多选 或 判断。") in problems
    assert (9, "缺少答案。") in problems
    assert (10, "答案「也许」无法识别，应为对、错（或 A、B）。") in problems
    assert (11, "选项B为空，但后面还有选项：选项应从 A 起连续填写。") in problems
    assert (report.created, report.updated, report.unchanged) == (0, 0, 0)
    assert await count_rows(client, Question) == 0
    assert await count_rows(client, AuditLog) == 0


@pytest.mark.parametrize(
    ("data", "filename", "message"),
    [
        (b"PK\x03\x04" + b"x" * (2 * 1024 * 1024), "大.xlsx", "文件超过 2 MB"),
        ("题型,题干,答案\n单选,题,A\n".encode(), "题库.csv", "只支持 Excel（.xlsx）文件"),
        (b"\xd0\xcf\x11\xe0" + b"\x00" * 64, "旧.xls", "不支持旧版 .xls 文件"),
        (b"PK\x03\x04 not really a zip", "坏.xlsx", "文件已损坏或不是 .xlsx 格式"),
        (b"", "空.xlsx", "文件是空的"),
    ],
)
async def test_files_that_cannot_be_read_are_refused_with_the_reason(
    client: AppClient, data: bytes, filename: str, message: str
) -> None:
    """Too big, not .xlsx, the old .xls, a broken zip, empty: a Chinese reason, nothing stored."""
    with pytest.raises(BankFileError, match=message):
        await import_bank(client, data, filename=filename)
    assert await count_rows(client, Question) == 0


async def test_header_problems_and_too_many_rows_are_refused(client: AppClient) -> None:
    """Missing 题干 / 答案 columns, a header with nothing below it, and 2,001 questions."""
    no_answer = bank_xlsx([["单选", "题", "甲", "乙"]], headers=["题型", "题干", "选项A", "选项B"])
    with pytest.raises(BankFileError, match="表头缺少列：答案"):
        await import_bank(client, no_answer)
    with pytest.raises(BankFileError, match="没有找到表头行"):
        await import_bank(client, bank_xlsx([["x"]], headers=["姓名", "工号"]))
    with pytest.raises(BankFileError, match="表头下面没有题目"):
        await import_bank(client, bank_xlsx([]))
    many = [row("判断", f"第 {i} 道判断题", (), "对") for i in range(2001)]
    with pytest.raises(BankFileError, match="超过 2000 道的上限"):
        await import_bank(client, bank_xlsx(many))
    # 2,000 is fine, and a title row above the header is skipped (read only: no need to store).
    book = openpyxl.load_workbook(io.BytesIO(bank_xlsx(many[:2000])))
    sheet = book.active
    assert isinstance(sheet, Worksheet)
    sheet.insert_rows(1)
    sheet["A1"] = "监察法题库（2026 年版）"
    buffer = io.BytesIO()
    book.save(buffer)
    parsed = bank_file.parse(buffer.getvalue(), filename="监察法.xlsx")
    assert len(parsed.questions) == 2000 and parsed.problems == []
    assert parsed.questions[0].row == 3


async def test_a_zip_bomb_is_refused_before_it_is_read(client: AppClient) -> None:
    """A small file that would inflate past the limit: refused from its declared sizes alone."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b"\x00" * (60 * 1024 * 1024))
    with pytest.raises(BankFileError, match="解压后过大"):
        await import_bank(client, buffer.getvalue())


async def test_the_template_imports_as_one_question_of_each_kind(
    client: AppClient,
) -> None:
    """The downloadable template: the header row and three examples that import cleanly."""
    data = bank_service.template()
    sheet = openpyxl.load_workbook(io.BytesIO(data)).worksheets[0]
    assert [c.value for c in sheet[1]] == HEADERS
    report = await import_bank(client, data, bank="模板")
    assert report.created == 3 and report.problems == []
    assert sorted(q.kind for q in await questions(client)) == ["judge", "multiple", "single"]


async def test_banks_listing_filters_and_retiring(client: AppClient) -> None:
    """Banks by name with counts; a retired question is left out of active lists, then restored."""
    await import_bank(client, bank_xlsx(SUPERVISION))
    await import_bank(client, bank_xlsx(SUPERVISION[4:]), bank="十九大")
    app = client.app
    async with unit_of_work(app.state.sessions) as session:
        judge = await bank_service.list_questions(session, bank="监察法", kind=QuestionKind.JUDGE)
        assert [q.answer for q in judge] == ["A", "B"]
        await bank_service.retire(session, question=judge[0], actor=ACTOR, now=app.state.clock())
    async with unit_of_work(app.state.sessions) as session:
        summaries = await bank_service.banks(session)
        assert [(b.name, b.active, b.retired, b.total) for b in summaries] == [
            ("十九大", 2, 0, 2),
            ("监察法", 5, 1, 6),
        ]
        active = await bank_service.list_questions(session, bank="监察法", active=True)
        assert judge[0].id not in {q.id for q in active} and len(active) == 5
        retired = await bank_service.list_questions(session, active=False)
        assert [q.id for q in retired] == [judge[0].id]
        await bank_service.restore(session, question=retired[0], actor=ACTOR, now=app.state.clock())
    assert len(await questions(client)) == 8 and all(q.active for q in await questions(client))
    async with app.state.sessions() as session:
        actions = (
            await session.exec(
                select(AuditLog.action).where(AuditLog.target_id == str(judge[0].id))
            )
        ).all()
    assert sorted(actions) == ["question.restore", "question.retire"]
