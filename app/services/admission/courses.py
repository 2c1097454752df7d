"""发展对象培训班: courses whose sessions are meetings and whose closing exam is a test."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.models import (
    AdmissionCourse,
    CourseSession,
    MeetingAttendance,
    QuizAttempt,
)


@dataclass(frozen=True)
class Standing:
    """Where one candidate stands in one course."""

    course: AdmissionCourse
    hours: int  # 学时 of the sessions they checked in to
    exam_score: int | None  # their best submitted score, None when not taken
    exam_passed: bool

    @property
    def passed(self) -> bool:
        """Enough 学时 and the exam passed (a course without an exam needs the hours only)."""
        has_exam = self.course.quiz_id is not None
        return self.hours >= self.course.required_hours and (self.exam_passed or not has_exam)

    @property
    def shortfall(self) -> str | None:
        """Why the course is not passed yet, in words; None when it is."""
        missing = []
        if self.hours < self.course.required_hours:
            missing.append(f"已修 {self.hours} 学时，须满 {self.course.required_hours} 学时")
        if self.course.quiz_id is not None and not self.exam_passed:
            missing.append(
                "结业考试未参加"
                if self.exam_score is None
                else f"结业考试 {self.exam_score} 分未通过"
            )
        return "；".join(missing) or None


async def standing(session: AsyncSession, *, course: AdmissionCourse, person_id: int) -> Standing:
    """The person's attended 学时 and exam result in the course."""
    hours = (
        await session.exec(
            select(func.coalesce(func.sum(CourseSession.hours), 0))
            .join(
                MeetingAttendance,
                col(MeetingAttendance.meeting_id) == col(CourseSession.meeting_id),
            )
            .where(
                CourseSession.course_id == course.id,
                MeetingAttendance.person_id == person_id,
                col(MeetingAttendance.checked_in_at).is_not(None),
            )
        )
    ).one()
    score, passed = None, False
    if course.quiz_id is not None:
        attempts = (
            await session.exec(
                select(QuizAttempt).where(
                    QuizAttempt.quiz_id == course.quiz_id,
                    QuizAttempt.person_id == person_id,
                    col(QuizAttempt.submitted_at).is_not(None),
                )
            )
        ).all()
        scores = [a.score for a in attempts if a.score is not None]
        score = max(scores) if scores else None
        passed = any(a.passed for a in attempts)
    return Standing(course=course, hours=int(hours), exam_score=score, exam_passed=passed)


async def standings(
    session: AsyncSession, *, course_ids: Sequence[int], person_id: int
) -> list[Standing]:
    """The person's standing in each of these courses."""
    found = []
    for course_id in course_ids:
        course = await session.get(AdmissionCourse, course_id)
        if course is not None:
            found.append(await standing(session, course=course, person_id=person_id))
    return found
