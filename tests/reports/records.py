"""A year of records in two units, made straight in the database, and the figures they give."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlmodel.ext.asyncio.session import AsyncSession

from app.models import (
    AdmissionFile,
    AssessmentPeriod,
    AssessmentScheme,
    AssessmentSheet,
    IntegrityTalk,
    LeaveRequest,
    LeaveStatus,
    MakeupSubmission,
    Meeting,
    MeetingAttendance,
    Person,
    PledgeCampaign,
    PledgeSignature,
    PledgeVersion,
    Quiz,
    QuizAttempt,
    Suggestion,
    ThoughtReport,
    VolunteerActivity,
    VolunteerSignup,
    VolunteerTeam,
)
from tests.support.chat import china

YEAR = 2026


@dataclass
class Made:
    """The ids of what was made, for the assertions."""

    mine: list[int]  # people of the secretary's unit
    other: int  # a person of the other unit
    campaign_id: int
    other_campaign_id: int
    quiz_id: int
    talk_id: int


async def _person(session: AsyncSession, no: str, name: str, unit_id: int, stage: str) -> int:
    person = Person(employee_no=no, name=name, org_unit_id=unit_id, stage=stage)
    session.add(person)
    await session.flush()
    assert person.id is not None
    return person.id


async def _meeting(
    session: AsyncSession,
    kind: str,
    unit_id: int,
    month: int,
    came: list[int],
    absent: list[int],
    excused: int | None = None,
) -> None:
    """A meeting: `came` checked in, `absent` did not; `excused` (among them) was on leave and
    made it up."""
    start = china(YEAR, month, 10, 14)
    meeting = Meeting(
        kind=kind,
        title=f"{month}月会议",
        org_unit_id=unit_id,
        starts_at=start,
        ends_at=china(YEAR, month, 10, 16),
        checkin_opens_at=start,
        checkin_closes_at=china(YEAR, month, 10, 16),
    )
    session.add(meeting)
    await session.flush()
    assert meeting.id is not None
    for pid in came:
        session.add(MeetingAttendance(meeting_id=meeting.id, person_id=pid, checked_in_at=start))
    for pid in absent:
        session.add(MeetingAttendance(meeting_id=meeting.id, person_id=pid))
    if excused is not None:
        session.add(
            LeaveRequest(
                meeting_id=meeting.id,
                person_id=excused,
                reason="出差",
                requested_at=start,
                status=LeaveStatus.APPROVED.value,
            )
        )
        session.add(
            MakeupSubmission(
                meeting_id=meeting.id, person_id=excused, content="已学习", submitted_at=start
            )
        )


async def _campaign(session: AsyncSession, unit_id: int, signers: list[int]) -> int:
    campaign = PledgeCampaign(
        title=f"{YEAR}年度廉洁承诺书",
        year=YEAR,
        org_unit_id=unit_id,
        audience="people",
        person_ids=signers,
        deadline=china(YEAR, 1, 31, 18),
        status="open",
        current_version=1,
        published_at=china(YEAR, 1, 5, 9),
    )
    session.add(campaign)
    await session.flush()
    assert campaign.id is not None
    version = PledgeVersion(campaign_id=campaign.id, number=1, text="本人承诺。", sha256="0" * 64)
    session.add(version)
    await session.flush()
    assert version.id is not None
    for pid in signers:
        session.add(
            PledgeSignature(
                campaign_id=campaign.id,
                person_id=pid,
                version_id=version.id,
                version_number=1,
                text_sha256="0" * 64,
                channel="chat",
                signed_at=china(YEAR, 1, 8, 10),
            )
        )
    return campaign.id


async def _assessed(session: AsyncSession, people: list[tuple[int, int]]) -> None:
    """September's 三亮三挂三考核, signed off: 92.5 · 好 for each of these people."""
    scheme = AssessmentScheme(kind="month", version=1, effective_from=date(YEAR, 1, 1), items=[])
    session.add(scheme)
    await session.flush()
    assert scheme.id is not None
    period = AssessmentPeriod(
        kind="month", starts_on=date(YEAR, 9, 1), ends_on=date(YEAR, 9, 30), scheme_id=scheme.id,
        status="signed", filled_at=china(YEAR, 10, 1, 1), signed_by="书记",
        signed_at=china(YEAR, 10, 8, 9),
    )  # fmt: skip
    session.add(period)
    await session.flush()
    assert period.id is not None
    for person_id, unit in people:
        session.add(
            AssessmentSheet(
                period_id=period.id, person_id=person_id, org_unit_id=unit, score=92.5, level="好"
            )
        )


