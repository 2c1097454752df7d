"""The 台账's queries: one statement per sheet, its columns the sheet's cells (ledger_sql), so
rows go from the database to the sheet as they come; only 三亮三挂三考核 names its periods here."""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from datetime import date
from typing import Any, NamedTuple

from sqlalchemy import Float, String, case, cast, func, literal, tuple_
from sqlalchemy import select as core_select
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
from app.services.admission import procedure
from app.services.assessments.periods import name_of as period_name
from app.services.reports.figures import Within, in_year, month_bounds
from app.services.reports.ledger_sql import china_day, china_minute, label, labels, when

Units = Mapping[int, str]  # each unit's name, for 所在组织


class Query(NamedTuple):
    """A sheet's statement and, where a cell is not made in SQL, how a row becomes the sheet's."""

    statement: Any
    row: Callable[[Sequence[Any]], Sequence[Any]] | None = None


def _who(units: Units) -> tuple[Any, ...]:
    """Who each row is about: the columns under the sheets' 姓名, 工号, 所在组织."""
    unit = labels(units, col(Person.org_unit_id), other="")
    return col(Person.name), col(Person.employee_no), unit


def meetings(people: Within, year: int, units: Units, kinds: Collection[str]) -> Query:
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
    came = col(MeetingAttendance.checked_in_at).is_not(None)
    statement = (
        core_select(
            china_minute(col(Meeting.starts_at)),
            label(MeetingKind, col(Meeting.kind)),
            col(Meeting.title),
            *_who(units),
            case((came, "已签到"), (on_leave, "请假"), else_="缺席"),
            when(made_up, "已补学", None),
        )
        .join(Meeting, col(Meeting.id) == col(MeetingAttendance.meeting_id))
        .join(Person, col(Person.id) == col(MeetingAttendance.person_id))
        .where(
            col(Meeting.kind).in_(list(kinds)),
            col(Meeting.status) != "cancelled",
            in_year(col(Meeting.starts_at), month_bounds(year)),
            people(col(Person.id)),
        )
        .order_by(col(Meeting.starts_at), col(Meeting.id), col(Person.employee_no))
    )
    return Query(statement)


def pledges(people: Within, year: int, units: Units) -> Query:
    """The year's signatures of 廉洁承诺书 that stand (not voided)."""
    version = cast(col(PledgeSignature.version_number), String)
    statement = (
        core_select(
            col(PledgeCampaign.title),
            *_who(units),
            literal("第 ", String) + version + literal(" 版", String),
            china_minute(col(PledgeSignature.signed_at)),
            label(SignatureChannel, col(PledgeSignature.channel)),
        )
        .join(PledgeCampaign, col(PledgeCampaign.id) == col(PledgeSignature.campaign_id))
        .join(Person, col(Person.id) == col(PledgeSignature.person_id))
        .where(
            col(PledgeSignature.voided_at).is_(None),
            in_year(col(PledgeSignature.signed_at), month_bounds(year)),
            people(col(Person.id)),
        )
        .order_by(col(PledgeSignature.signed_at), col(PledgeSignature.id))
    )
    return Query(statement)


