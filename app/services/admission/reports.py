"""思想汇报: handed in from WeChat (text, or photos of a handwritten report), read and
acknowledged by the 培养联系人 with a comment.

Photos go to the shared attachment store (owner kind "thought_report"), whose
`attachments.fetch` job keeps our copy before WeChat's 3 days are up.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.config import Settings
from app.models import (
    AssigneeRole,
    Attachment,
    Broadcast,
    Person,
    PoliticalStage,
    ThoughtReport,
)
from app.models.types import CHINA, china_day
from app.services import attachments, audit
from app.services.admission import deadlines, dossiers
from app.services.admission.dossiers import Dossier
from app.services.broadcasts import notices

SUBJECT = "thought_report"  # a broadcast's subject type (the contact's link leads to the report)
PAGE = "admission/reports"  # the member page /m/admission/reports/<id>
MIN_CHARS = 50
MAX_CHARS = 10_000
MAX_PHOTOS = 9
PHOTOS = SUBJECT  # the photos' owner kind in the attachment store
COMMENT_MAX = 1_000
NOT_IN_PIPELINE = "您目前不在发展党员培养考察期内，无需提交思想汇报。"


class ReportRefused(ValueError):
    """A report (or an acknowledgement) the rules do not allow, with the reason in Chinese."""


@dataclass(frozen=True)
class Photo:
    """A photo sent in the chat: WeChat's PicUrl and MediaId."""

    url: str
    media_id: str


def quarter_of(now: datetime) -> str:
    """The China-time quarter of a moment: "2026Q4"."""
    return deadlines.quarter_of(now.astimezone(CHINA).date())


def quarter_label(quarter: str) -> str:
    """ "2026Q4" → "2026年第4季度"."""
    return f"{quarter[:4]}年第{quarter[-1]}季度"


def _audit_actor(dossier: Dossier, via: str) -> audit.Actor:
    return audit.Actor(id=None, name=f"{dossier.person.name}（{'微信' if via == 'chat' else via}）")


async def submit(
    session: AsyncSession,
    *,
    dossier: Dossier | None,
    content: str | None,
    photos: Sequence[Photo],
    via: str,
    now: datetime,
) -> ThoughtReport:
    """Store a thought report for the quarter `now` is in (China time)."""
    if dossier is None or not deadlines.reports_due(dossier):
        raise ReportRefused(NOT_IN_PIPELINE)
    text = (content or "").strip()
    if len(text) > MAX_CHARS:
        raise ReportRefused(f"思想汇报不能超过 {MAX_CHARS} 字（本次 {len(text)} 字），请分次递交。")
    if len(photos) > MAX_PHOTOS:
        raise ReportRefused(f"一份思想汇报最多 {MAX_PHOTOS} 张照片。")
    if len(text) < MIN_CHARS and not photos:
        raise ReportRefused(
            f"思想汇报内容过短（不少于 {MIN_CHARS} 字，本次 {len(text)} 字）。"
            "手写稿请直接发送照片。"
        )
    report = ThoughtReport(
        file_id=dossier.id,
        quarter=quarter_of(now),
        submitted_at=now,
        via=via,
        content=text or None,
    )
    session.add(report)
    await session.flush()
    for photo in photos:
        await add_photo(session, report=report, url=photo.url, media_id=photo.media_id, now=now)
    dossier.reports.append(report)
    await audit.record(
        session,
        actor=_audit_actor(dossier, via),
        action="admission.report",
        target_type=SUBJECT,
        target_id=report.id,
        summary=f"{dossier.person.name}：递交{quarter_label(report.quarter)}思想汇报"
        f"（{len(text)} 字，{len(photos)} 张照片）",
    )
    return report


async def add_photo(
    session: AsyncSession, *, report: ThoughtReport, url: str, media_id: str, now: datetime
) -> ThoughtReport:
    """Add a photo to a report (at most MAX_PHOTOS); refused once it has been acknowledged.

    The photo joins the shared attachment store, whose job keeps a copy before WeChat's expires.
    """
    if report.acknowledged_at is not None:
        raise ReportRefused("这份思想汇报已经确认阅读，不能再添加照片。")
    if report.photo_count >= MAX_PHOTOS:
        raise ReportRefused(f"一份思想汇报最多 {MAX_PHOTOS} 张照片，本张没有收录。")
    assert report.id is not None
    await attachments.from_chat(
        session, owner_kind=PHOTOS, owner_id=report.id, media_id=media_id, url=url, now=now
    )
    report.photo_count = await attachments.count(session, owner_kind=PHOTOS, owner_id=report.id)
    session.add(report)
    await session.flush()
    return report


async def photo(session: AsyncSession, *, report: ThoughtReport, number: int) -> Attachment | None:
    """The report's photo `number` (1-based), with its bytes if kept."""
    assert report.id is not None
    listed = (await attachments.of(session, owner_kind=PHOTOS, owner_ids=[report.id]))[report.id]
    if not 1 <= number <= len(listed):
        return None
    chosen = listed[number - 1].id
    return await attachments.get(
        session, attachment_id=chosen or 0, owner_kind=PHOTOS, owner_id=report.id
    )


async def set_text(session: AsyncSession, *, report: ThoughtReport, content: str) -> ThoughtReport:
    """Give a photo report its text (typed after the photos), within the length limit."""
    text = content.strip()
    if len(text) > MAX_CHARS:
        raise ReportRefused(f"思想汇报不能超过 {MAX_CHARS} 字（本次 {len(text)} 字），请分次递交。")
    report.content = f"{report.content}\n{text}" if report.content else text
    session.add(report)
    await session.flush()
    return report


