"""一键工作台账: a year's records of a unit as one .xlsx, one sheet per kind of record.

The rows are read with one query a sheet and written off the event loop in openpyxl's
write-only mode (spreadsheets.StreamBook): 10,000 people × a year stays within seconds and a
few dozen MB.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Select
from sqlalchemy import select as core_select
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from app.models import (
    AdmissionFile,
    AdmissionStep,
    IntegrityTalk,
    Meeting,
    MeetingAttendance,
    MeetingKind,
    Person,
    PledgeCampaign,
    PledgeSignature,
    PoliticalStage,
    Quiz,
    QuizAttempt,
    Suggestion,
    SuggestionCategory,
    SuggestionStatus,
    TalkCategory,
    ThoughtReport,
    VolunteerActivity,
    VolunteerSignup,
)
from app.models.pledges import SignatureChannel
from app.models.types import CHINA, label_of
from app.services.admission import procedure
from app.services.reports.figures import STUDY_DAY, THREE_MEETINGS, month_bounds, people_in
from app.services.spreadsheets import StreamBook

WHO = ("姓名", "工号", "所在组织")


@dataclass
class SheetRows:
    """One sheet: its title, header and rows (with the person's unit id to name it)."""

    title: str
    header: Sequence[str]
    rows: list[Sequence[Any]] = field(default_factory=list)
    widths: Sequence[float] | float = 18.0


async def _rows(session: AsyncSession, statement: Any) -> list[Any]:
    """The rows of a many-column query (sqlmodel's select types at most four)."""
    return list((await session.exec(statement)).all())


def _when(moment: datetime | None) -> str:
    return f"{moment.astimezone(CHINA):%Y-%m-%d %H:%M}" if moment else ""


def _day(moment: datetime | None) -> str:
    return f"{moment.astimezone(CHINA):%Y-%m-%d}" if moment else ""


def _in_year(column: Any, year: int) -> Any:
    bounds = month_bounds(year)
    return (column >= bounds[0]) & (column < bounds[-1])


async def _meetings(
    session: AsyncSession, people: Select[Any], year: int, kinds: Collection[str]
) -> list[Sequence[Any]]:
    statement = (
        core_select(
            col(Meeting.starts_at),
            col(Meeting.kind),
            col(Meeting.title),
            col(Person.name),
            col(Person.employee_no),
            col(Person.org_unit_id),
            col(MeetingAttendance.checked_in_at),
        )
        .join(Meeting, col(Meeting.id) == col(MeetingAttendance.meeting_id))
        .join(Person, col(Person.id) == col(MeetingAttendance.person_id))
        .where(
            col(Meeting.kind).in_(list(kinds)),
            col(Meeting.status) != "cancelled",
            _in_year(col(Meeting.starts_at), year),
            col(Person.id).in_(people),
        )
        .order_by(col(Meeting.starts_at), col(Meeting.id), col(Person.employee_no))
    )
    return [
        (
            _when(at),
            label_of(MeetingKind, kind),
            title,
            name,
            no,
            unit,
            "已签到" if came else "未签到",
        )
        for at, kind, title, name, no, unit, came in await _rows(session, statement)
    ]


async def _pledges(session: AsyncSession, people: Select[Any], year: int) -> list[Sequence[Any]]:
    statement = (
        core_select(
            col(PledgeCampaign.title),
            col(Person.name),
            col(Person.employee_no),
            col(Person.org_unit_id),
            col(PledgeSignature.version_number),
            col(PledgeSignature.signed_at),
            col(PledgeSignature.channel),
        )
        .join(PledgeCampaign, col(PledgeCampaign.id) == col(PledgeSignature.campaign_id))
        .join(Person, col(Person.id) == col(PledgeSignature.person_id))
        .where(
            col(PledgeSignature.voided_at).is_(None),
            _in_year(col(PledgeSignature.signed_at), year),
            col(Person.id).in_(people),
        )
        .order_by(col(PledgeSignature.signed_at), col(PledgeSignature.id))
    )
    return [
        (title, name, no, unit, f"第 {number} 版", _when(at), label_of(SignatureChannel, how))
        for title, name, no, unit, number, at, how in await _rows(session, statement)
    ]


async def _talks(session: AsyncSession, people: Select[Any], year: int) -> list[Sequence[Any]]:
    bounds = month_bounds(year)
    statement = (
        core_select(
            col(IntegrityTalk.held_on),
            col(Person.name),
            col(Person.employee_no),
            col(Person.org_unit_id),
            col(IntegrityTalk.category),
            col(IntegrityTalk.held_by),
        )
        .join(Person, col(Person.id) == col(IntegrityTalk.person_id))
        .where(
            col(IntegrityTalk.held_on) >= bounds[0].date(),
            col(IntegrityTalk.held_on) < bounds[-1].date(),
            col(Person.id).in_(people),
        )
        .order_by(col(IntegrityTalk.held_on), col(IntegrityTalk.id))
    )
    return [
        (held_on, name, no, unit, label_of(TalkCategory, category), by)
        for held_on, name, no, unit, category, by in await _rows(session, statement)
    ]


async def _tests(session: AsyncSession, people: Select[Any], year: int) -> list[Sequence[Any]]:
    statement = (
        core_select(
            col(Quiz.title),
            col(Person.name),
            col(Person.employee_no),
            col(Person.org_unit_id),
            col(QuizAttempt.score),
            col(QuizAttempt.passed),
            col(QuizAttempt.submitted_at),
        )
        .join(Quiz, col(Quiz.id) == col(QuizAttempt.quiz_id))
        .join(Person, col(Person.id) == col(QuizAttempt.person_id))
        .where(_in_year(col(QuizAttempt.submitted_at), year), col(Person.id).in_(people))
        .order_by(col(Quiz.id), col(Person.employee_no))
    )
    return [
        (title, name, no, unit, score, "合格" if passed else "不合格", _when(at))
        for title, name, no, unit, score, passed, at in await _rows(session, statement)
    ]


async def _development(
    session: AsyncSession, people: Select[Any], year: int
) -> list[Sequence[Any]]:
    bounds = month_bounds(year)
    titles = {step.code: f"{step.number}. {step.title}" for step in procedure.STEPS}
    statement = (
        core_select(
            col(Person.name),
            col(Person.employee_no),
            col(Person.org_unit_id),
            col(Person.stage),
            col(AdmissionStep.code),
            col(AdmissionStep.done_on),
            col(AdmissionStep.document_no),
        )
        .join(AdmissionFile, col(AdmissionFile.id) == col(AdmissionStep.file_id))
        .join(Person, col(Person.id) == col(AdmissionFile.person_id))
        .where(
            col(AdmissionStep.done_on) >= bounds[0].date(),
            col(AdmissionStep.done_on) < bounds[-1].date(),
            col(Person.id).in_(people),
        )
        .order_by(col(AdmissionStep.done_on), col(AdmissionStep.id))
    )
    return [
        (name, no, unit, label_of(PoliticalStage, stage), titles.get(code, code), done, doc or "")
        for name, no, unit, stage, code, done, doc in await _rows(session, statement)
    ]


async def _thought_reports(
    session: AsyncSession, people: Select[Any], year: int
) -> list[Sequence[Any]]:
    statement = (
        core_select(
            col(Person.name),
            col(Person.employee_no),
            col(Person.org_unit_id),
            col(ThoughtReport.quarter),
            col(ThoughtReport.submitted_at),
            col(ThoughtReport.acknowledged_at),
        )
        .join(AdmissionFile, col(AdmissionFile.id) == col(ThoughtReport.file_id))
        .join(Person, col(Person.id) == col(AdmissionFile.person_id))
        .where(_in_year(col(ThoughtReport.submitted_at), year), col(Person.id).in_(people))
        .order_by(col(ThoughtReport.submitted_at), col(ThoughtReport.id))
    )
    return [
        (name, no, unit, quarter, _when(at), "已阅" if seen else "未阅")
        for name, no, unit, quarter, at, seen in await _rows(session, statement)
    ]


async def _suggestions(
    session: AsyncSession, people: Select[Any], year: int
) -> list[Sequence[Any]]:
    statement = (
        core_select(
            col(Suggestion.number),
            col(Suggestion.submitted_at),
            col(Person.name),
            col(Person.employee_no),
            col(Person.org_unit_id),
            col(Suggestion.category),
            col(Suggestion.status),
            col(Suggestion.verified_benefit),
        )
        .join(Person, col(Person.id) == col(Suggestion.person_id))
        .where(_in_year(col(Suggestion.submitted_at), year), col(Person.id).in_(people))
        .order_by(col(Suggestion.submitted_at), col(Suggestion.id))
    )
    return [
        (
            number or "",
            _day(at),
            name,
            no,
            unit,
            label_of(SuggestionCategory, category),
            label_of(SuggestionStatus, status),
            float(benefit) if benefit is not None else None,
            "是" if status == SuggestionStatus.GOLDEN.value else "",
        )
        for number, at, name, no, unit, category, status, benefit in await _rows(session, statement)
    ]


async def _volunteering(
    session: AsyncSession, people: Select[Any], year: int
) -> list[Sequence[Any]]:
    statement = (
        core_select(
            col(VolunteerActivity.starts_at),
            col(VolunteerActivity.title),
            col(Person.name),
            col(Person.employee_no),
            col(Person.org_unit_id),
            col(VolunteerSignup.half_hours),
        )
        .join(VolunteerActivity, col(VolunteerActivity.id) == col(VolunteerSignup.activity_id))
        .join(Person, col(Person.id) == col(VolunteerSignup.person_id))
        .where(
            col(VolunteerSignup.half_hours).is_not(None),
            col(VolunteerSignup.half_hours) > 0,
            _in_year(col(VolunteerActivity.starts_at), year),
            col(Person.id).in_(people),
        )
        .order_by(col(VolunteerActivity.starts_at), col(VolunteerActivity.id))
    )
    return [
        (_day(at), title, name, no, unit, (halves or 0) / 2)
        for at, title, name, no, unit, halves in await _rows(session, statement)
    ]


async def sheets(
    session: AsyncSession, *, year: int, unit_ids: Collection[int] | None, talks: bool
) -> list[SheetRows]:
    """Every sheet of the year's ledger (廉政谈话 only for admins: `talks`)."""
    people = people_in(unit_ids)
    meeting_header = ("会议时间", "会议类别", "会议", *WHO, "出勤")
    found = [
        SheetRows(
            "三会一课", meeting_header, await _meetings(session, people, year, THREE_MEETINGS)
        ),
        SheetRows(
            "固定学习日", meeting_header, await _meetings(session, people, year, (STUDY_DAY,))
        ),
        SheetRows(
            "廉洁承诺",
            ("承诺书", *WHO, "签署版本", "签署时间", "方式"),
            await _pledges(session, people, year),
        ),
    ]
    if talks:
        found.append(
            SheetRows(
                "廉政谈话",
                ("谈话日期", *WHO, "岗位类别", "谈话人"),
                await _talks(session, people, year),
            )
        )
    found += [
        SheetRows(
            "知识测试",
            ("测试", *WHO, "成绩", "是否合格", "提交时间"),
            await _tests(session, people, year),
        ),
        SheetRows(
            "发展党员",
            (*WHO, "当前阶段", "完成步骤", "完成日期", "文号"),
            await _development(session, people, year),
        ),
        SheetRows(
            "思想汇报",
            (*WHO, "季度", "提交时间", "是否已阅"),
            await _thought_reports(session, people, year),
        ),
        SheetRows(
            "合理化建议",
            ("编号", "提交日期", *WHO, "类别", "状态", "核定效益（元）", "金点子"),
            await _suggestions(session, people, year),
        ),
        SheetRows(
            "志愿服务",
            ("活动日期", "活动", *WHO, "时长（小时）"),
            await _volunteering(session, people, year),
        ),
        # 三亮三挂三考核: when the assessments feature lands, its sheet is added here.
    ]
    return found


def _unit_column(header: Sequence[str]) -> int | None:
    return header.index("所在组织") if "所在组织" in header else None


def workbook(found: Sequence[SheetRows], unit_names: dict[int, str]) -> bytes:
    """The .xlsx (CPU work: run it off the event loop); unit ids become their names."""
    book = StreamBook()
    for sheet in found:
        append: Callable[[Sequence[object]], None] = book.sheet(
            sheet.title, sheet.header, widths=sheet.widths
        )
        at = _unit_column(sheet.header)
        for row in sheet.rows:
            if at is not None:
                row = [*row[:at], unit_names.get(row[at] or 0, ""), *row[at + 1 :]]
            append(row)
    return book.to_bytes()