def talks(people: Within, year: int, units: Units) -> Query:
    """The year's 廉政谈话 (admins only: the plan leaves it out for others)."""
    bounds = month_bounds(year)
    statement = (
        core_select(
            col(IntegrityTalk.held_on),
            *_who(units),
            label(TalkCategory, col(IntegrityTalk.category)),
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
    return Query(statement)


def tests(people: Within, year: int, units: Units) -> Query:
    """The year's submitted knowledge tests and their results."""
    statement = (
        core_select(
            col(Quiz.title),
            *_who(units),
            col(QuizAttempt.score),
            when(col(QuizAttempt.passed), "合格", "不合格"),
            china_minute(col(QuizAttempt.submitted_at)),
        )
        .join(Quiz, col(Quiz.id) == col(QuizAttempt.quiz_id))
        .join(Person, col(Person.id) == col(QuizAttempt.person_id))
        .where(in_year(col(QuizAttempt.submitted_at), month_bounds(year)), people(col(Person.id)))
        .order_by(col(Quiz.id), col(Person.employee_no))
    )
    return Query(statement)


def development(people: Within, year: int, units: Units) -> Query:
    """The admission steps done in the year, with each person's stage today."""
    bounds = month_bounds(year)
    titles = {step.code: f"{step.number}. {step.title}" for step in procedure.STEPS}
    statement = (
        core_select(
            *_who(units),
            label(PoliticalStage, col(Person.stage)),
            labels(titles, col(AdmissionStep.code)),
            col(AdmissionStep.done_on),
            func.coalesce(col(AdmissionStep.document_no), ""),
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
    return Query(statement)


def thought_reports(people: Within, year: int, units: Units) -> Query:
    """The year's 思想汇报 and whether each was read."""
    statement = (
        core_select(
            *_who(units),
            col(ThoughtReport.quarter),
            china_minute(col(ThoughtReport.submitted_at)),
            when(col(ThoughtReport.acknowledged_at).is_not(None), "已阅", "未阅"),
        )
        .join(AdmissionFile, col(AdmissionFile.id) == col(ThoughtReport.file_id))
        .join(Person, col(Person.id) == col(AdmissionFile.person_id))
        .where(in_year(col(ThoughtReport.submitted_at), month_bounds(year)), people(col(Person.id)))
        .order_by(col(ThoughtReport.submitted_at), col(ThoughtReport.id))
    )
    return Query(statement)


def suggestions(people: Within, year: int, units: Units) -> Query:
    """The year's 合理化建议, with the verified benefit and 金点子."""
    status = col(Suggestion.status)
    statement = (
        core_select(
            func.coalesce(col(Suggestion.number), ""),
            china_day(col(Suggestion.submitted_at)),
            *_who(units),
            label(SuggestionCategory, col(Suggestion.category)),
            label(SuggestionStatus, status),
            cast(col(Suggestion.verified_benefit), Float),
            when(status == SuggestionStatus.GOLDEN.value, "是", ""),
        )
        .join(Person, col(Person.id) == col(Suggestion.person_id))
        .where(in_year(col(Suggestion.submitted_at), month_bounds(year)), people(col(Person.id)))
        .order_by(col(Suggestion.submitted_at), col(Suggestion.id))
    )
    return Query(statement)


def volunteering(people: Within, year: int, units: Units) -> Query:
    """The year's volunteer service with recorded hours."""
    statement = (
        core_select(
            china_day(col(VolunteerActivity.starts_at)),
            col(VolunteerActivity.title),
            *_who(units),
            cast(func.coalesce(col(VolunteerSignup.half_hours), 0), Float) / 2,
        )
        .join(VolunteerActivity, col(VolunteerActivity.id) == col(VolunteerSignup.activity_id))
        .join(Person, col(Person.id) == col(VolunteerSignup.person_id))
        .where(
            col(VolunteerSignup.half_hours).is_not(None),
            col(VolunteerSignup.half_hours) > 0,
            in_year(col(VolunteerActivity.starts_at), month_bounds(year)),
            people(col(Person.id)),
        )
        .order_by(
            col(VolunteerActivity.starts_at), col(VolunteerActivity.id), col(Person.employee_no)
        )
    )
    return Query(statement)


def assessments(people: Within, year: int, units: Units) -> Query:
    """The signed-off sheets of the year's periods (months, quarters, the year)."""
    level = col(AssessmentSheet.level)
    statement = (
        core_select(
            col(AssessmentPeriod.kind),
            col(AssessmentPeriod.starts_on),
            *_who(units),
            col(AssessmentSheet.score),
            case((func.coalesce(level, "") == "", "待评定"), else_=level),
            when(col(AssessmentSheet.review_requested_at).is_not(None), "是", ""),
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
        lambda row: (period_name(PeriodKind(row[0]), row[1]), *row[2:]),
    )
