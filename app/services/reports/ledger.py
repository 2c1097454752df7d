"""一键工作台账: a year's records of a unit as one .xlsx, one sheet per kind of record, each
read with one query and streamed into the book off the event loop (spreadsheets.StreamBook)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select as core_select
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from app.models import (
    AdmissionFile,
    AdmissionStep,
    AssessmentPeriod,
    AssessmentSheet,
    IntegrityTalk,
    Meeting,
    MeetingAttendance,
    MeetingKind,
    PeriodKind,
    PeriodStatus,
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
from app.services.assessments.periods import name_of as period_name
from app.services.people import org_units as org_unit_service
from app.services.reports.figures import (
    STUDY_DAY,
    THREE_MEETINGS,
    Within,
    month_bounds,
    people_in,
)
from app.services.spreadsheets import StreamBook, off_loop

WHO = ("姓名", "工号", "所在组织")


@dataclass(frozen=True)
class SheetPlan:
    """One sheet: its title, header and how its rows are read."""

    title: str
    header: Sequence[str]
    fetch: Callable[[AsyncSession, Any, int], Awaitable[list[Sequence[Any]]]]


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
    session: AsyncSession, people: Within, year: int, kinds: Collection[str]
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
            people(col(Person.id)),
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


async def _pledges(session: AsyncSession, people: Within, year: int) -> list[Sequence[Any]]:
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
            people(col(Person.id)),
        )
        .order_by(col(PledgeSignature.signed_at), col(PledgeSignature.id))
    )
    return [
        (title, name, no, unit, f"第 {number} 版", _when(at), label_of(SignatureChannel, how))
        for title, name, no, unit, number, at, how in await _rows(session, statement)
    ]


async def _talks(session: AsyncSession, people: Within, year: int) -> list[Sequence[Any]]:
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
            people(col(Person.id)),
        )
        .order_by(col(IntegrityTalk.held_on), col(IntegrityTalk.id))
    )
    return [
        (held_on, name, no, unit, label_of(TalkCategory, category), by)
        for held_on, name, no, unit, category, by in await _rows(session, statement)
    ]


async def _tests(session: AsyncSession, people: Within, year: int) -> list[Sequence[Any]]:
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
        .where(_in_year(col(QuizAttempt.submitted_at), year), people(col(Person.id)))
        .order_by(col(Quiz.id), col(Person.employee_no))
    )
    return [
        (title, name, no, unit, score, "合格" if passed else "不合格", _when(at))
        for title, name, no, unit, score, passed, at in await _rows(session, statement)
    ]


async def _development(session: AsyncSession, people: Within, year: int) -> list[Sequence[Any]]:
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
            people(col(Person.id)),
        )
        .order_by(col(AdmissionStep.done_on), col(AdmissionStep.id))
    )
    return [
        (name, no, unit, label_of(PoliticalStage, stage), titles.get(code, code), done, doc or "")
        for name, no, unit, stage, code, done, doc in await _rows(session, statement)
    ]


async def _thought_reports(session: AsyncSession, people: Within, year: int) -> list[Sequence[Any]]:
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
        .where(_in_year(col(ThoughtReport.submitted_at), year), people(col(Person.id)))
        .order_by(col(ThoughtReport.submitted_at), col(ThoughtReport.id))
    )
    return [
        (name, no, unit, quarter, _when(at), "已阅" if seen else "未阅")
        for name, no, unit, quarter, at, seen in await _rows(session, statement)
    ]


async def _suggestions(session: AsyncSession, people: Within, year: int) -> list[Sequence[Any]]:
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
        .where(_in_year(col(Suggestion.submitted_at), year), people(col(Person.id)))
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


async def _volunteering(session: AsyncSession, people: Within, year: int) -> list[Sequence[Any]]:
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
            people(col(Person.id)),
        )
        .order_by(col(VolunteerActivity.starts_at), col(VolunteerActivity.id))
    )
    return [
        (_day(at), title, name, no, unit, (halves or 0) / 2)
        for at, title, name, no, unit, halves in await _rows(session, statement)
    ]


async def _assessments(session: AsyncSession, people: Within, year: int) -> list[Sequence[Any]]:
    """The signed-off sheets of the year's periods (months, quarters, the year)."""
    statement = (
        core_select(
            col(AssessmentPeriod.kind),
            col(AssessmentPeriod.starts_on),
            col(Person.name),
            col(Person.employee_no),
            col(Person.org_unit_id),
            col(AssessmentSheet.score),
            col(AssessmentSheet.level),
            col(AssessmentSheet.review_requested_at),
        )
        .join(AssessmentPeriod, col(AssessmentPeriod.id) == col(AssessmentSheet.period_id))
        .join(Person, col(Person.id) == col(AssessmentSheet.person_id))
        .where(
            col(AssessmentPeriod.status) == PeriodStatus.SIGNED.value,
            col(AssessmentPeriod.starts_on) >= date(year, 1, 1),
            col(AssessmentPeriod.starts_on) < date(year + 1, 1, 1),
            people(col(Person.id)),
        )
        .order_by(col(AssessmentPeriod.starts_on), col(AssessmentPeriod.kind), col(Person.id))
    )
    return [
        (period_name(PeriodKind(kind), on), name, no, unit, score, level or "待评定",
         "是" if review else "")
        for kind, on, name, no, unit, score, level, review in await _rows(session, statement)
    ]  # fmt: skip


