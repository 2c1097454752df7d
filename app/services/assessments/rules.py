"""The rules an assessment item may be filled by: each one set-based, for everyone at once.

A rule answers, for the people of a period, a value and the records behind it. A person absent
from the answer had nothing to be measured on (no study day invited, not in the pipeline): the
item is 无记录 for them, which is not a zero.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Collection
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import and_, func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.models import (
    AdmissionFile,
    FileStatus,
    MakeupSubmission,
    Meeting,
    MeetingAttendance,
    MeetingKind,
    MeetingStatus,
    PledgeSignature,
    QuizAttempt,
    Suggestion,
    ThoughtReport,
    VolunteerSignup,
)
from app.models.types import CHINA
from app.services.contributions.assessment import verified_contributions


@dataclass(slots=True)
class Measure:
    """One person's value under a rule, and the records behind it (label and console link)."""

    value: float
    evidence: list[dict[str, Any]] = field(default_factory=list)


Found = dict[int, Measure]
RuleFn = Callable[[AsyncSession, list[int], date, date], Awaitable[Found]]


@dataclass(frozen=True, slots=True)
class Rule:
    """A named rule: its Chinese title, the unit of its value, and the query."""

    code: str
    title: str
    unit: str
    run: RuleFn


def bounds(start: date, end: date) -> tuple[datetime, datetime]:
    """The period's China days [start, end] as an aware half-open interval."""
    return (
        datetime.combine(start, time(), CHINA),
        datetime.combine(end + timedelta(days=1), time(), CHINA),
    )


def _add(found: Found, person_id: int, value: float, label: str, href: str) -> None:
    """Add one record's value and its evidence to a person's measure."""
    measure = found.setdefault(person_id, Measure(value=0.0))
    measure.value += value
    measure.evidence.append({"label": label, "href": href})


async def _counted(
    session: AsyncSession,
    people: list[int],
    start: date,
    end: date,
    *,
    columns: tuple[Any, Any, Any],
    label: str,
    path: str,
) -> Found:
    """One point for each record of a person dated within the period, linked as evidence:
    `columns` are the record's person, its id for `path` ("/admin/…/{}") and its date."""
    person, record, when = columns
    low, high = bounds(start, end)
    rows = await session.exec(
        select(person, record).where(col(person).in_(people), col(when) >= low, col(when) < high)
    )
    found: Found = {}
    for person_id, record_id in rows.all():
        _add(found, person_id, 1.0, label, path.format(record_id))
    return found


async def study_attendance(
    session: AsyncSession, people: list[int], start: date, end: date
) -> Found:
    """Study days attended of those invited, in percent; nobody invited → 无记录."""
    low, high = bounds(start, end)
    rows = await session.exec(
        select(
            MeetingAttendance.person_id,
            Meeting.id,
            Meeting.title,
            MeetingAttendance.checked_in_at,
        )
        .join(Meeting, col(Meeting.id) == col(MeetingAttendance.meeting_id))
        .where(
            col(MeetingAttendance.person_id).in_(people),
            col(Meeting.kind) == MeetingKind.STUDY_DAY.value,
            col(Meeting.status) != MeetingStatus.CANCELLED.value,
            col(Meeting.starts_at) >= low,
            col(Meeting.starts_at) < high,
        )
        .order_by(col(Meeting.starts_at))
    )
    invited: dict[int, int] = {}
    found: Found = {}
    for person_id, meeting_id, title, checked_in in rows.all():
        invited[person_id] = invited.get(person_id, 0) + 1
        mark = "已签到" if checked_in else "未到"
        _add(
            found,
            person_id,
            1.0 if checked_in else 0.0,
            f"{title}（{mark}）",
            f"/admin/meetings/{meeting_id}",
        )
    for person_id, measure in found.items():
        measure.value = round(100.0 * measure.value / invited[person_id], 1)
    return found


async def makeups_done(session: AsyncSession, people: list[int], start: date, end: date) -> Found:
    """补学 handed in within the period (a count)."""
    columns = (
        MakeupSubmission.person_id,
        MakeupSubmission.meeting_id,
        MakeupSubmission.submitted_at,
    )
    return await _counted(
        session, people, start, end, columns=columns, label="补学", path="/admin/meetings/{}"
    )


async def pledges_signed(session: AsyncSession, people: list[int], start: date, end: date) -> Found:
    """承诺 signed within the period (a count)."""
    columns = (PledgeSignature.person_id, PledgeSignature.campaign_id, PledgeSignature.signed_at)
    return await _counted(
        session, people, start, end, columns=columns, label="签署承诺", path="/admin/pledges/{}"
    )


