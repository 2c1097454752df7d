"""The roster: search, create, edit, and dated stage transitions, every write audited."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, TypeVar, cast

from sqlalchemy import func, or_
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession
from sqlmodel.sql.expression import Select, SelectOfScalar

from app.models import (
    AdmissionFile,
    FileStatus,
    Follower,
    Person,
    PersonStatus,
    PoliticalStage,
    StageTransition,
)
from app.models.people import PersonCreate, PersonPublic, PersonUpdate, StageTransitionCreate
from app.models.types import china_today, utcnow
from app.services import audit
from app.services.people import org_units as org_unit_service

PROBATION = timedelta(days=365)


_STAGE_ORDER = list(PoliticalStage)


class PersonError(ValueError):
    """A change the roster refuses, with a message for the admin (422: fix the input)."""

    status_code = 422


class PersonConflict(PersonError):
    """A change that clashes with what is stored (409: a taken employee number)."""

    status_code = 409


# Required columns: a partial update may leave them out, but never set them to nothing.
_REQUIRED_ON_UPDATE = {
    "employee_no": "工号",
    "name": "姓名",
    "is_manager": "是否管理人员",
    "status": "状态",
}


def _id(person: Person) -> int:
    assert person.id is not None  # flushed rows have ids
    return person.id


def mask_phone(phone: str | None) -> str | None:
    """138****5678: enough to recognise, not enough to call."""
    if not phone:
        return None
    digits = phone.strip()
    if len(digits) <= 4:
        return "*" * len(digits)
    return digits[:3] + "*" * max(0, len(digits) - 7) + digits[-4:]


@dataclass(frozen=True, slots=True)
class PersonQuery:
    """What the roster list is filtered by."""

    text: str | None = None  # name or employee number
    stage: PoliticalStage | None = None
    status: PersonStatus | None = None
    org_unit_id: int | None = None
    bound: bool | None = None


S = TypeVar("S", bound="Select[*tuple[Any, ...]] | SelectOfScalar[Any]")


def in_scope(statement: S, unit_ids: frozenset[int] | None) -> S:
    """Keep rows whose person belongs to the units in scope (None: every unit)."""
    if unit_ids is None:
        return statement
    # .where() keeps the statement's kind; the stubs only promise the union back.
    return cast(S, statement.where(col(Person.org_unit_id).in_(unit_ids)))


async def people_options(
    session: AsyncSession,
    unit_ids: frozenset[int] | None,
    keep: Sequence[int] = (),
    *,
    department: bool = False,
) -> list[tuple[int, str]]:
    """A picker's (id, label) for the active people in scope (None: everyone), by employee
    number, plus the people in `keep` (those a record already names, kept on edit).

    The label is "张三（S001）", or "张三（S001 · 财务部）" with `department`.
    """
    statement = in_scope(
        select(Person).where(Person.status == PersonStatus.ACTIVE.value), unit_ids
    ).order_by(col(Person.employee_no))
    people = list((await session.exec(statement)).all())
    seen = {p.id for p in people}
    missing = [pid for pid in keep if pid not in seen]
    if missing:
        extra = await session.exec(select(Person).where(col(Person.id).in_(missing)))
        people.extend(extra.all())

    def label(p: Person) -> str:
        where = f" · {p.department}" if department and p.department else ""
        return f"{p.name}（{p.employee_no}{where}）"

    return [(p.id, label(p)) for p in people if p.id is not None]


async def employee_numbers(
    session: AsyncSession, *, person_ids: Iterable[int], unit_ids: frozenset[int] | None
) -> dict[int, str]:
    """The 工号 of those of these people who are in scope (None: every unit)."""
    ids = sorted(set(person_ids))
    if not ids:
        return {}
    statement = in_scope(
        select(Person.id, Person.employee_no).where(col(Person.id).in_(ids)), unit_ids
    )
    return {int(pid): no for pid, no in (await session.exec(statement)).all() if pid is not None}


async def search(
    session: AsyncSession,
    *,
    query: PersonQuery,
    unit_ids: frozenset[int] | None,
    limit: int = 50,
    offset: int = 0,
) -> tuple[list[PersonPublic], int]:
    """A page of people in scope matching the query, and how many match in all."""
    statement = select(Person, Follower.id).outerjoin(
        Follower, col(Follower.person_id) == Person.id
    )
    if query.text:
        text = query.text.strip()  # % and _ are matched literally (autoescape)
        statement = statement.where(
            or_(
                col(Person.name).contains(text, autoescape=True),
                col(Person.employee_no).contains(text, autoescape=True),
            )
        )
    if query.stage is not None:
        statement = statement.where(Person.stage == query.stage.value)
    if query.status is not None:
        statement = statement.where(Person.status == query.status.value)
    if query.org_unit_id is not None:
        units = await org_unit_service.subtree_ids(session, root_id=query.org_unit_id)
        statement = statement.where(col(Person.org_unit_id).in_(units))
    if query.bound is not None:
        bound_filter = col(Follower.id).is_not(None) if query.bound else col(Follower.id).is_(None)
        statement = statement.where(bound_filter)
    statement = in_scope(statement, unit_ids)
    total = (await session.exec(select(func.count()).select_from(statement.subquery()))).one()
    rows = (
        await session.exec(statement.order_by(col(Person.employee_no)).offset(offset).limit(limit))
    ).all()
    names = await org_unit_service.path_names(session)
    return [
        to_public(person, names, bound=follower_id is not None) for person, follower_id in rows
    ], int(total)


def to_public(person: Person, unit_names: dict[int, str], *, bound: bool) -> PersonPublic:
    """The outward shape of a person (phone masked)."""
    assert person.id is not None
    stage, status = PoliticalStage(person.stage), PersonStatus(person.status)
    return PersonPublic(
        id=person.id,
        employee_no=person.employee_no,
        name=person.name,
        department=person.department,
        post=person.post,
        is_manager=person.is_manager,
        org_unit_id=person.org_unit_id,
        org_unit=unit_names.get(person.org_unit_id) if person.org_unit_id else None,
        stage=stage,
        stage_label=stage.label,
        stage_since=person.stage_since,
        probation_ends_on=person.probation_ends_on,
        status=status,
        status_label=status.label,
        phone_masked=mask_phone(person.phone),
        wechat_bound=bound,
        note=person.note,
    )


async def public(session: AsyncSession, person: Person) -> PersonPublic:
    """One person's outward shape."""
    bound = (await session.exec(select(Follower.id).where(Follower.person_id == person.id))).first()
    return to_public(person, await org_unit_service.path_names(session), bound=bound is not None)


