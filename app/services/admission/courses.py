"""发展对象培训班: courses whose sessions are meetings and whose closing exam is a test."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.models import (
    AdmissionCourse,
    AdmissionFile,
    CourseEnrolment,
    CourseSession,
    FileStatus,
    Meeting,
    MeetingKind,
    MeetingStatus,
    PoliticalStage,
    Quiz,
)
from app.models.types import CHINA
from app.services import audit
from app.services.admission import dossiers
from app.services.meetings import invitees
from app.services.meetings import meetings as meeting_service
from app.services.meetings.meetings import MeetingDraft
from app.services.quizzes import catalog

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
