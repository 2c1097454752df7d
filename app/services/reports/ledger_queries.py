"""The 台账's queries: one statement per sheet and how each of its rows is written."""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from datetime import date, datetime
from functools import lru_cache
from typing import Any, NamedTuple

from sqlalchemy import select as core_select
from sqlalchemy import tuple_
from sqlmodel import col

from app.models import (
    AdmissionFile,
    AdmissionStep,
    AssessmentPeriod,
    AssessmentSheet,
    IntegrityTalk,
    LeaveRequest,
    LeaveStatus,
    MakeupSubmission,
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
from app.services.reports.figures import Within, month_bounds

# Who each row is about, the columns under the sheets' 姓名, 工号, 所在组织.
_WHO = (col(Person.name), col(Person.employee_no), col(Person.org_unit_id))


class Query(NamedTuple):
    """A sheet's statement and how one of its rows becomes the sheet's row."""

    statement: Any
    row: Callable[..., Sequence[Any]]


@lru_cache(maxsize=4096)
def _when(moment: datetime | None) -> str:
    """A moment as Beijing time to the minute (cached: a meeting's time repeats per person)."""
    return f"{moment.astimezone(CHINA):%Y-%m-%d %H:%M}" if moment else ""


@lru_cache(maxsize=4096)
def _day(moment: datetime | None) -> str:
    return f"{moment.astimezone(CHINA):%Y-%m-%d}" if moment else ""


def _in_year(column: Any, year: int) -> Any:
    bounds = month_bounds(year)
    return (column >= bounds[0]) & (column < bounds[-1])


def meetings(people: Within, year: int, kinds: Collection[str]) -> Query:
    """The kinds' meetings of the year, a row per person invited: came, on leave or absent,
    and whether they made it up (补学)."""
    # Uncorrelated IN over (meeting, person): PostgreSQL hashes each set once instead of
    # probing an index twice for each of the year's hundreds of thousands of rows.
    pair = tuple_(col(MeetingAttendance.meeting_id), col(MeetingAttendance.person_id))
    on_leave = pair.in_(
        core_select(col(LeaveRequest.meeting_id), col(LeaveRequest.person_id)).where(
            col(LeaveRequest.status) == LeaveStatus.APPROVED.value
        )
    )
    made_up = pair.in_(
        core_select(col(MakeupSubmission.meeting_id), col(MakeupSubmission.person_id))
    )
    statement = (
        core_select(
            col(Meeting.starts_at),
            col(Meeting.kind),
            col(Meeting.title),
            *_WHO,
            col(MeetingAttendance.checked_in_at),
            on_leave,
            made_up,
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
    return Query(
        statement,
        lambda at, kind, title, name, no, unit, came, leave, makeup: (
            _when(at), label_of(MeetingKind, kind), title, name, no, unit,
            "已签到" if came else "请假" if leave else "缺席", "已补学" if makeup else None,
        ),
    )  # fmt: skip


def pledges(people: Within, year: int) -> Query:
    """The year's signatures of 廉洁承诺书 that stand (not voided)."""
    statement = (
        core_select(
            col(PledgeCampaign.title),
            *_WHO,
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
    return Query(
        statement,
        lambda title, name, no, unit, number, at, how: (
            title,
            name,
            no,
            unit,
            f"第 {number} 版",
            _when(at),
            label_of(SignatureChannel, how),
        ),
    )


def talks(people: Within, year: int) -> Query:
    """The year's 廉政谈话 (admins only: the plan leaves it out for others)."""
    bounds = month_bounds(year)
    statement = (
        core_select(
            col(IntegrityTalk.held_on),
            *_WHO,
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
    return Query(
        statement,
        lambda held_on, name, no, unit, category, by: (
            held_on,
            name,
            no,
            unit,
            label_of(TalkCategory, category),
            by,
        ),
    )


def tests(people: Within, year: int) -> Query:
    """The year's submitted knowledge tests and their results."""
    statement = (
        core_select(
            col(Quiz.title),
            *_WHO,
            col(QuizAttempt.score),
            col(QuizAttempt.passed),
            col(QuizAttempt.submitted_at),
        )
        .join(Quiz, col(Quiz.id) == col(QuizAttempt.quiz_id))
        .join(Person, col(Person.id) == col(QuizAttempt.person_id))
        .where(_in_year(col(QuizAttempt.submitted_at), year), people(col(Person.id)))
        .order_by(col(Quiz.id), col(Person.employee_no))
    )
    return Query(
        statement,
        lambda title, name, no, unit, score, passed, at: (
            title,
            name,
            no,
            unit,
            score,
            "合格" if passed else "不合格",
            _when(at),
        ),
    )


def development(people: Within, year: int) -> Query:
    """The admission steps done in the year, with each person's stage today."""
    bounds = month_bounds(year)
    titles = {step.code: f"{step.number}. {step.title}" for step in procedure.STEPS}
    statement = (
        core_select(
            *_WHO,
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
    return Query(
        statement,
        lambda name, no, unit, stage, code, done, doc: (
            name,
            no,
            unit,
            label_of(PoliticalStage, stage),
            titles.get(code, code),
            done,
            doc or "",
        ),
    )


def thought_reports(people: Within, year: int) -> Query:
    """The year's 思想汇报 and whether each was read."""
    statement = (
        core_select(
            *_WHO,
            col(ThoughtReport.quarter),
            col(ThoughtReport.submitted_at),
            col(ThoughtReport.acknowledged_at),
        )
        .join(AdmissionFile, col(AdmissionFile.id) == col(ThoughtReport.file_id))
        .join(Person, col(Person.id) == col(AdmissionFile.person_id))
        .where(_in_year(col(ThoughtReport.submitted_at), year), people(col(Person.id)))
        .order_by(col(ThoughtReport.submitted_at), col(ThoughtReport.id))
    )
    return Query(
        statement,
        lambda name, no, unit, quarter, at, seen: (
            name,
            no,
            unit,
            quarter,
            _when(at),
            "已阅" if seen else "未阅",
        ),
    )


def suggestions(people: Within, year: int) -> Query:
    """The year's 合理化建议, with the verified benefit and 金点子."""
    statement = (
        core_select(
            col(Suggestion.number),
            col(Suggestion.submitted_at),
            *_WHO,
            col(Suggestion.category),
            col(Suggestion.status),
            col(Suggestion.verified_benefit),
        )
        .join(Person, col(Person.id) == col(Suggestion.person_id))
        .where(_in_year(col(Suggestion.submitted_at), year), people(col(Person.id)))
        .order_by(col(Suggestion.submitted_at), col(Suggestion.id))
    )
    return Query(
        statement,
        lambda number, at, name, no, unit, category, status, benefit: (
            number or "",
            _day(at),
            name,
            no,
            unit,
            label_of(SuggestionCategory, category),
            label_of(SuggestionStatus, status),
            float(benefit) if benefit is not None else None,
            "是" if status == SuggestionStatus.GOLDEN.value else "",
        ),
    )


def volunteering(people: Within, year: int) -> Query:
    """The year's volunteer service with recorded hours."""
    statement = (
        core_select(
            col(VolunteerActivity.starts_at),
            col(VolunteerActivity.title),
            *_WHO,
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
    return Query(
        statement,
        lambda at, title, name, no, unit, halves: (
            _day(at),
            title,
            name,
            no,
            unit,
            (halves or 0) / 2,
        ),
    )


def assessments(people: Within, year: int) -> Query:
    """The signed-off sheets of the year's periods (months, quarters, the year)."""
    statement = (
        core_select(
            col(AssessmentPeriod.kind),
            col(AssessmentPeriod.starts_on),
            *_WHO,
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
    return Query(
        statement,
        lambda kind, on, name, no, unit, score, level, review: (
            period_name(PeriodKind(kind), on), name, no, unit, score, level or "待评定",
            "是" if review else "",
        ),
    )  # fmt: skip
