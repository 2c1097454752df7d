"""The 廉政谈话 export: the talks as an .xlsx sheet with a Chinese header row."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from app.models.types import CHINA
from app.services import audit, spreadsheets
from app.services.talks.records import TARGET, TalkFilter, TalkRow, describe_filter, matching

SHEET_TITLE = "廉政谈话"
# The export's columns (header, width), in order; the summary is the 7th.
EXPORT_COLUMNS = (
    *(("谈话日期", 12), ("工号", 10), ("姓名", 10), ("部门", 16), ("岗位类别", 10)),
    *(("谈话人", 16), ("谈话内容摘要", 60), ("登记人", 10), ("登记时间", 17), ("最后修改", 17)),
)


def _local(moment: datetime) -> str:
    """A UTC moment as China time, to the minute."""
    return moment.astimezone(CHINA).strftime("%Y-%m-%d %H:%M")


def talks_xlsx(rows: Sequence[TalkRow]) -> bytes:
    """The talks, in the order given, as .xlsx bytes (the caller audits the export)."""
    return spreadsheets.write_sheet(
        SHEET_TITLE,
        [header for header, _ in EXPORT_COLUMNS],
        (
            (
                row.talk.held_on,
                row.person.employee_no,
                row.person.name,
                row.person.department,
                row.category_label,
                row.talk.held_by,
                row.talk.summary,
                row.talk.created_by,
                _local(row.talk.created_at),
                _local(row.talk.updated_at),
            )
            for row in rows
        ),
        widths=[width for _, width in EXPORT_COLUMNS],
        wrap=[7],
    )


async def export_talks(
    session: AsyncSession, *, talk_filter: TalkFilter, actor: audit.Actor
) -> bytes:
    """The talks matching the filter as .xlsx bytes, newest first (audited as talk.export)."""
    rows = await matching(session, talk_filter)
    await audit.record(
        session,
        actor=actor,
        action="talk.export",
        target_type=TARGET,
        summary=f"{await describe_filter(session, talk_filter)}（共 {len(rows)} 条，xlsx）",
    )
    return talks_xlsx(rows)