async def get(session: AsyncSession, *, person_id: int) -> Person | None:
    """A person by id."""
    return await session.get(Person, person_id)


async def get_by_employee_no(session: AsyncSession, *, employee_no: str) -> Person | None:
    """A person by employee number (the key the roster file uses)."""
    statement = select(Person).where(Person.employee_no == employee_no.strip())
    return (await session.exec(statement)).first()


async def create(session: AsyncSession, *, data: PersonCreate, actor: audit.Actor) -> Person:
    """Add a person (audited); the initial stage is recorded as their first transition."""
    if await get_by_employee_no(session, employee_no=data.employee_no) is not None:
        raise PersonConflict(f"工号 {data.employee_no} 已存在")
    person = Person(**data.model_dump(mode="python"))
    person.stage = data.stage.value
    person.status = data.status.value
    if (
        data.stage is PoliticalStage.PROBATIONARY
        and not data.probation_ends_on
        and data.stage_since
    ):
        person.probation_ends_on = data.stage_since + PROBATION
    session.add(person)
    await session.flush()
    if data.stage is not PoliticalStage.MASSES:
        session.add(
            StageTransition(
                person_id=_id(person),
                from_stage=None,
                to_stage=data.stage.value,
                occurred_on=data.stage_since or china_today(),
                note="建档时的政治面貌",
                recorded_by=actor.name,
            )
        )
    await audit.record(
        session,
        actor=actor,
        action="person.create",
        target_type="person",
        target_id=person.id,
        after=audit.snapshot(person),
    )
    return person


async def update(
    session: AsyncSession, *, person: Person, data: PersonUpdate, actor: audit.Actor
) -> Person:
    """Change a person's fields (audited with before and after)."""
    changes = data.model_dump(exclude_unset=True, mode="python")
    for key, label in _REQUIRED_ON_UPDATE.items():
        if key in changes and changes[key] is None:
            raise PersonError(f"{label}不能为空")
    if "employee_no" in changes and changes["employee_no"] != person.employee_no:
        if await get_by_employee_no(session, employee_no=changes["employee_no"]) is not None:
            raise PersonConflict(f"工号 {changes['employee_no']} 已存在")
    before = audit.snapshot(person)
    for key, value in changes.items():
        setattr(person, key, value.value if isinstance(value, PersonStatus) else value)
    person.updated_at = utcnow()
    session.add(person)
    await session.flush()
    await audit.record(
        session,
        actor=actor,
        action="person.update",
        target_type="person",
        target_id=person.id,
        before=before,
        after=audit.snapshot(person),
    )
    return person