async def get(session: AsyncSession, *, report_id: int) -> ThoughtReport | None:
    """A report by id."""
    return await session.get(ThoughtReport, report_id)


async def acknowledge(
    session: AsyncSession,
    *,
    report: ThoughtReport,
    by: audit.Actor,
    comment: str,
    now: datetime,
) -> ThoughtReport:
    """The contact (or an admin on their behalf) has read the report: once, with a comment."""
    if report.acknowledged_at is not None:
        when = report.acknowledged_at.astimezone(CHINA)
        raise ReportRefused(
            f"这份思想汇报已由 {report.acknowledged_by or '他人'} 于 "
            f"{when:%Y-%m-%d %H:%M} 确认阅读，不能重复确认。"
        )
    text = comment.strip()
    if not text:
        raise ReportRefused("请填写阅读意见。")
    if len(text) > COMMENT_MAX:
        raise ReportRefused(f"阅读意见请控制在 {COMMENT_MAX} 字以内。")
    report.acknowledged_by, report.acknowledged_at, report.comment = by.name[:64], now, text
    session.add(report)
    await session.flush()
    await audit.record(
        session,
        actor=by,
        action="admission.report_ack",
        target_type=SUBJECT,
        target_id=report.id,
        summary=f"确认阅读{quarter_label(report.quarter)}思想汇报：{text}",
        after={"acknowledged_by": report.acknowledged_by, "comment": text},
    )
    return report


async def tell_contacts(
    session: AsyncSession,
    *,
    report: ThoughtReport,
    dossier: Dossier,
    settings: Settings,
    now: datetime,
) -> Broadcast | None:
    """One notice (per report) to the file's 培养联系人, each with their own link to the report."""
    contacts = dossier.people(AssigneeRole.CONTACT)
    if not contacts or report.id is None:
        return None
    name = dossier.person.name
    count = report.photo_count
    what = f"（手写稿 {count} 张照片）" if count else ""
    message = notices.message(
        f"思想汇报：{name}",
        f"【思想汇报】{name}递交了{quarter_label(report.quarter)}思想汇报{what}，"
        "请点击查看并填写阅读意见。",
        thing="请查看并填写阅读意见",
        when=report.submitted_at,
    )
    # The push's /m/r/ link leads each contact to /m/admission/reports/<id> as themselves.
    message["track_opens"] = True
    return await notices.notify(
        session,
        key=f"admission.report_in:{report.id}",
        kind="admission_report",
        subject=(SUBJECT, report.id),
        message=message,
        people=contacts,
        settings=settings,
        now=now,
        created_by="wechat",
    )


async def tell_reporter(
    session: AsyncSession,
    *,
    report: ThoughtReport,
    dossier: Dossier,
    settings: Settings,
    now: datetime,
) -> Broadcast | None:
    """The reporter hears, once, that the contact has read the report, and what they said."""
    if report.id is None or dossier.person.id is None:
        return None
    message = notices.message(
        "思想汇报已阅",
        f"培养联系人已阅您的思想汇报：{report.comment or ''}",
        thing=report.comment or "已阅",
        when=now,
    )
    return await notices.notify(
        session,
        key=f"admission.report_ack:{report.id}",
        kind="admission_report_ack",
        subject=(SUBJECT, report.id),
        message=message,
        people=[dossier.person.id],
        settings=settings,
        now=now,
        created_by=report.acknowledged_by or "console",
    )


async def for_quarter(session: AsyncSession, *, file_id: int, quarter: str) -> list[ThoughtReport]:
    """The file's reports of one quarter, oldest first."""
    statement = (
        select(ThoughtReport)
        .where(ThoughtReport.file_id == file_id, ThoughtReport.quarter == quarter)
        .order_by(col(ThoughtReport.submitted_at))
    )
    return list((await session.exec(statement)).all())


def countdown(person: Person, *, today: date) -> str | None:
    """A probationary member's days to the end of 预备期, as 我的记录 shows it."""
    ends = person.probation_ends_on
    if person.stage != PoliticalStage.PROBATIONARY.value or ends is None:
        return None
    day = china_day(ends)
    left = (ends - today).days
    if left > 0:
        return f"距预备期满还有 {left} 天（{day}），届时支部将讨论转正"
    if left == 0:
        return f"今天预备期满（{day}），支部将讨论转正"
    return f"预备期已于{day}届满，等待支部讨论转正"


async def my_lines(session: AsyncSession, *, person: Person, now: datetime) -> list[str]:
    """What 我的记录 says about the member's development: the probation countdown, and whether
    this quarter's 思想汇报 is handed in (for those who hand them in)."""
    today = now.astimezone(CHINA).date()
    lines = [line] if (line := countdown(person, today=today)) else []
    if person.id is None:
        return lines
    dossier = await dossiers.for_person(session, person_id=person.id)
    if dossier is None or not deadlines.reports_due(dossier):
        return lines
    quarter = quarter_of(now)
    label = quarter_label(quarter)
    mine = [r for r in dossier.reports if r.quarter == quarter]
    if mine:
        when = mine[-1].submitted_at.astimezone(CHINA)
        lines.append(f"{label}思想汇报：已递交（{china_day(when, year=False)}）")
    else:
        ends = deadlines.quarter_end(today)
        lines.append(
            f"{label}思想汇报：未递交（{china_day(ends, year=False)}前），回复「思想汇报」即可递交"
        )
    return lines