Fetch = Callable[[AsyncSession, Within, int], Awaitable[list[Sequence[Any]]]]


def _meeting_rows(kinds: Collection[str]) -> Fetch:
    async def fetch(session: AsyncSession, people: Within, year: int) -> list[Sequence[Any]]:
        """The kinds' meetings and who came."""
        return await _meetings(session, people, year, kinds)

    return fetch


def plan(*, talks: bool) -> list[SheetPlan]:
    """The ledger's sheets in order (廉政谈话 only for admins: `talks`)."""
    meeting_header = ("会议时间", "会议类别", "会议", *WHO, "出勤")
    found = [
        SheetPlan("三会一课", meeting_header, _meeting_rows(THREE_MEETINGS)),
        SheetPlan("固定学习日", meeting_header, _meeting_rows((STUDY_DAY,))),
        SheetPlan("廉洁承诺", ("承诺书", *WHO, "签署版本", "签署时间", "方式"), _pledges),
    ]
    if talks:
        found.append(SheetPlan("廉政谈话", ("谈话日期", *WHO, "岗位类别", "谈话人"), _talks))
    found += [
        SheetPlan("知识测试", ("测试", *WHO, "成绩", "是否合格", "提交时间"), _tests),
        SheetPlan("发展党员", (*WHO, "当前阶段", "完成步骤", "完成日期", "文号"), _development),
        SheetPlan("思想汇报", (*WHO, "季度", "提交时间", "是否已阅"), _thought_reports),
        SheetPlan(
            "合理化建议",
            ("编号", "提交日期", *WHO, "类别", "状态", "核定效益（元）", "金点子"),
            _suggestions,
        ),
        SheetPlan("志愿服务", ("活动日期", "活动", *WHO, "时长（小时）"), _volunteering),
        SheetPlan("三亮三挂三考核", ("考核期", *WHO, "得分", "等级", "申请复核"), _assessments),
    ]
    return found


def write_sheet(
    book: StreamBook,
    sheet: SheetPlan,
    rows: Sequence[Sequence[Any]],
    unit_names: dict[int, str],
) -> None:
    """One sheet into the book (CPU work: run it off the event loop); unit ids become names."""
    at = sheet.header.index("所在组织") if "所在组织" in sheet.header else None

    def named(row: Sequence[Any]) -> Sequence[Any]:
        """The row with its unit's name."""
        if at is None:
            return row
        return [*row[:at], unit_names.get(row[at] or 0, ""), *row[at + 1 :]]

    book.sheet(sheet.title, sheet.header, (named(row) for row in rows), widths=18.0)


async def workbook(
    session: AsyncSession, *, year: int, unit_ids: Collection[int] | None, talks: bool
) -> tuple[bytes, int]:
    """The ledger as .xlsx and its number of rows (one sheet's rows in memory at a time)."""
    people = people_in(unit_ids)
    names = await org_unit_service.path_names(session)
    book = StreamBook()
    total = 0
    for sheet in plan(talks=talks):
        rows = await sheet.fetch(session, people, year)
        await off_loop(write_sheet, book, sheet, rows, names)
        total += len(rows)
        del rows
    return await off_loop(book.to_bytes), total
