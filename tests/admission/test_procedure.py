"""The procedure's rules, each refused with its reason, and the stage changes the steps cause."""

from __future__ import annotations

from datetime import date

import pytest
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.models import Person, PoliticalStage, StageTransition
from app.models.people import StageTransitionCreate
from app.services import audit
from app.services.admission import dossiers, files, procedure, steps
from app.services.admission.dossiers import Dossier
from app.services.admission.steps import Rules, StepInput, StepRefused
from app.services.people import roster as people_service
from app.services.people.roster import PersonError

ADMIN = audit.Actor(id=None, name="书记")
TODAY = date(2026, 12, 7)
RULES = Rules(today=TODAY)


async def person(session: AsyncSession, name: str, stage: PoliticalStage) -> Person:
    """Someone on the roster at a stage."""
    found = Person(employee_no=f"T{name}", name=name, stage=stage.value)
    session.add(found)
    await session.flush()
    return found


async def applicant(session: AsyncSession, applied_on: date, name: str = "申请人") -> Dossier:
    """A new file: someone born in 1996 who applied on `applied_on`."""
    someone = await person(session, name, PoliticalStage.MASSES)
    return await files.open_file(
        session,
        person=someone,
        birth_date=date(1996, 5, 4),
        applied_on=applied_on,
        note=None,
        actor=ADMIN,
        rules=RULES,
    )


async def record(
    session: AsyncSession, dossier: Dossier, code: str, done_on: date, **more: object
) -> None:
    """Record a step (with today's rules unless `rules` is given)."""
    rules = more.pop("rules", RULES)
    assert isinstance(rules, Rules)
    data = StepInput(code=code, done_on=done_on, **more)  # type: ignore[arg-type]
    await steps.record(session, dossier=dossier, data=data, actor=ADMIN, rules=rules)


async def refused(
    session: AsyncSession, dossier: Dossier, code: str, done_on: date, **more: object
) -> str:
    """The reason the step is refused."""
    with pytest.raises(StepRefused) as refusal:
        await record(session, dossier, code, done_on, **more)
    return str(refusal.value)


async def test_applying_opens_the_file_and_makes_an_applicant(db_session: AsyncSession) -> None:
    dossier = await applicant(db_session, date(2026, 3, 2))
    assert dossier.person.stage == PoliticalStage.APPLICANT.value
    assert dossier.done_on("apply") == date(2026, 3, 2)
    assert dossier.next_step() is procedure.step("talk")
    history = await people_service.transitions(db_session, person_id=dossier.person.id or 0)
    assert [(t.to_stage, t.occurred_on) for t in history] == [("applicant", date(2026, 3, 2))]


async def test_an_applicant_under_eighteen_is_refused(db_session: AsyncSession) -> None:
    young = await person(db_session, "少年", PoliticalStage.MASSES)
    with pytest.raises(StepRefused, match=r"年满十八周岁.*出生于 2008-12-08"):
        await files.open_file(
            db_session,
            person=young,
            birth_date=date(2008, 12, 8),
            applied_on=date(2026, 12, 7),
            note=None,
            actor=ADMIN,
            rules=RULES,
        )
    # The day of the 18th birthday is old enough.
    await files.open_file(
        db_session,
        person=young,
        birth_date=date(2008, 12, 7),
        applied_on=date(2026, 12, 7),
        note=None,
        actor=ADMIN,
        rules=RULES,
    )


async def test_steps_out_of_order_and_contradicting_dates_are_refused(
    db_session: AsyncSession,
) -> None:
    dossier = await applicant(db_session, date(2025, 3, 2))
    assert "请先完成第 2 步「党组织派人谈话」" in await refused(
        db_session, dossier, "activist", date(2025, 5, 1)
    )
    assert "早于第 1 步「递交入党申请书」的日期（2025-03-02）" in await refused(
        db_session, dossier, "talk", date(2025, 3, 1)
    )
    assert "不能晚于今天" in await refused(db_session, dossier, "talk", date(2026, 12, 8))
    await record(db_session, dossier, "talk", date(2025, 3, 20))
    assert "不能重复记录" in await refused(db_session, dossier, "talk", date(2025, 3, 21))


async def walk_to_candidate(session: AsyncSession, name: str = "发展对象") -> Dossier:
    """An applicant of 2024 taken to 确定发展对象 on 2025-06-10, with two full members at hand."""
    dossier = await applicant(session, date(2024, 3, 1), name)
    first = await person(session, f"{name}联系人甲", PoliticalStage.FULL)
    second = await person(session, f"{name}联系人乙", PoliticalStage.FULL)
    await record(session, dossier, "talk", date(2024, 3, 20))
    await record(session, dossier, "activist", date(2024, 6, 1))
    await record(session, dossier, "activist_filing", date(2024, 6, 10))
    await record(session, dossier, "contacts", date(2024, 6, 5), people=(first.id, second.id))
    await record(session, dossier, "cultivation", date(2025, 6, 1))
    await record(session, dossier, "candidate", date(2025, 6, 10))
    return dossier