async def tests_passed(session: AsyncSession, people: list[int], start: date, end: date) -> Found:
    """Tests handed in within the period: the share passed, in percent."""
    low, high = bounds(start, end)
    rows = await session.exec(
        select(QuizAttempt.person_id, QuizAttempt.quiz_id, QuizAttempt.passed).where(
            col(QuizAttempt.person_id).in_(people),
            col(QuizAttempt.submitted_at) >= low,
            col(QuizAttempt.submitted_at) < high,
        )
    )
    taken: dict[int, int] = {}
    found: Found = {}
    for person_id, quiz_id, passed in rows.all():
        taken[person_id] = taken.get(person_id, 0) + 1
        label = "测试（通过）" if passed else "测试（未通过）"
        _add(found, person_id, 1.0 if passed else 0.0, label, f"/admin/quizzes/{quiz_id}")
    for person_id, measure in found.items():
        measure.value = round(100.0 * measure.value / taken[person_id], 1)
    return found


async def thought_reports(
    session: AsyncSession, people: list[int], start: date, end: date
) -> Found:
    """思想汇报 handed in within the period, for those with an open file; others 无记录."""
    low, high = bounds(start, end)
    files = await session.exec(
        select(AdmissionFile.person_id, AdmissionFile.id).where(
            col(AdmissionFile.person_id).in_(people),
            col(AdmissionFile.status) == FileStatus.OPEN.value,
        )
    )
    found: Found = {person_id: Measure(value=0.0) for person_id, _ in files.all()}
    rows = await session.exec(
        select(AdmissionFile.person_id, ThoughtReport.id)
        .join(AdmissionFile, col(AdmissionFile.id) == col(ThoughtReport.file_id))
        .where(
            col(AdmissionFile.person_id).in_(list(found)),
            col(ThoughtReport.submitted_at) >= low,
            col(ThoughtReport.submitted_at) < high,
        )
    )
    for person_id, report_id in rows.all():
        _add(found, person_id, 1.0, "思想汇报", f"/admin/admission/reports/{report_id}")
    return found


async def suggestions_adopted(
    session: AsyncSession, people: list[int], start: date, end: date
) -> Found:
    """合理化建议 adopted within the period (a count)."""
    columns = (Suggestion.person_id, Suggestion.id, Suggestion.adopted_at)
    return await _counted(
        session, people, start, end, columns=columns, label="建议被采纳",
        path="/admin/suggestions/{}",
    )  # fmt: skip


async def volunteer_hours(
    session: AsyncSession, people: list[int], start: date, end: date
) -> Found:
    """Volunteer hours approved within the period, summed by SQL."""
    low, high = bounds(start, end)
    rows = await session.exec(
        select(
            VolunteerSignup.person_id,
            func.sum(col(VolunteerSignup.half_hours)),
            func.min(col(VolunteerSignup.activity_id)),
            func.count(col(VolunteerSignup.id)),
        )
        .where(
            and_(
                col(VolunteerSignup.person_id).in_(people),
                col(VolunteerSignup.half_hours).is_not(None),
                col(VolunteerSignup.approved_at) >= low,
                col(VolunteerSignup.approved_at) < high,
            )
        )
        .group_by(col(VolunteerSignup.person_id))
    )
    found: Found = {}
    for person_id, half_hours, activity_id, count in rows.all():
        _add(
            found,
            person_id,
            (half_hours or 0) / 2,
            f"志愿服务 {count} 次",
            f"/admin/volunteering/activities/{activity_id}",
        )
    return found


async def contributions(session: AsyncSession, people: list[int], start: date, end: date) -> Found:
    """Verified 岗位建功 dated within the period (a count)."""
    verified = await verified_contributions(session, person_ids=people, start=start, end=end)
    found: Found = {}
    for person_id, one in verified.items():
        for record in one.records:
            _add(
                found,
                person_id,
                1.0,
                f"岗位建功：{record.title}",
                f"/admin/contributions/{record.id}",
            )
    return found


RULES: dict[str, Rule] = {
    rule.code: rule
    for rule in (
        Rule("study_attendance", "固定学习日出勤率", "%", study_attendance),
        Rule("makeups", "补学完成", "次", makeups_done),
        Rule("pledges", "签署承诺", "次", pledges_signed),
        Rule("tests", "测试通过率", "%", tests_passed),
        Rule("thought_reports", "按时提交思想汇报", "篇", thought_reports),
        Rule("suggestions", "合理化建议被采纳", "条", suggestions_adopted),
        Rule("volunteer_hours", "志愿服务时长", "小时", volunteer_hours),
        Rule("contributions", "岗位建功（已核实）", "项", contributions),
    )
}


async def measure_all(
    session: AsyncSession, *, codes: Collection[str], people: list[int], start: date, end: date
) -> dict[str, Found]:
    """Run each named rule once for all the people of the period."""
    return {code: await RULES[code].run(session, people, start, end) for code in codes}
