"""Where a candidate stands in a 发展对象培训班 (学时 attended, the exam) and step 11 from it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.models import (
    AdmissionCourse,
    AdmissionFile,
    AdmissionStep,
    CourseSession,
    MeetingAttendance,
    QuizAttempt,
)
from app.services import audit

# steps imports this module too: its names are read when called, not at import.
from app.services.admission import dossiers, steps
from app.services.admission.courses import CourseRefused, CourseView, enrolled_file_ids


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


@dataclass(frozen=True)
class Place:
    """One enrolled candidate: their file and where they stand."""

    dossier: dossiers.Dossier
    standing: Standing


async def roster(session: AsyncSession, *, course: AdmissionCourse) -> list[Place]:
    """Each enrolled candidate's file and standing, by name."""
    files = [
        found
        for file_id in await enrolled_file_ids(session, course=course)
        if (found := await session.get(AdmissionFile, file_id)) is not None
    ]
    places = [
        Place(dossier, await standing(session, course=course, person_id=dossier.person.id or 0))
        for dossier in await dossiers.load_many(session, files)
    ]
    return sorted(places, key=lambda p: p.dossier.person.name)


def training_input(course: CourseView, standing: Standing) -> steps.StepInput:
    """Step 11 (开展集中培训) as the course gives it: from its first session's day to its last,
    with the 学时 the person attended, dated the last day."""
    first, last = course.first_day, course.last_day
    if first is None or last is None:
        raise CourseRefused(f"培训班「{course.course.title}」还没有安排课程")
    exam = ""
    if standing.exam_score is not None:
        exam = f"，结业考试 {standing.exam_score} 分"
    return steps.StepInput(
        code="training",
        done_on=last,
        training_starts_on=first,
        training_ends_on=last,
        training_hours=standing.hours,
        note=f"培训班「{course.course.title}」，已修 {standing.hours} 学时{exam}",
    )


async def record_training(
    session: AsyncSession,
    *,
    course: CourseView,
    dossier: dossiers.Dossier,
    actor: audit.Actor,
    rules: steps.Rules,
) -> AdmissionStep:
    """Record step 11 for an enrolled candidate from the course (`steps.record` checks every
    rule, the course's 学时 and exam among them)."""
    if course.course.id not in dossier.course_ids:
        raise CourseRefused(f"{dossier.person.name} 不在本培训班")
    last = course.last_day
    if last is not None and last > rules.today:
        raise CourseRefused(f"培训班的最后一次课在 {last.isoformat()}，结束后才能记录集中培训")
    found = await standing(session, course=course.course, person_id=dossier.person.id or 0)
    data = training_input(course, found)
    return await steps.record(session, dossier=dossier, data=data, actor=actor, rules=rules)