async def test_a_candidate_needs_a_year_of_cultivation(db_session: AsyncSession) -> None:
    dossier = await applicant(db_session, date(2025, 3, 1))
    contact = await person(db_session, "联系人", PoliticalStage.FULL)
    await record(db_session, dossier, "talk", date(2025, 3, 20))
    await record(db_session, dossier, "activist", date(2025, 6, 1))
    await record(db_session, dossier, "activist_filing", date(2025, 6, 2))
    await record(db_session, dossier, "contacts", date(2025, 6, 5), people=(contact.id,))
    await record(db_session, dossier, "cultivation", date(2026, 5, 1))
    assert "最早于 2026-06-01 确定为发展对象" in await refused(
        db_session, dossier, "candidate", date(2026, 5, 31)
    )
    await record(db_session, dossier, "candidate", date(2026, 6, 1))
    assert dossier.person.stage == PoliticalStage.CANDIDATE.value


async def test_contacts_and_introducers_must_be_full_members(db_session: AsyncSession) -> None:
    dossier = await applicant(db_session, date(2025, 3, 1))
    activist = await person(db_session, "积极分子", PoliticalStage.ACTIVIST)
    await record(db_session, dossier, "talk", date(2025, 3, 20))
    await record(db_session, dossier, "activist", date(2025, 6, 1))
    assert "请指定一至两名正式党员作为培养联系人" in await refused(
        db_session, dossier, "contacts", date(2025, 6, 5)
    )
    assert "积极分子 不是正式党员" in await refused(
        db_session, dossier, "contacts", date(2025, 6, 5), people=(activist.id,)
    )
    assert "不能是本人" in await refused(
        db_session, dossier, "contacts", date(2025, 6, 5), people=(dossier.person.id,)
    )


async def test_training_must_be_three_days_or_24_hours_and_end_after_it_starts(
    db_session: AsyncSession,
) -> None:
    dossier = await walk_to_candidate(db_session)
    training = {"training_starts_on": date(2025, 7, 3), "training_ends_on": date(2025, 7, 1)}
    assert "培训结束日期早于开始日期" in await refused(
        db_session, dossier, "training", date(2025, 7, 5), **training
    )
    short = {"training_starts_on": date(2025, 7, 1), "training_ends_on": date(2025, 7, 2)}
    assert "不少于三天或二十四学时（本次 2 天、16 学时）" in await refused(
        db_session, dossier, "training", date(2025, 7, 5), training_hours=16, **short
    )
    await record(db_session, dossier, "training", date(2025, 7, 5), training_hours=24, **short)


async def take_to_resolution(
    session: AsyncSession, dossier: Dossier, resolved: date, rules: Rules = RULES
) -> None:
    """Introducers, 政审, training, review, notices skipped as history, resolution on `resolved`."""
    a = await person(session, f"{dossier.person.name}介绍人甲", PoliticalStage.FULL)
    b = await person(session, f"{dossier.person.name}介绍人乙", PoliticalStage.FULL)
    await record(session, dossier, "candidate_filing", date(2025, 6, 12))
    await record(session, dossier, "introducers", date(2025, 6, 15), people=(a.id, b.id))
    await record(session, dossier, "political_review", date(2025, 7, 1))
    await record(
        session,
        dossier,
        "training",
        date(2025, 7, 10),
        training_starts_on=date(2025, 7, 7),
        training_ends_on=date(2025, 7, 9),
    )
    await record(session, dossier, "committee_review", date(2025, 7, 15))
    # The 公示 is its own test; here the steps it guards are entered as paper history.
    await record(session, dossier, "pre_review", date(2025, 7, 28), historical=True)
    await record(session, dossier, "application_form", date(2025, 8, 1))
    await record(session, dossier, "branch_resolution", resolved, rules=rules)
    await record(session, dossier, "committee_talk", resolved)


async def test_approval_within_three_months_or_six_with_a_reason(db_session: AsyncSession) -> None:
    dossier = await walk_to_candidate(db_session)
    await take_to_resolution(db_session, dossier, date(2025, 8, 20))
    assert "早于第 16 步「上级党委派人谈话」" in await refused(
        db_session, dossier, "approval", date(2025, 8, 19)
    )
    assert "后六个月内（至 2026-02-20）" in await refused(
        db_session, dossier, "approval", date(2026, 2, 21)
    )
    assert "须填写延长审批的理由" in await refused(
        db_session, dossier, "approval", date(2025, 12, 1)
    )
    await record(db_session, dossier, "approval", date(2025, 12, 1), late_reason="党委换届")
    # Probation runs from the branch meeting's resolution, not the approval.
    assert dossier.person.stage == PoliticalStage.PROBATIONARY.value
    assert dossier.person.probation_ends_on == date(2026, 8, 20)
    history = await people_service.transitions(db_session, person_id=dossier.person.id or 0)
    assert history[-1].to_stage == "probationary" and history[-1].occurred_on == date(2025, 8, 20)


