"""The branch at a glance: a year's figures month by month, each one set-based SQL aggregate.

Every series counts only people within the scope (a unit and the units below it, or the
console user's units); nothing here names or ranks a member.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, case, func, true
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.models import (
    AdmissionFile,
    Broadcast,
    BroadcastRecipient,
    Meeting,
    MeetingAttendance,
    NewsletterIssue,
    NewsletterRead,
    Person,
    PersonStatus,
    PledgeSignature,
    PoliticalStage,
    QuizAttempt,
    Suggestion,
    ThoughtReport,
    VolunteerActivity,
    VolunteerSignup,
)
from app.models.types import CHINA

MONTHS = 12
# 三会一课: 支部党员大会、支委会、党小组会、党课 (a 专题党课 is a 党课 too).
THREE_MEETINGS = ("general_meeting", "committee", "group_meeting", "lecture", "special_lecture")
STUDY_DAY = "study_day"
PIPELINE = (
    PoliticalStage.APPLICANT,
    PoliticalStage.ACTIVIST,
    PoliticalStage.CANDIDATE,
    PoliticalStage.PROBATIONARY,
    PoliticalStage.FULL,
)


@dataclass
class Figures:
    """A year's series (12 months each), the current pipeline, and the year's totals."""

    year: int
    series: dict[str, list[float]] = field(default_factory=dict)
    pipeline: dict[str, int] = field(default_factory=dict)
    meetings: dict[str, int] = field(default_factory=dict)  # meetings held, by kind

    def total(self, name: str) -> float:
        """The year's sum of one series."""
        return sum(self.series.get(name, []))


def month_bounds(year: int) -> list[datetime]:
    """The 13 China-time month starts of the year (the last is next 1 January)."""
    starts = [datetime(year, month, 1, tzinfo=CHINA) for month in range(1, MONTHS + 1)]
    return [*starts, datetime(year + 1, 1, 1, tzinfo=CHINA)]


def month_of(column: Any, bounds: list[datetime]) -> ColumnElement[int]:
    """The China-time month (1–12) of a UTC moment, as SQL both databases run alike."""
    return case(*((column < bounds[m], m) for m in range(1, MONTHS)), else_=MONTHS)


def in_year(column: Any, bounds: list[datetime]) -> ColumnElement[bool]:
    """The moment falls within the year of these month bounds (China time)."""
    found: ColumnElement[bool] = (column >= bounds[0]) & (column < bounds[-1])
    return found


Within = Callable[[Any], ColumnElement[bool]]


def people_in(unit_ids: Collection[int] | None) -> Within:
    """The condition "this person id is of someone within the units" (always true for None:
    the whole branch needs no filter, and an IN over every person costs a third of the time)."""
    if unit_ids is None:
        return lambda column: true()
    ids = select(col(Person.id)).where(col(Person.org_unit_id).in_(list(unit_ids)))
    return lambda column: column.in_(ids)


async def _monthly(session: AsyncSession, statement: Any) -> list[float]:
    """(month, value) rows as 12 values."""
    values = [0.0] * MONTHS
    for month, value in (await session.exec(statement)).all():
        values[int(month) - 1] = float(value or 0)
    return values


async def _attendance(
    session: AsyncSession, kinds: Collection[str], people: Within, bounds: list[datetime]
) -> tuple[list[float], list[float]]:
    """Check-ins and invitations of the kinds' meetings, by the meeting's month."""
    month = month_of(col(Meeting.starts_at), bounds)
    statement = (
        select(
            month,
            func.count(col(MeetingAttendance.checked_in_at)),
            func.count(col(MeetingAttendance.id)),
        )
        .join(Meeting, col(Meeting.id) == col(MeetingAttendance.meeting_id))
        .where(
            col(Meeting.kind).in_(list(kinds)),
            col(Meeting.status) != "cancelled",
            in_year(col(Meeting.starts_at), bounds),
            people(col(MeetingAttendance.person_id)),
        )
        .group_by(month)
    )
    came, asked = [0.0] * MONTHS, [0.0] * MONTHS
    for row in (await session.exec(statement)).all():
        came[int(row[0]) - 1], asked[int(row[0]) - 1] = float(row[1]), float(row[2])
    return came, asked


async def _held(
    session: AsyncSession, unit_ids: Collection[int] | None, bounds: list[datetime]
) -> dict[str, int]:
    """Meetings held in the year by kind (of the units' own meetings)."""
    statement = (
        select(col(Meeting.kind), func.count())
        .where(col(Meeting.status) != "cancelled", in_year(col(Meeting.starts_at), bounds))
        .group_by(col(Meeting.kind))
    )
    if unit_ids is not None:
        statement = statement.where(col(Meeting.org_unit_id).in_(list(unit_ids)))
    return {kind: count for kind, count in (await session.exec(statement)).all()}


def _count_by_month(column: Any, people_column: Any, people: Within, bounds: list[datetime]) -> Any:
    """(month, count) of rows whose moment falls in the year, of people within the scope."""
    month = month_of(column, bounds)
    return (
        select(month, func.count())
        .where(in_year(column, bounds), people(people_column))
        .group_by(month)
    )