async def transition(
    session: AsyncSession,
    *,
    person: Person,
    data: StageTransitionCreate,
    actor: audit.Actor,
    by_procedure: bool = False,
    allow_jump: bool = False,
) -> StageTransition:
    """Move a person to another stage on a date; entering probation sets its end a year on.

    Forward moves of someone in the pipeline come only from its steps (`by_procedure`); a jump
    past the next stage only from history that predates the system (`allow_jump`: an import)."""
    current = PoliticalStage(person.stage)
    if data.to_stage is current:
        raise PersonConflict(f"{person.name} 已经是{current.label}")
    backwards = _STAGE_ORDER.index(data.to_stage) < _STAGE_ORDER.index(current)
    if not backwards and not by_procedure:
        await _refuse_skipping_the_procedure(session, person, current, data.to_stage, allow_jump)
    if backwards and not (data.note and data.note.strip()):
        # Going back (e.g. 取消预备党员资格) is rare and must say why.
        raise PersonError("退回到之前的阶段时必须填写说明")
    if person.stage_since is not None and data.occurred_on < person.stage_since:
        raise PersonError("日期早于当前阶段的开始日期")
    before = audit.snapshot(person)
    step = StageTransition(
        person_id=_id(person),
        from_stage=current.value,
        to_stage=data.to_stage.value,
        occurred_on=data.occurred_on,
        document_ref=data.document_ref,
        note=data.note,
        recorded_by=actor.name,
    )
    session.add(step)
    person.stage = data.to_stage.value
    person.stage_since = data.occurred_on
    if data.to_stage is PoliticalStage.PROBATIONARY:
        person.probation_ends_on = data.occurred_on + PROBATION
    person.updated_at = utcnow()
    session.add(person)
    await session.flush()
    await audit.record(
        session,
        actor=actor,
        action="person.stage",
        target_type="person",
        target_id=person.id,
        summary=f"{current.label} → {data.to_stage.label}({data.occurred_on.isoformat()})",
        before=before,
        after=audit.snapshot(person),
    )
    return step


async def _refuse_skipping_the_procedure(
    session: AsyncSession,
    person: Person,
    current: PoliticalStage,
    target: PoliticalStage,
    allow_jump: bool,
) -> None:
    """A forward move outside the development procedure, refused with the reason."""
    statement = select(AdmissionFile.id).where(
        AdmissionFile.person_id == _id(person), AdmissionFile.status == FileStatus.OPEN.value
    )
    if (await session.exec(statement)).first() is not None:
        raise PersonError(
            f"{person.name} 正在发展中，阶段随发展步骤变更：请在「组织发展」的发展档案中办理"
        )
    skipped = _STAGE_ORDER[_STAGE_ORDER.index(current) + 1 : _STAGE_ORDER.index(target)]
    if skipped and not allow_jump:
        between = "、".join(stage.label for stage in skipped)
        raise PersonError(
            f"不能从{current.label}直接变为{target.label}（跳过了{between}）："
            "请在「组织发展」中按步骤办理，或录入历史发展档案"
        )


async def transitions(session: AsyncSession, *, person_id: int) -> list[StageTransition]:
    """A person's stage history, oldest first."""
    statement = (
        select(StageTransition)
        .where(StageTransition.person_id == person_id)
        .order_by(col(StageTransition.occurred_on), col(StageTransition.id))
    )
    return list((await session.exec(statement)).all())


async def stage_counts(
    session: AsyncSession, *, unit_ids: frozenset[int] | None
) -> dict[PoliticalStage, int]:
    """Active people in scope per stage."""
    statement = (
        select(Person.stage, func.count())
        .where(Person.status == PersonStatus.ACTIVE.value)
        .group_by(col(Person.stage))
    )
    counts = {stage: 0 for stage in PoliticalStage}
    for stage, count in (await session.exec(in_scope(statement, unit_ids))).all():
        counts[PoliticalStage(stage)] = int(count)
    return counts


async def binding_counts(
    session: AsyncSession, *, unit_ids: frozenset[int] | None
) -> tuple[int, int]:
    """Active people in scope with and without a bound WeChat."""
    statement = (
        select(func.count(col(Follower.id)), func.count(col(Person.id)))
        .select_from(Person)
        .outerjoin(Follower, col(Follower.person_id) == Person.id)
        .where(Person.status == PersonStatus.ACTIVE.value)
    )
    bound, total = (await session.exec(in_scope(statement, unit_ids))).one()
    return int(bound), int(total) - int(bound)
