"""Shared by the question-bank and quiz-console tests: bank files built in the test, imports."""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

from openpyxl import Workbook
from openpyxl.worksheet.worksheet import Worksheet
from sqlmodel import col, select

from app.db import unit_of_work
from app.models import Question
from app.services import audit
from app.services.quizzes import bank as bank_service
from tests.support.app import AppClient

HEADERS = ["题型", "题干", "选项A", "选项B", "选项C", "选项D", "选项E", "选项F", "答案", "解析"]
ACTOR = audit.Actor(id=None, name="党群部测试")


def row(
    kind: str, stem: str, options: Sequence[str] = (), answer: str = "", explanation: str = ""
) -> list[Any]:
    """One row in the template's column order (options A–F, blanks after the given ones)."""
    padded = list(options) + [""] * (6 - len(options))
    return [kind, stem, *padded, answer, explanation]


# The 监察法 bank: two of each kind, answers written the ways people write them.
SUPERVISION = [
    row("单选", "《监察法》自何时起施行？", ["2018年3月20日", "2018年5月1日", "2019年1月1日"], "A"),
    row(
        "单选题",
        "监察委员会依照法律规定独立行使监察权，不受谁的干涉？",
        ["人民法院", "行政机关、社会团体和个人", "上级监察委员会", "人民检察院"],
        "b",
        "《监察法》第四条。",
    ),
    row("多选", "监察机关可以采取哪些措施？", ["谈话", "询问", "查询", "罚款"], "A,B,C"),
    row("多选题", "监察对象包括哪些人员？", ["公务员", "国企管理人员", "个体工商户"], "a b"),
    row("判断", "监察机关可以对所有行使公权力的公职人员进行监察。", (), "对", "监察全覆盖。"),
    row("判断题", "监察委员会是行政机关。", (), "×"),
]


def bank_xlsx(rows: Sequence[Sequence[Any]], *, headers: Sequence[str] = HEADERS) -> bytes:
    """An .xlsx bank: the header row, then the rows."""
    book = Workbook()
    sheet = book.active
    assert isinstance(sheet, Worksheet)
    sheet.title = "题库"
    sheet.append(list(headers))
    for values in rows:
        sheet.append([None if value == "" else value for value in values])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


async def import_bank(
    client: AppClient,
    data: bytes,
    *,
    bank: str = "监察法",
    filename: str = "监察法题库.xlsx",
) -> bank_service.ImportReport:
    """Import a bank file through the service, committed (the console's own unit of work)."""
    app = client.app
    async with unit_of_work(app.state.sessions) as session:
        return await bank_service.import_questions(
            session, bank=bank, data=data, filename=filename, actor=ACTOR, now=app.state.clock()
        )


async def questions(client: AppClient, bank: str | None = None) -> list[Question]:
    """The stored questions (of one bank), in import order."""
    async with client.sessions() as session:
        statement = select(Question).order_by(col(Question.id))
        if bank is not None:
            statement = statement.where(Question.bank == bank)
        return list((await session.exec(statement)).all())
