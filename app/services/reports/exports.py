"""The 台账 downloads: the .xlsx ledger and the Word summary in the seed's words, both audited."""

from __future__ import annotations

import io
from collections.abc import Collection
from pathlib import Path

from docxtpl import DocxTemplate  # type: ignore[import-untyped]
from sqlmodel.ext.asyncio.session import AsyncSession

from app.services import audit
from app.services.people import org_units as org_unit_service
from app.services.reports import ledger
from app.services.reports.figures import Figures, money, year_figures
from app.services.spreadsheets import off_loop

TEMPLATE = Path(__file__).resolve().parent / "templates" / "summary.docx"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
TARGET = "reports"


def _n(value: float) -> str:
    """A count or hours as written in the report: 12, 1.5."""
    return f"{value:g}"


def summary_paragraphs(figures: Figures) -> list[str]:
    """The year's figures in the seed's form (全年召开支部党员大会 N 次……)."""
    held = figures.meetings
    lectures = held.get("lecture", 0) + held.get("special_lecture", 0)
    return [
        f"全年召开支部党员大会 {held.get('general_meeting', 0)} 次、支委会 "
        f"{held.get('committee', 0)} 次、党小组会 {held.get('group_meeting', 0)} 次，"
        f"上党课 {lectures} 次，党员参加三会一课 {_n(figures.total('meetings_came'))} 人次；"
        f"开展党员固定学习日 {held.get('study_day', 0)} 次，参加 "
        f"{_n(figures.total('study_came'))} 人次。",
        f"签订廉洁承诺书 {_n(figures.total('pledges'))} 人次，参加知识测试 "
        f"{_n(figures.total('tests'))} 人次，收到入党积极分子和发展对象思想汇报 "
        f"{_n(figures.total('thought_reports'))} 份。",
        f"收集合理化建议 {_n(figures.total('suggestions'))} 条，评选金点子 "
        f"{_n(figures.total('golden'))} 个，创造经济效益约 ¥{money(figures.total('benefit'))} 元。",
        f"开展志愿服务 {_n(figures.total('volunteer_times'))} 人次 "
        f"{_n(figures.total('volunteer_hours'))} 小时。",
    ]


def _render_word(title: str, paragraphs: list[str], signature: str, dated: str) -> bytes:
    document = DocxTemplate(str(TEMPLATE))
    document.render(
        {"title": title, "paragraphs": paragraphs, "signature": signature, "dated": dated},
        autoescape=True,
    )
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


async def scope_name(session: AsyncSession, unit_id: int | None) -> str:
    """The chosen unit's name (「全支部」 for none)."""
    if unit_id is None:
        return "全支部"
    return (await org_unit_service.path_names(session)).get(unit_id, "全支部")


async def export_ledger(
    session: AsyncSession,
    *,
    year: int,
    unit_id: int | None,
    unit_ids: Collection[int] | None,
    talks: bool,
    actor: audit.Actor,
) -> bytes:
    """The year's 工作台账 as .xlsx (written off the event loop; audited)."""
    data, rows = await ledger.workbook(session, year=year, unit_ids=unit_ids, talks=talks)
    await audit.record(
        session,
        actor=actor,
        action="reports.ledger_export",
        target_type=TARGET,
        target_id=unit_id,
        summary=f"{year}年工作台账（{await scope_name(session, unit_id)}，共 {rows} 行）",
    )
    return data


async def export_word(
    session: AsyncSession,
    *,
    year: int,
    unit_id: int | None,
    unit_ids: Collection[int] | None,
    actor: audit.Actor,
) -> bytes:
    """The year's work summary as .docx (rendered off the event loop; audited)."""
    figures = await year_figures(session, year=year, unit_ids=unit_ids)
    name = await scope_name(session, unit_id)
    title = f"{year}年度党建工作总结（{name}）"
    data = await off_loop(_render_word, title, summary_paragraphs(figures), name, f"{year}年")
    await audit.record(
        session,
        actor=actor,
        action="reports.word_export",
        target_type=TARGET,
        target_id=unit_id,
        summary=title,
    )
    return data
