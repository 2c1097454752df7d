"""Development files brought to the step before a 公示, for the 公示 tests."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.models import (
    BranchRoleKind,
    NoticeKind,
    NoticeObjection,
    OrgUnit,
    OrgUnitKind,
    Person,
    PoliticalStage,
)
from app.services import audit
from app.services import workdays as workdays_service
from app.services.admission import dossiers, files, notices, objections, steps
from app.services.admission.dossiers import Dossier
from app.services.admission.steps import Rules, StepInput
from app.services.people import org_units as org_unit_service
from app.services.people import roles as roles_service
from tests.support.app import AppClient

ADMIN = audit.Actor(id=None, name="管理员")
# The days of the steps before 支部委员会审查 (dates in order, each rule satisfied).
CANDIDATE_STEPS: tuple[tuple[str, date], ...] = (
    ("talk", date(2024, 1, 20)),
    ("activist", date(2024, 3, 1)),
    ("activist_filing", date(2024, 3, 10)),
    ("contacts", date(2024, 3, 10)),
    ("cultivation", date(2025, 3, 10)),
    ("candidate", date(2025, 3, 15)),
    ("candidate_filing", date(2025, 3, 20)),
    ("introducers", date(2025, 3, 20)),
    ("political_review", date(2025, 4, 1)),
    ("training", date(2025, 4, 10)),
)
# After 上级党委预审, for a 转正公示: entered as history (the 公示 before them is not the point).
PROBATION_STEPS: tuple[tuple[str, date], ...] = (
    ("pre_review", date(2025, 5, 10)),
    ("application_form", date(2025, 5, 15)),
    ("branch_resolution", date(2025, 6, 1)),
    ("committee_talk", date(2025, 6, 10)),
    ("approval", date(2025, 7, 1)),
    ("placement", date(2025, 7, 5)),
    ("oath", date(2025, 7, 5)),
    ("conversion_request", date(2026, 5, 20)),
)


async def branch_and_groups(session: AsyncSession) -> tuple[int, list[int]]:
    """The default branch and its groups' ids."""
    branch = await org_unit_service.ensure_default_tree(session)
    groups = (
        await session.exec(
            select(OrgUnit.id)
            .where(OrgUnit.kind == OrgUnitKind.GROUP.value)
            .order_by(col(OrgUnit.sort_order))
        )
    ).all()
    assert branch.id is not None
    return branch.id, [g for g in groups if g is not None]


async def _person(
    session: AsyncSession, number: str, name: str, unit: int, **fields: Any
) -> Person:
    person = Person(employee_no=number, name=name, org_unit_id=unit, **fields)
    session.add(person)
    await session.flush()
    return person


async def candidate_file(
    session: AsyncSession,
    *,
    name: str = "张三",
    number: str = "A001",
    unit_id: int | None = None,
    committee_on: date = date(2026, 9, 20),
    secretary: bool = True,
) -> Dossier:
    """A 发展对象 in a group of the branch, 支部委员会审查 done on `committee_on`.

    The branch gets a 支部书记 (李书记) when `secretary` and none holds the post yet.
    """
    branch, groups = await branch_and_groups(session)
    unit = unit_id or groups[0]
    full = PoliticalStage.FULL.value
    members = [
        await _person(session, f"{number}-{i}", f"{name}的介绍人{i}", unit, stage=full)
        for i in range(2)
    ]
    if secretary and await roles_service.secretary_of(session, unit_id=branch) is None:
        chief = await _person(session, f"{number}-S", "李书记", branch, stage=full)
        await roles_service.assign_role(
            session,
            person=chief,
            org_unit_id=branch,
            role=BranchRoleKind.SECRETARY,
            since=None,
            actor=ADMIN,
        )
    person = await _person(session, number, name, unit, department="研发部")
    rules = Rules(today=committee_on)
    dossier = await files.open_file(
        session,
        person=person,
        birth_date=date(1995, 5, 1),
        applied_on=date(2024, 1, 5),
        note=None,
        actor=ADMIN,
        rules=rules,
    )
    for code, day in (*CANDIDATE_STEPS, ("committee_review", committee_on)):
        extra: dict[str, Any] = {}
        if code == "contacts":
            extra["people"] = (members[0].id,)
        if code == "introducers":
            extra["people"] = tuple(m.id for m in members)
        if code == "training":
            extra |= {
                "training_starts_on": date(2025, 4, 1),
                "training_ends_on": date(2025, 4, 5),
                "training_hours": 24,
            }
        data = StepInput(code=code, done_on=day, **extra)
        await steps.record(session, dossier=dossier, data=data, actor=ADMIN, rules=rules)
    return dossier


async def probationary_file(
    session: AsyncSession, *, name: str = "王五", number: str = "B001"
) -> Dossier:
    """A 预备党员 who has asked to convert (提出转正申请 on 2026-05-20)."""
    dossier = await candidate_file(session, name=name, number=number, committee_on=date(2025, 5, 1))
    rules = Rules(today=date(2026, 5, 20))
    for code, day in PROBATION_STEPS:
        data = StepInput(code=code, done_on=day, historical=True)
        await steps.record(session, dossier=dossier, data=data, actor=ADMIN, rules=rules)
    return dossier


async def stored_candidate(client: AppClient, **fields: Any) -> int:
    """`candidate_file` in the app's database (committed); the file's id."""
    async with client.sessions() as session:
        dossier = await candidate_file(session, **fields)
        await session.commit()
        return dossier.id


async def stored_notice(client: AppClient, file_id: int, starts_on: date, today: date) -> int:
    """A 发展党员公示 of 5 working days started on the file (committed); its id."""
    async with client.sessions() as session:
        dossier = await dossiers.load(session, file_id=file_id)
        assert dossier is not None
        notice = await notices.start(
            session,
            dossier=dossier,
            kind=NoticeKind.CANDIDATE,
            starts_on=starts_on,
            working_days=5,
            contact="支部书记李书记，党群部门",
            actor=ADMIN,
            workdays=await workdays_service.load(session),
            today=today,
        )
        await session.commit()
        assert notice.id is not None
        return notice.id


async def objections_of(client: AppClient, notice_id: int) -> list[NoticeObjection]:
    """The objections stored for a 公示."""
    async with client.sessions() as session:
        notice = await notices.get(session, notice_id=notice_id)
        assert notice is not None
        return await objections.objections(session, notice=notice)
