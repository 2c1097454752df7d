"""Demo 组织发展 for `make run`: development files at every stage, dated back from today.

- 郑凯 applied two months ago and nobody has talked with him yet: the talk is overdue.
- 宋佳 (入党积极分子 on the roster) has her contacts and a half-yearly review.
- 梁宇 (发展对象 on the roster) is half-way through the candidate's steps, in this year's
  training course: two sessions behind him (attended), one to come, the demo test as the exam.
- 韩雪 is a 发展对象 whose 支部委员会审查 is done and who is in her 公示 now, with an anonymous
  objection the secretary has not checked yet.
- The five 预备党员 of the roster are entered from paper records, placed and sworn in; 林涛's
  branch resolution was eleven months ago, so his conversion is a month away.
- 孙娜, a full member since 2019, has her complete file, archived.

Everything goes through the services, with `Rules(today=…)` and past dates; run again, it adds
only what is missing (each person's file is made once).
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from sqlmodel.ext.asyncio.session import AsyncSession

from app.dev.demo import admission_history
from app.dev.demo.common import (
    DEMO_ACTOR,
    back,
    has_file,
    ids_of,
    person_by_number,
    record_step,
)
from app.models import NoticeKind, OrgUnitKind, PoliticalStage
from app.models.people import PersonCreate
from app.models.types import CHINA
from app.services import workdays as workday_service
from app.services.admission import courses as course_service
from app.services.admission import dossiers, files, notice_word, notices, objections
from app.services.admission.dossiers import Dossier
from app.services.admission.steps import Rules
from app.services.meetings import attendance
from app.services.people import org_units as org_unit_service
from app.services.people import roster as people_service
from app.services.quizzes import quizzes as quiz_service
from app.services.workdays import months_after

# (工号, 姓名, 部门, 岗位, 党小组): invented people who join the roster for the pipeline.
NEW_PEOPLE = (
    ("ST023", "郑凯", "生产部", "操作工", 1),
    ("ST024", "韩雪", "技术部", "检验员", 3),
)
COURSE_SESSIONS = (
    (-9, "党的性质、宗旨和指导思想"),
    (-8, "党员的权利和义务"),
    (5, "党的纪律和入党誓词"),
)


async def _new_people(session: AsyncSession) -> int:
    groups = {
        unit.sort_order: unit
        for unit in await org_unit_service.all_units(session)
        if unit.kind == OrgUnitKind.GROUP.value
    }
    created = 0
    for number, name, dept, post, group in NEW_PEOPLE:
        if await person_by_number(session, number) is not None:
            continue
        data = PersonCreate(
            employee_no=number,
            name=name,
            department=dept,
            post=post,
            org_unit_id=groups[group].id,
            stage=PoliticalStage.MASSES,
        )
        await people_service.create(session, data=data, actor=DEMO_ACTOR)
        created += 1
    return created


async def _overdue_applicant(session: AsyncSession, rules: Rules) -> int:
    """郑凯 applied about two months ago; the talk (within a month) has not happened."""
    person = await person_by_number(session, "ST023")
    if person is None or await has_file(session, person):
        return 0
    await files.open_file(
        session,
        person=person,
        birth_date=date(1999, 4, 12),
        applied_on=back(rules.today, months=2, days=3),
        note="本人递交入党申请书",
        actor=DEMO_ACTOR,
        rules=rules,
    )
    return 1


async def _activist(session: AsyncSession, rules: Rules) -> int:
    """宋佳: an activist since 2025-09-01 (as the roster has her), contacts named, reviewed."""
    person = await person_by_number(session, "ST022")
    if person is None or await has_file(session, person):
        return 0
    activist_on = person.stage_since or back(rules.today, months=15)
    dossier = await files.enter_history(
        session,
        person=person,
        birth_date=date(1997, 8, 19),
        dates={
            "apply": months_after(activist_on, -6),
            "talk": months_after(activist_on, -6) + timedelta(days=18),
            "activist": activist_on,
        },
        actor=DEMO_ACTOR,
        rules=rules,
    )
    contacts = await ids_of(session, "ST006", "ST007")  # 杨帆, 赵磊 of her group
    await record_step(
        session, dossier, rules, "contacts", activist_on + timedelta(days=4), people=contacts
    )
    await record_step(session, dossier, rules, "activist_filing", activist_on + timedelta(days=9))
    for review_on, summary in (
        (months_after(activist_on, 6), "学习态度端正，按时递交思想汇报，在生产一线起带头作用。"),
        (months_after(activist_on, 12), "政治立场坚定，积极参加支部活动，建议继续培养。"),
    ):
        if review_on <= rules.today:
            await files.add_review(
                session,
                dossier=dossier,
                reviewed_on=review_on,
                summary=summary,
                actor=DEMO_ACTOR,
                today=rules.today,
            )
    return 1


async def _candidate_in_course(session: AsyncSession, rules: Rules, now: datetime) -> int:
    """梁宇: a 发展对象 since 2026-03-15 (the roster's date), introducers and 政审 done, in this
    year's training course (two sessions attended, one to come)."""
    person = await person_by_number(session, "ST021")
    if person is None or await has_file(session, person):
        return 0
    candidate_on = person.stage_since or back(rules.today, months=8)
    activist_on = months_after(candidate_on, -13)
    dossier = await files.enter_history(
        session,
        person=person,
        birth_date=date(1995, 11, 2),
        dates={
            "apply": months_after(activist_on, -7),
            "talk": months_after(activist_on, -7) + timedelta(days=15),
            "activist": activist_on,
            "activist_filing": activist_on + timedelta(days=6),
            "cultivation": candidate_on - timedelta(days=5),
            "candidate": candidate_on,
        },
        actor=DEMO_ACTOR,
        rules=rules,
    )
    await record_step(session, dossier, rules, "candidate_filing", candidate_on + timedelta(days=7))
    introducers = await ids_of(session, "ST001", "ST004")  # 王建国, 刘洋
    await record_step(
        session,
        dossier,
        rules,
        "introducers",
        candidate_on + timedelta(days=10),
        people=introducers,
    )
    await record_step(
        session,
        dossier,
        rules,
        "political_review",
        back(rules.today, months=1),
        document_no="神特党支〔政审〕1号",
    )
    await _course(session, dossier, rules, now)
    await _reviewed(session, dossier, rules, back(rules.today, months=2))
    return 1


async def _reviewed(session: AsyncSession, dossier: Dossier, rules: Rules, on: date) -> None:
    """The half-yearly 考察 of a candidate, so that only 郑凯's file is overdue."""
    summary = "工作积极主动，群众评价较好，符合发展对象条件，继续考察。"
    await files.add_review(
        session,
        dossier=dossier,
        reviewed_on=on,
        summary=summary,
        actor=DEMO_ACTOR,
        today=rules.today,
    )


async def _course(session: AsyncSession, dossier: Dossier, rules: Rules, now: datetime) -> None:
    """This year's course: the candidate enrolled first, so every session invites him."""
    branch = await org_unit_service.ensure_default_tree(session)
    assert branch.id is not None
    exams = await quiz_service.in_units(session, unit_ids=None)
    course = await course_service.create(
        session,
        title=f"{rules.today.year}年发展对象培训班",
        org_unit_id=branch.id,
        required_hours=24,
        quiz_id=exams[-1].id if exams else None,  # the demo's test, when there is one
        actor=DEMO_ACTOR,
    )
    await course_service.enrol(session, course=course, dossier=dossier, actor=DEMO_ACTOR, now=now)
    for offset, topic in COURSE_SESSIONS:
        day = rules.today + timedelta(days=offset)
        row = await course_service.add_session(
            session,
            course=course,
            title=topic,
            starts_at=datetime.combine(day, time(9), CHINA),
            ends_at=datetime.combine(day, time(17), CHINA),
            place="党员活动室",
            hours=8,
            actor=DEMO_ACTOR,
            now=now,
        )
        if offset < 0:
            meeting = (await course_service.view(session, course=course)).sessions
            held = next(s.meeting for s in meeting if s.row.id == row.id)
            await attendance.mark_present(
                session,
                meeting=held,
                person_id=dossier.person.id or 0,
                present=True,
                actor=DEMO_ACTOR,
                now=held.starts_at - timedelta(minutes=10),
            )


async def _candidate_reviewed(session: AsyncSession, rules: Rules) -> int:
    """韩雪: every step up to 支部委员会审查 taken, dated back from today."""
    person = await person_by_number(session, "ST024")
    if person is None or await has_file(session, person):
        return 0
    today = rules.today
    dossier = await files.open_file(
        session,
        person=person,
        birth_date=date(1996, 2, 27),
        applied_on=back(today, months=26),
        note="本人递交入党申请书",
        actor=DEMO_ACTOR,
        rules=rules,
    )
    activist_on = back(today, months=23)
    candidate_on = back(today, months=10)
    contacts = await ids_of(session, "ST011", "ST014")  # 徐刚, 朱琳 of her group
    introducers = await ids_of(session, "ST012", "ST013")  # 孙娜, 马超
    plan: tuple[tuple[str, date, dict[str, object]], ...] = (
        ("talk", back(today, months=26) + timedelta(days=20), {}),
        ("activist", activist_on, {}),
        ("activist_filing", activist_on + timedelta(days=5), {}),
        ("contacts", activist_on + timedelta(days=5), {"people": contacts}),
        ("cultivation", candidate_on - timedelta(days=10), {}),
        ("candidate", candidate_on, {}),
        ("candidate_filing", candidate_on + timedelta(days=6), {}),
        ("introducers", candidate_on + timedelta(days=8), {"people": introducers}),
        ("political_review", back(today, months=2), {"document_no": "神特党支〔政审〕2号"}),
        (
            "training",
            back(today, days=30),
            {
                "training_starts_on": back(today, days=34),
                "training_ends_on": back(today, days=32),
                "training_hours": 24,
                "note": "参加上级党委举办的发展对象培训班，考试合格",
            },
        ),
        ("committee_review", back(today, days=6), {"note": "支委会审查合格，同意公示"}),
    )
    for code, day, fields in plan:
        await record_step(session, dossier, rules, code, day, **fields)
    await _reviewed(session, dossier, rules, back(today, months=3))
    return 1


async def _candidate_in_notice(session: AsyncSession, rules: Rules) -> None:
    """韩雪's 发展党员公示, begun on the working day on or after two days ago (so it runs now),
    and an anonymous objection received today, not checked yet."""
    person = await person_by_number(session, "ST024")
    if person is None:
        return
    dossier = await dossiers.for_person(session, person_id=person.id or 0)
    if dossier is None or dossier.notice(NoticeKind.CANDIDATE) is not None:
        return
    today = rules.today
    calendar = await workday_service.load(session)
    starts_on = calendar.on_or_after(back(today, days=2))
    while starts_on > today:  # a long holiday: the last working day before it
        starts_on = back(starts_on, days=1)
        while not calendar.is_workday(starts_on):
            starts_on = back(starts_on, days=1)
    notice = await notices.start(
        session,
        dossier=dossier,
        kind=NoticeKind.CANDIDATE,
        starts_on=starts_on,
        working_days=5,
        contact=await notice_word.default_contact(session, dossier=dossier),
        actor=DEMO_ACTOR,
        workdays=calendar,
        today=starts_on,  # begun that day
    )
    await objections.object(
        session,
        notice=notice,
        content="听说该同志上个月在质检记录中有漏填的情况，建议支部核实后再研究发展。",
        named=False,
        name=None,
        contact=None,
        today=today,
    )


async def seed_admission(session: AsyncSession, *, now: datetime) -> int:
    """Create what is missing; return how many files (and new people) were created."""
    rules = Rules(today=now.astimezone(CHINA).date())
    created = (
        await _new_people(session)
        + await _overdue_applicant(session, rules)
        + await _activist(session, rules)
        + await _candidate_in_course(session, rules, now)
        + await _candidate_reviewed(session, rules)
    )
    await _candidate_in_notice(session, rules)
    return (
        created
        + await admission_history.probationary(session, rules)
        + await admission_history.full_member(session, rules)
    )
