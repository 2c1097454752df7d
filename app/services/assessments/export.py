"""A period's sheets as .xlsx, through the one spreadsheet writer."""

from __future__ import annotations

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.models import AssessmentEntry, AssessmentPeriod, AssessmentScheme, AssessmentSheet
from app.services import spreadsheets
from app.services.assessments import schemes
from app.services.assessments.review import final, sheets_of


def _shown(value: float | None) -> object:
    """A value as the sheet shows it: 无记录 for none."""
    return "无记录" if value is None else value


async def rows_of(
    session: AsyncSession, *, period: AssessmentPeriod, unit_ids: frozenset[int] | None
) -> tuple[list[str], list[list[object]]]:
    """The header and one row per sheet (the items' final values, the level, the statement)."""
    scheme = await session.get(AssessmentScheme, period.scheme_id)
    assert scheme is not None
    items = schemes.items_of(scheme)
    sheets = await sheets_of(session, period_id=period.id or 0, unit_ids=unit_ids)
    ids = [row.sheet.id for row in sheets]
    entries: dict[tuple[int, str], AssessmentEntry] = {}
    if ids:
        found = await session.exec(
            select(AssessmentEntry).where(col(AssessmentEntry.sheet_id).in_(ids))
        )
        entries = {(entry.sheet_id, entry.code): entry for entry in found.all()}
    header = ["姓名", *[f"{item.heading}·{item.title}" for item in items]]
    header += ["得分", "等级", "自述", "复核申请"]
    rows: list[list[object]] = []
    for row in sheets:
        sheet: AssessmentSheet = row.sheet
        values: list[object] = [row.name]
        for item in items:
            entry = entries.get((sheet.id or 0, item.code))
            values.append(_shown(final(entry)) if entry else "无记录")
        values += [sheet.score, sheet.level or "", sheet.statement or "", sheet.review_reason or ""]
        rows.append(values)
    return header, rows


async def xlsx(
    session: AsyncSession, *, period: AssessmentPeriod, unit_ids: frozenset[int] | None
) -> bytes:
    """The .xlsx, built off the event loop."""
    header, rows = await rows_of(session, period=period, unit_ids=unit_ids)
    return await spreadsheets.off_loop(spreadsheets.write_sheet, "考核表", header, rows, widths=14)