async def make_year(session: AsyncSession, *, unit_id: int, other_unit_id: int) -> Made:
    """In the unit: 3 people; a 支部党员大会 in March (2 of 3 came), a study day in April (1 of
    3), 2 pledges signed in January, 2 tests submitted in May (scores 90 and 50), a talk, a
    thought report in June, 2 suggestions in July (one verified at ¥12,000 and 金点子), 3
    volunteer hours in August. In the other unit: one person with a meeting, a pledge, a
    suggestion — none of it a secretary of the first unit may see."""
    a = await _person(session, "R001", "赵一", unit_id, "full")
    b = await _person(session, "R002", "钱二", unit_id, "probationary")
    c = await _person(session, "R003", "孙三", unit_id, "applicant")
    z = await _person(session, "R009", "周外", other_unit_id, "full")
    await _meeting(session, "general_meeting", unit_id, 3, [a, b], [c])
    await _meeting(session, "study_day", unit_id, 4, [a], [b, c], excused=b)
    await _meeting(session, "general_meeting", other_unit_id, 3, [z], [])
    campaign_id = await _campaign(session, unit_id, [a, b])
    other_campaign_id = await _campaign(session, other_unit_id, [z])
    quiz = Quiz(
        title="监察法测试",
        org_unit_id=unit_id,
        audience="people",
        person_ids=[a, b, c],
        deadline=china(YEAR, 5, 31, 18),
        status="open",
        published_at=china(YEAR, 5, 1, 9),
    )
    session.add(quiz)
    await session.flush()
    assert quiz.id is not None
    for pid, score in ((a, 90), (b, 50)):
        session.add(
            QuizAttempt(
                quiz_id=quiz.id,
                person_id=pid,
                started_at=china(YEAR, 5, 6, 9),
                submitted_at=china(YEAR, 5, 6, 10),
                correct=score // 10,
                total=10,
                score=score,
                passed=score >= 60,
            )
        )
    talk = IntegrityTalk(
        person_id=a,
        category="finance",
        held_on=date(YEAR, 6, 3),
        held_by="王书记",
        summary="提醒严格执行财务制度。",
    )
    session.add(talk)
    dossier = AdmissionFile(person_id=c)
    session.add(dossier)
    await session.flush()
    assert talk.id is not None and dossier.id is not None
    session.add(
        ThoughtReport(file_id=dossier.id, quarter=f"{YEAR}Q2", submitted_at=china(YEAR, 6, 9, 9))
    )
    session.add(Suggestion(person_id=a, content="改进工艺。", submitted_at=china(YEAR, 7, 1, 9)))
    session.add(
        Suggestion(
            person_id=b,
            content="节约用电。",
            status="golden",
            submitted_at=china(YEAR, 7, 2, 9),
            verified_at=china(YEAR, 7, 20, 9),
            awarded_at=china(YEAR, 7, 25, 9),
            verified_benefit=Decimal("12000.00"),
        )
    )
    session.add(Suggestion(person_id=z, content="外组建议。", submitted_at=china(YEAR, 7, 3, 9)))
    team = VolunteerTeam(name="青年志愿队", org_unit_id=unit_id)
    session.add(team)
    await session.flush()
    assert team.id is not None
    activity = VolunteerActivity(
        team_id=team.id,
        title="社区清扫",
        starts_at=china(YEAR, 8, 8, 9),
        ends_at=china(YEAR, 8, 8, 12),
        signup_deadline=china(YEAR, 8, 7, 18),
        capacity=10,
        taken=1,
        status="finished",
    )
    session.add(activity)
    await session.flush()
    assert activity.id is not None
    session.add(
        VolunteerSignup(
            activity_id=activity.id,
            person_id=a,
            status="signed",
            signed_up_at=china(YEAR, 8, 1, 9),
            checked_in_at=china(YEAR, 8, 8, 9),
            half_hours=6,
            approved_at=china(YEAR, 8, 9, 9),
        )
    )
    await _assessed(session, [(a, unit_id), (z, other_unit_id)])
    await session.flush()
    return Made([a, b, c], z, campaign_id, other_campaign_id, quiz.id, talk.id)