async def _volunteering(
    session: AsyncSession, people: Within, bounds: list[datetime]
) -> tuple[list[float], list[float]]:
    """Approved hours and person-times, by the activity's month."""
    month = month_of(col(VolunteerActivity.starts_at), bounds)
    statement = (
        select(month, func.sum(col(VolunteerSignup.half_hours)), func.count())
        .join(VolunteerActivity, col(VolunteerActivity.id) == col(VolunteerSignup.activity_id))
        .where(
            col(VolunteerSignup.half_hours).is_not(None),
            col(VolunteerSignup.half_hours) > 0,
            in_year(col(VolunteerActivity.starts_at), bounds),
            people(col(VolunteerSignup.person_id)),
        )
        .group_by(month)
    )
    hours, times = [0.0] * MONTHS, [0.0] * MONTHS
    for row in (await session.exec(statement)).all():
        hours[int(row[0]) - 1] = float(row[1] or 0) / 2
        times[int(row[0]) - 1] = float(row[2])
    return hours, times


async def _newsletters(
    session: AsyncSession, people: Within, bounds: list[datetime]
) -> tuple[list[float], list[float]]:
    """Issues' reach (recipients WeChat accepted) and reads, by the month the issue went out."""
    month = month_of(col(NewsletterIssue.sent_at), bounds)
    sent = in_year(col(NewsletterIssue.sent_at), bounds)
    reach = await _monthly(
        session,
        select(month, func.count())
        .select_from(BroadcastRecipient)
        .join(Broadcast, col(Broadcast.id) == col(BroadcastRecipient.broadcast_id))
        .join(NewsletterIssue, col(NewsletterIssue.broadcast_id) == col(Broadcast.id))
        .where(
            sent,
            col(BroadcastRecipient.status) == "sent",
            people(col(BroadcastRecipient.person_id)),
        )
        .group_by(month),
    )
    reads = await _monthly(
        session,
        select(month, func.count())
        .select_from(NewsletterRead)
        .join(NewsletterIssue, col(NewsletterIssue.id) == col(NewsletterRead.issue_id))
        .where(sent, people(col(NewsletterRead.person_id)))
        .group_by(month),
    )
    return reach, reads


async def _suggestions(
    session: AsyncSession, people: Within, bounds: list[datetime], figures: Figures
) -> None:
    """Suggestions made, benefit verified and 金点子 awarded, each by its own month."""
    figures.series["suggestions"] = await _monthly(
        session,
        _count_by_month(col(Suggestion.submitted_at), col(Suggestion.person_id), people, bounds),
    )
    verified = month_of(col(Suggestion.verified_at), bounds)
    figures.series["benefit"] = await _monthly(
        session,
        select(verified, func.sum(col(Suggestion.verified_benefit)))
        .where(
            in_year(col(Suggestion.verified_at), bounds),
            col(Suggestion.verified_benefit).is_not(None),
            people(col(Suggestion.person_id)),
        )
        .group_by(verified),
    )
    awarded = month_of(col(Suggestion.awarded_at), bounds)
    figures.series["golden"] = await _monthly(
        session,
        select(awarded, func.count())
        .where(
            in_year(col(Suggestion.awarded_at), bounds),
            col(Suggestion.status) == "golden",
            people(col(Suggestion.person_id)),
        )
        .group_by(awarded),
    )


async def year_figures(
    session: AsyncSession, *, year: int, unit_ids: Collection[int] | None
) -> Figures:
    """The year's figures for the people of `unit_ids` (None: the whole branch)."""
    bounds = month_bounds(year)
    people = people_in(unit_ids)
    figures = Figures(year)
    series = figures.series
    series["study_came"], series["study_asked"] = await _attendance(
        session, (STUDY_DAY,), people, bounds
    )
    series["meetings_came"], series["meetings_asked"] = await _attendance(
        session, THREE_MEETINGS, people, bounds
    )
    signed = _count_by_month(
        col(PledgeSignature.signed_at), col(PledgeSignature.person_id), people, bounds
    ).where(col(PledgeSignature.voided_at).is_(None))
    series["pledges"] = await _monthly(session, signed)
    series["tests"] = await _monthly(
        session,
        _count_by_month(col(QuizAttempt.submitted_at), col(QuizAttempt.person_id), people, bounds),
    )
    series["thought_reports"] = await _monthly(
        session,
        _count_by_month(
            col(ThoughtReport.submitted_at), col(AdmissionFile.person_id), people, bounds
        ).join(AdmissionFile, col(AdmissionFile.id) == col(ThoughtReport.file_id)),
    )
    await _suggestions(session, people, bounds, figures)
    series["volunteer_hours"], series["volunteer_times"] = await _volunteering(
        session, people, bounds
    )
    series["newsletter_reach"], series["newsletter_reads"] = await _newsletters(
        session, people, bounds
    )
    stages = (
        select(col(Person.stage), func.count())
        .where(col(Person.status) == PersonStatus.ACTIVE.value, people(col(Person.id)))
        .group_by(col(Person.stage))
    )
    counts = dict((await session.exec(stages)).all())
    figures.pipeline = {stage.value: int(counts.get(stage.value, 0)) for stage in PIPELINE}
    figures.meetings = await _held(session, unit_ids, bounds)
    return figures


def money(value: float | Decimal) -> str:
    """¥12,000 as 「12,000」 (whole yuan, as the seed's report writes it)."""
    return f"{Decimal(value).quantize(Decimal(1)):,}"
