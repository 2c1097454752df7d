"""A campaign's progress as an Excel workbook: sheets 已签署, 未签署 and 已作废."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from app.models import PledgeCampaign
from app.models.types import CHINA
from app.services import audit, spreadsheets
from app.services.pledges.progress import Progress, SignedLine, progress

SIGNED_HEADERS = ("姓名", "工号", "所在单位", "签署版本", "签署方式", "签署时间", "备注")
UNSIGNED_HEADERS = ("姓名", "工号", "所在单位", "签署通知", "提醒次数", "最后提醒时间", "备注")
VOIDED_HEADERS = (
    "姓名",
    "工号",
    "所在单位",
    "签署版本",
    "签署方式",
    "签署时间",
    "作废时间",
    "作废人",
    "作废原因",
)


def _local(moment: datetime | None) -> str:
    """China time as text; empty for none."""
    # Text, not an Excel date: Excel has no time zones and would show the UTC value.
    return moment.astimezone(CHINA).strftime("%Y-%m-%d %H:%M:%S") if moment else ""


def _sheet(book: spreadsheets.Book, title: str, headers: Sequence[str]) -> spreadsheets.Sheet:
    """A sheet with its header row; the free-text columns wider."""
    wide = ("备注", "签署通知", "作废原因", "所在单位")
    return book.sheet(title, headers, widths=[40 if name in wide else 20 for name in headers])


def _signed_note(line: SignedLine) -> str:
    """What the 备注 column says about a signature."""
    notes = ["签署的是旧版本"] if line.older else []
    if not line.still_asked:
        notes.append("已不在签署范围内（仍计入已签署）")
    return "；".join(notes)


def workbook(found: Progress) -> bytes:
    """The .xlsx bytes: sheets 已签署, 未签署 and 已作废, one row per person, Chinese headers."""
    book = spreadsheets.Book()
    signed = _sheet(book, "已签署", SIGNED_HEADERS)
    for s in found.signed_lines:
        who = s.who
        signed.row(
            [
                who.name,
                who.employee_no,
                who.unit,
                f"第 {s.version_number} 版",
                s.channel,
                _local(s.signed_at),
                _signed_note(s),
            ]
        )
    unsigned = _sheet(book, "未签署", UNSIGNED_HEADERS)
    for u in found.unsigned_lines:
        who = u.who
        unsigned.row(
            [
                who.name,
                who.employee_no,
                who.unit,
                u.prompt_note,
                u.reminders,
                _local(u.last_reminded_at),
                "原签署已作废" if u.voided else "",
            ]
        )
    voided = _sheet(book, "已作废", VOIDED_HEADERS)
    for v in found.voided_lines:
        who = v.who
        voided.row(
            [
                who.name,
                who.employee_no,
                who.unit,
                f"第 {v.version_number} 版",
                v.channel,
                _local(v.signed_at),
                _local(v.voided_at),
                v.voided_by,
                v.reason,
            ]
        )
    return book.to_bytes()


async def export_progress(
    session: AsyncSession,
    *,
    campaign: PledgeCampaign,
    actor: audit.Actor,
    now: datetime,
    unit_ids: frozenset[int] | None = None,
) -> bytes:
    """The progress as .xlsx bytes (names within `unit_ids`), audited as pledge.export."""
    found = await progress(session, campaign=campaign, now=now, unit_ids=unit_ids)
    await audit.record(
        session,
        actor=actor,
        action="pledge.export",
        target_type="pledge_campaign",
        target_id=campaign.id,
        summary=f"导出签署情况：{campaign.title}（已签署 {found.signed}/{found.total} 人）",
    )
    return workbook(found)