async def test_the_branch_meeting_needs_a_valid_political_review(db_session: AsyncSession) -> None:
    dossier = await walk_to_candidate(db_session)
    strict = Rules(today=TODAY, review_valid_months=1)
    with pytest.raises(StepRefused, match=r"政审（2025-07-01）已于 2025-08-01 过期"):
        await take_to_resolution(db_session, dossier, date(2025, 8, 20), rules=strict)
    assert "branch_resolution" not in dossier.steps


async def test_conversion_waits_for_the_end_of_probation(db_session: AsyncSession) -> None:
    dossier = await walk_to_candidate(db_session)
    await take_to_resolution(db_session, dossier, date(2025, 8, 20))
    await record(db_session, dossier, "approval", date(2025, 9, 1))
    for code in ("placement", "oath"):
        await record(db_session, dossier, code, date(2025, 9, 5))
    await record(db_session, dossier, "probation_education", date(2026, 8, 1))
    await record(db_session, dossier, "conversion_request", date(2026, 7, 20))
    assert "预备期于 2026-08-20 届满" in await refused(
        db_session, dossier, "conversion_resolution", date(2026, 8, 19), historical=True
    )
    await record(db_session, dossier, "conversion_resolution", date(2026, 8, 21), historical=True)
    await record(db_session, dossier, "conversion_approval", date(2026, 9, 10))
    # 转正时间自预备期满之日算起.
    assert dossier.person.stage == PoliticalStage.FULL.value
    history = await people_service.transitions(db_session, person_id=dossier.person.id or 0)
    assert history[-1].occurred_on == date(2026, 8, 20)


async def test_the_roster_refuses_stage_jumps_and_moves_of_people_in_the_pipeline(
    db_session: AsyncSession,
) -> None:
    someone = await person(db_session, "群众", PoliticalStage.MASSES)
    jump = StageTransitionCreate(to_stage=PoliticalStage.CANDIDATE, occurred_on=date(2026, 1, 1))
    with pytest.raises(PersonError, match="跳过了入党申请人、入党积极分子"):
        await people_service.transition(db_session, person=someone, data=jump, actor=ADMIN)
    dossier = await applicant(db_session, date(2026, 3, 2), "在发展")
    step = StageTransitionCreate(to_stage=PoliticalStage.ACTIVIST, occurred_on=date(2026, 6, 1))
    with pytest.raises(PersonError, match="正在发展中"):
        await people_service.transition(db_session, person=dossier.person, data=step, actor=ADMIN)


async def test_history_from_paper_keeps_the_roster_stage_and_counts_probation(
    db_session: AsyncSession,
) -> None:
    member = await person(db_session, "老预备", PoliticalStage.PROBATIONARY)
    dates = {
        "apply": date(2022, 3, 1),
        "activist": date(2022, 9, 1),
        "contacts": date(2022, 9, 5),
        "candidate": date(2023, 10, 1),
        "introducers": date(2023, 10, 8),
        "branch_resolution": date(2026, 1, 10),
        "approval": date(2026, 2, 20),
    }
    dossier = await files.enter_history(
        db_session, person=member, birth_date=None, dates=dates, actor=ADMIN, rules=RULES
    )
    assert dossier.file.historical and dossier.is_open
    assert member.stage == PoliticalStage.PROBATIONARY.value
    assert dossier.probation_ends_on() == date(2027, 1, 10)
    transitions = (
        await db_session.exec(select(StageTransition).where(StageTransition.person_id == member.id))
    ).all()
    assert transitions == []  # the roster already had them there
    assert [s.code for s in dossier.available()][:2] == ["approval_filing", "placement"]
    reloaded = await dossiers.load(db_session, file_id=dossier.id)
    assert reloaded is not None and reloaded.steps["approval"].details == {"historical": True}


async def test_probation_is_extended_once_by_six_to_twelve_months(
    db_session: AsyncSession,
) -> None:
    member = await person(db_session, "延长", PoliticalStage.PROBATIONARY)
    dates = {"apply": date(2022, 3, 1), "branch_resolution": date(2026, 1, 10),
             "approval": date(2026, 2, 20)}  # fmt: skip
    dossier = await files.enter_history(
        db_session, person=member, birth_date=None, dates=dates, actor=ADMIN, rules=RULES
    )
    with pytest.raises(StepRefused, match="6–12 个月"):
        await files.extend_probation(
            db_session, dossier=dossier, months=3, reason="支部大会决议", actor=ADMIN
        )
    ends = await files.extend_probation(
        db_session, dossier=dossier, months=6, reason="支部大会决议", actor=ADMIN
    )
    assert ends == date(2027, 7, 10) and member.probation_ends_on == ends
    with pytest.raises(StepRefused, match="只能延长一次"):
        await files.extend_probation(
            db_session, dossier=dossier, months=6, reason="再延", actor=ADMIN
        )
