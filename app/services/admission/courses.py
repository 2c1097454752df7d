"""发展对象培训班: courses whose sessions are meetings and whose closing exam is a test."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.models import (
    AdmissionCourse,
    AdmissionFile,
    AdmissionStep,
    CourseEnrolment,
    CourseSession,
    FileStatus,
    Meeting,
    MeetingAttendance,
    MeetingKind,
    MeetingStatus,
    PoliticalStage,
    Quiz,
    QuizAttempt,
)
from app.models.types import CHINA
from app.services import audit

# steps imports this module too: its names are read when called, not at import.
from app.services.admission import dossiers, steps
from app.services.meetings import invitees
from app.services.meetings import meetings as meeting_service
from app.services.meetings.meetings import MeetingDraft
from app.services.quizzes import catalog


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


# --- courses, sessions and enrolment -------------------------------------------------------

TITLE_MAX = 100
PLACE_MAX = 100
HOURS_PER_SESSION = (1, 16)  # 学时 of one session
REQUIRED_HOURS = (1, 200)
SESSION_MINUTES = (10, 720)  # what a meeting may last


class CourseRefused(ValueError):
    """Something a course does not allow, with the reason in Chinese."""


@dataclass(frozen=True)
class SessionView:
    """A session with its meeting."""

    row: CourseSession
    meeting: Meeting

    @property
    def day(self) -> date:
        """The China-time day it is held."""
        return self.meeting.starts_at.astimezone(CHINA).date()

    @property
    def cancelled(self) -> bool:
        """Whether its meeting was cancelled (it then counts for nothing)."""
        return self.meeting.status == MeetingStatus.CANCELLED.value


@dataclass(frozen=True)
class CourseView:
    """A course with its sessions in time order and its exam."""

    course: AdmissionCourse
    sessions: list[SessionView]
    quiz: Quiz | None

    @property
    def held(self) -> list[SessionView]:
        """The sessions not cancelled."""
        return [s for s in self.sessions if not s.cancelled]

    @property
    def total_hours(self) -> int:
        """学时 of every session not cancelled."""
        return sum(s.row.hours for s in self.held)

    @property
    def first_day(self) -> date | None:
        """The day of the first session."""
        return self.held[0].day if self.held else None

    @property
    def last_day(self) -> date | None:
        """The day of the last session."""
        return self.held[-1].day if self.held else None


@dataclass(frozen=True)
class Place:
    """One enrolled candidate: their file and where they stand."""

    dossier: dossiers.Dossier
    standing: Standing


async def get(session: AsyncSession, *, course_id: int) -> AdmissionCourse | None:
    """The course with this id."""
    return await session.get(AdmissionCourse, course_id)


async def in_units(
    session: AsyncSession, *, unit_ids: frozenset[int] | None
) -> list[AdmissionCourse]:
    """The courses of these units (None: all), newest first."""
    statement = select(AdmissionCourse)
    if unit_ids is not None:
        statement = statement.where(col(AdmissionCourse.org_unit_id).in_(unit_ids))
    statement = statement.order_by(
        col(AdmissionCourse.created_at).desc(), col(AdmissionCourse.id).desc()
    )
    return list((await session.exec(statement)).all())


async def view(session: AsyncSession, *, course: AdmissionCourse) -> CourseView:
    """The course with its sessions (by start time) and its exam."""
    statement = (
        select(CourseSession, Meeting)
        .join(Meeting, col(Meeting.id) == col(CourseSession.meeting_id))
        .where(CourseSession.course_id == course.id)
        .order_by(col(Meeting.starts_at), col(CourseSession.id))
    )
    sessions = [SessionView(row, meeting) for row, meeting in (await session.exec(statement)).all()]
    quiz = await catalog.get(session, quiz_id=course.quiz_id) if course.quiz_id else None
    return CourseView(course=course, sessions=sessions, quiz=quiz)


async def enrolled_file_ids(session: AsyncSession, *, course: AdmissionCourse) -> list[int]:
    """The files enrolled in the course."""
    statement = select(CourseEnrolment.file_id).where(CourseEnrolment.course_id == course.id)
    return list((await session.exec(statement.order_by(col(CourseEnrolment.id)))).all())


async def _enrolled_people(session: AsyncSession, course: AdmissionCourse) -> list[int]:
    statement = (
        select(AdmissionFile.person_id)
        .join(CourseEnrolment, col(CourseEnrolment.file_id) == col(AdmissionFile.id))
        .where(CourseEnrolment.course_id == course.id)
    )
    return sorted(set((await session.exec(statement)).all()))


async def create(
    session: AsyncSession,
    *,
    title: str,
    org_unit_id: int,
    required_hours: int,
    quiz_id: int | None,
    actor: audit.Actor,
) -> AdmissionCourse:
    """A new course (its sessions and people come after)."""
    title = title.strip()
    if not title:
        raise CourseRefused("请填写培训班名称")
    if len(title) > TITLE_MAX:
        raise CourseRefused(f"培训班名称最多 {TITLE_MAX} 个字")
    low, high = REQUIRED_HOURS
    if not low <= required_hours <= high:
        raise CourseRefused(f"结业要求的学时应在 {low} 到 {high} 之间")
    if quiz_id is not None and await catalog.get(session, quiz_id=quiz_id) is None:
        raise CourseRefused("找不到所选的结业考试")
    course = AdmissionCourse(
        title=title,
        org_unit_id=org_unit_id,
        required_hours=required_hours,
        quiz_id=quiz_id,
        created_by=actor.name,
    )
    session.add(course)
    await session.flush()
    await audit.record(
        session,
        actor=actor,
        action="admission.course.create",
        target_type="admission_course",
        target_id=course.id,
        summary=f"培训班「{title}」，须满 {required_hours} 学时",
        after=audit.snapshot(course),
    )
    return course


async def add_session(
    session: AsyncSession,
    *,
    course: AdmissionCourse,
    title: str,
    starts_at: datetime,
    ends_at: datetime,
    place: str | None,
    hours: int,
    actor: audit.Actor,
    now: datetime,
) -> CourseSession:
    """A session held as a meeting (a 党课 inviting the enrolled candidates by name), with its
    学时: check-in by QR code or the menu, and the attendance sheet, are the meeting's."""
    title = title.strip()
    if not title:
        raise CourseRefused("请填写本次课程的内容")
    low, high = HOURS_PER_SESSION
    if not low <= hours <= high:
        raise CourseRefused(f"每次课的学时应在 {low} 到 {high} 之间")
    minutes = int((ends_at - starts_at).total_seconds() // 60)
    if minutes <= 0:
        raise CourseRefused("结束时间应晚于开始时间")
    if not SESSION_MINUTES[0] <= minutes <= SESSION_MINUTES[1]:
        raise CourseRefused("一次课应在 10 分钟到 12 小时之间；更长的课请分成几次")
    place = (place or "").strip() or None
    if place is not None and len(place) > PLACE_MAX:
        raise CourseRefused(f"地点最多 {PLACE_MAX} 个字")
    people = await _enrolled_people(session, course)
    # The meeting invites the candidates by name; a course may schedule its sessions before
    # anyone is enrolled (enrolling adds them), so the draft is checked as a unit's first.
    draft = MeetingDraft(
        kind=MeetingKind.LECTURE,
        title=f"{course.title}：{title}"[:TITLE_MAX],
        topic=f"发展对象培训班「{course.title}」，本次 {hours} 学时",
        org_unit_id=course.org_unit_id,
        starts_at=starts_at,
        duration_minutes=minutes,
        place=place,
        party_members_only=False,
        remind=True,
        follow_up=False,  # a make-up gives no 学时
    ).model_copy(update={"invite_mode": "people", "invite_unit_id": None, "person_ids": people})
    meeting = await meeting_service.create(session, draft=draft, actor=actor, now=now)
    assert meeting.id is not None
    row = CourseSession(course_id=course.id or 0, meeting_id=meeting.id, hours=hours)
    session.add(row)
    await session.flush()
    await audit.record(
        session,
        actor=actor,
        action="admission.course.session",
        target_type="admission_course",
        target_id=course.id,
        summary=f"{meeting_service.name_of(meeting)}，{hours} 学时",
    )
    return row


async def _invite(
    session: AsyncSession,
    course: AdmissionCourse,
    person_id: int,
    *,
    invited: bool,
    now: datetime,
) -> None:
    """Add the person to (or take them off) the named list of the sessions still to come."""
    for item in (await view(session, course=course)).sessions:
        rows = await invitees.rows(session, meeting_id=item.row.meeting_id)
        named = {r.person_id for r in rows if r.named}
        named = named | {person_id} if invited else named - {person_id}
        await invitees.sync(session, meeting=item.meeting, named=sorted(named), now=now)


async def enrol(
    session: AsyncSession,
    *,
    course: AdmissionCourse,
    dossier: dossiers.Dossier,
    actor: audit.Actor,
    now: datetime,
) -> CourseEnrolment:
    """Enrol a 发展对象 (an open file, the person at that stage, not enrolled yet); they are
    invited to the sessions still to come."""
    person = dossier.person
    if not dossier.is_open:
        raise CourseRefused(f"{person.name} 的发展档案{FileStatus(dossier.file.status).label}")
    if person.stage != PoliticalStage.CANDIDATE.value:
        stage = PoliticalStage(person.stage).label
        raise CourseRefused(f"{person.name} 是{stage}，只有发展对象才能参加发展对象培训班")
    if "training" in dossier.steps:
        raise CourseRefused(f"{person.name} 已完成集中培训")
    assert course.id is not None
    if course.id in dossier.course_ids:
        raise CourseRefused(f"{person.name} 已在本培训班")
    row = CourseEnrolment(course_id=course.id, file_id=dossier.id)
    try:
        async with session.begin_nested():
            session.add(row)
            await session.flush()
    except IntegrityError:
        raise CourseRefused(f"{person.name} 已在本培训班") from None
    dossier.course_ids.append(course.id)
    await _invite(session, course, person.id or 0, invited=True, now=now)
    await audit.record(
        session,
        actor=actor,
        action="admission.course.enrol",
        target_type="admission_course",
        target_id=course.id,
        summary=f"{person.name} 参加培训班「{course.title}」",
    )
    return row


async def unenrol(
    session: AsyncSession,
    *,
    course: AdmissionCourse,
    dossier: dossiers.Dossier,
    actor: audit.Actor,
    now: datetime,
) -> None:
    """Take the person out of the course and off the sessions still to come (their check-ins
    stay on the meetings' records)."""
    statement = select(CourseEnrolment).where(
        CourseEnrolment.course_id == course.id, CourseEnrolment.file_id == dossier.id
    )
    row = (await session.exec(statement)).first()
    if row is None:
        raise CourseRefused(f"{dossier.person.name} 不在本培训班")
    await session.delete(row)
    await session.flush()
    if course.id in dossier.course_ids:
        dossier.course_ids.remove(course.id)
    await _invite(session, course, dossier.person.id or 0, invited=False, now=now)
    await audit.record(
        session,
        actor=actor,
        action="admission.course.unenrol",
        target_type="admission_course",
        target_id=course.id,
        summary=f"{dossier.person.name} 退出培训班「{course.title}」",
    )


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
