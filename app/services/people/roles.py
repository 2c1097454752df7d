"""Branch roles (支部书记, 副书记, 支委委员, 党小组长) and study pairs (结对帮学), all audited."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from enum import StrEnum

from pydantic import BaseModel
from sqlalchemy import and_, or_
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.models import BranchRole, BranchRoleKind, OrgUnit, Person, PoliticalStage, StudyPair
from app.services import audit
from app.services.people import org_units as org_unit_service
from app.services.people.roster import PersonConflict, PersonError, in_scope

_ROLE_ORDER = list(BranchRoleKind)


class PairSide(StrEnum):
    """Which side of a study pair someone is on."""

    LEADER = "leader"  # 带学人
    PARTNER = "partner"  # 学习人

    @property
    def label(self) -> str:
        """The Chinese name."""
        return "带学人" if self is PairSide.LEADER else "学习人"


class BranchRolePublic(BaseModel):
    """A role someone holds in a unit, as the console and the API show it."""

    id: int
    person_id: int
    org_unit_id: int
    org_unit: str | None
    role: BranchRoleKind
    role_label: str
    since: date | None


class StudyPairPublic(BaseModel):
    """A study pair with both names; active until it has an end date."""

    id: int
    leader_id: int
    leader_name: str
    partner_id: int
    partner_name: str
    started_on: date | None
    ended_on: date | None
    active: bool


def _id(row: Person | BranchRole | StudyPair) -> int:
    assert row.id is not None  # flushed rows have ids
    return row.id


def _role_key(role: BranchRole) -> tuple[int, int, int]:
    kind = BranchRoleKind(role.role)
    return _ROLE_ORDER.index(kind), role.org_unit_id, _id(role)


async def _unit_name(session: AsyncSession, unit_id: int) -> str:
    names = await org_unit_service.path_names(session)
    return names.get(unit_id, f"组织 #{unit_id}")


async def get_role(session: AsyncSession, *, role_id: int) -> BranchRole | None:
    """A role by id."""
    return await session.get(BranchRole, role_id)


async def roles_of(session: AsyncSession, *, person_id: int) -> list[BranchRole]:
    """A person's roles, 支部书记 first."""
    statement = select(BranchRole).where(BranchRole.person_id == person_id)
    return sorted((await session.exec(statement)).all(), key=_role_key)


async def _secretary_taken(session: AsyncSession, unit_name: str, holder_id: int) -> PersonConflict:
    current = await session.get(Person, holder_id)
    who = f"{current.name}（工号 {current.employee_no}）" if current else "他人"
    return PersonConflict(f"{unit_name}已有支部书记 {who}，请先免去其职务")


async def assign_role(
    session: AsyncSession,
    *,
    person: Person,
    org_unit_id: int,
    role: BranchRoleKind,
    since: date | None,
    actor: audit.Actor,
) -> BranchRole:
    """Give a Party member a role in a unit (audited); one 支部书记 per unit."""
    stage = PoliticalStage(person.stage)
    if not stage.is_party_member:
        raise PersonError(
            f"{person.name} 是{stage.label}，只有党员（预备党员、正式党员）才能担任支部职务"
        )
    if await session.get(OrgUnit, org_unit_id) is None:
        raise PersonError("组织单位不存在")
    unit_name = await _unit_name(session, org_unit_id)
    same_role = select(BranchRole).where(
        BranchRole.org_unit_id == org_unit_id, BranchRole.role == role.value
    )
    holders = list((await session.exec(same_role)).all())
    if any(holder.person_id == person.id for holder in holders):
        raise PersonConflict(f"{person.name} 已经是{unit_name}的{role.label}")
    if role is BranchRoleKind.SECRETARY and holders:
        raise await _secretary_taken(session, unit_name, holders[0].person_id)
    row = BranchRole(person_id=_id(person), org_unit_id=org_unit_id, role=role.value, since=since)
    try:
        async with session.begin_nested():
            session.add(row)
            await session.flush()
    except IntegrityError as exc:
        # Someone was made secretary of this unit at the same moment (uq_branch_role_secretary).
        holder = (await session.exec(same_role)).first()
        if holder is None:
            raise
        if holder.person_id == person.id:
            raise PersonConflict(f"{person.name} 已经是{unit_name}的{role.label}") from exc
        raise await _secretary_taken(session, unit_name, holder.person_id) from exc
    await audit.record(
        session,
        actor=actor,
        action="role.assign",
        target_type="person",
        target_id=person.id,
        summary=f"{person.name} 任{unit_name}{role.label}",
        after=audit.snapshot(row),
    )
    return row


async def remove_role(session: AsyncSession, *, role_id: int, actor: audit.Actor) -> BranchRole:
    """Take a role away (audited with what it was); the removed row is returned."""
    row = await get_role(session, role_id=role_id)
    if row is None:
        raise PersonError("没有找到该职务")
    person_id = row.person_id
    person = await session.get(Person, person_id)
    unit_name = await _unit_name(session, row.org_unit_id)
    label = BranchRoleKind(row.role).label
    before = audit.snapshot(row)
    await session.delete(row)
    await session.flush()
    await audit.record(
        session,
        actor=actor,
        action="role.remove",
        target_type="person",
        target_id=person_id,
        summary=f"{person.name if person else ''} 免去{unit_name}{label}",
        before=before,
    )
    return row


async def people_with_roles(
    session: AsyncSession, *, unit_ids: frozenset[int] | None
) -> dict[int, list[str]]:
    """Role labels per person (of people whose unit is in scope; None means all), for lists."""
    statement = select(BranchRole).join(Person, col(Person.id) == BranchRole.person_id)
    statement = in_scope(statement, unit_ids)
    labels: dict[int, list[str]] = {}
    for row in sorted((await session.exec(statement)).all(), key=_role_key):
        label = BranchRoleKind(row.role).label
        if label not in labels.setdefault(row.person_id, []):
            labels[row.person_id].append(label)
    return labels


async def roles_public(
    session: AsyncSession, roles: Sequence[BranchRole]
) -> list[BranchRolePublic]:
    """The outward shape of roles, with each unit's full path."""
    names = await org_unit_service.path_names(session)
    out: list[BranchRolePublic] = []
    for row in roles:
        kind = BranchRoleKind(row.role)
        out.append(
            BranchRolePublic(
                id=_id(row),
                person_id=row.person_id,
                org_unit_id=row.org_unit_id,
                org_unit=names.get(row.org_unit_id),
                role=kind,
                role_label=kind.label,
                since=row.since,
            )
        )
    return out


def _pair_key(pair: StudyPair) -> tuple[bool, int, int]:
    started = pair.started_on.toordinal() if pair.started_on else 0
    return pair.ended_on is not None, -started, -_id(pair)


async def get_pair(session: AsyncSession, *, pair_id: int) -> StudyPair | None:
    """A study pair by id."""
    return await session.get(StudyPair, pair_id)


async def pairs_of(session: AsyncSession, *, person_id: int) -> list[StudyPair]:
    """A person's study pairs as leader or partner: current ones first, then newest first."""
    statement = select(StudyPair).where(
        or_(col(StudyPair.leader_id) == person_id, col(StudyPair.partner_id) == person_id)
    )
    return sorted((await session.exec(statement)).all(), key=_pair_key)


def _already_paired(leader: Person, partner: Person, existing: StudyPair) -> PersonConflict:
    since = f"（自 {existing.started_on.isoformat()}）" if existing.started_on else ""
    return PersonConflict(f"{leader.name} 与 {partner.name} 已在结对帮学中{since}")


async def create_pair(
    session: AsyncSession,
    *,
    leader: Person,
    partner: Person,
    started_on: date,
    actor: audit.Actor,
) -> StudyPair:
    """Pair a leader (带学人) with a partner (学习人) from a date (audited)."""
    if leader.id == partner.id:
        raise PersonError("不能与自己结对")
    leader_id, partner_id = _id(leader), _id(partner)
    either_way = or_(
        and_(col(StudyPair.leader_id) == leader_id, col(StudyPair.partner_id) == partner_id),
        and_(col(StudyPair.leader_id) == partner_id, col(StudyPair.partner_id) == leader_id),
    )
    active = select(StudyPair).where(either_way, col(StudyPair.ended_on).is_(None))
    existing = (await session.exec(active)).first()
    if existing is not None:
        raise _already_paired(leader, partner, existing)
    pair = StudyPair(leader_id=leader_id, partner_id=partner_id, started_on=started_on)
    try:
        async with session.begin_nested():
            session.add(pair)
            await session.flush()
    except IntegrityError as exc:
        # The same pair was registered at the same moment (uq_study_pair_running).
        existing = (await session.exec(active)).first()
        if existing is None:
            raise
        raise _already_paired(leader, partner, existing) from exc
    await audit.record(
        session,
        actor=actor,
        action="study_pair.create",
        target_type="study_pair",
        target_id=pair.id,
        summary=f"带学人 {leader.name}，学习人 {partner.name}",
        after=audit.snapshot(pair),
    )
    return pair


async def end_pair(
    session: AsyncSession, *, pair_id: int, ended_on: date, actor: audit.Actor
) -> StudyPair:
    """End a current study pair on a date (audited with before and after)."""
    pair = await get_pair(session, pair_id=pair_id)
    if pair is None:
        raise PersonError("没有找到该结对")
    if pair.ended_on is not None:
        raise PersonConflict(f"该结对已于 {pair.ended_on.isoformat()} 结束")
    if pair.started_on is not None and ended_on < pair.started_on:
        raise PersonError(f"结束日期不能早于开始日期（{pair.started_on.isoformat()}）")
    before = audit.snapshot(pair)
    pair.ended_on = ended_on
    session.add(pair)
    await session.flush()
    await audit.record(
        session,
        actor=actor,
        action="study_pair.end",
        target_type="study_pair",
        target_id=pair.id,
        summary=f"结束于 {ended_on.isoformat()}",
        before=before,
        after=audit.snapshot(pair),
    )
    return pair


async def pairs_public(session: AsyncSession, pairs: Sequence[StudyPair]) -> list[StudyPairPublic]:
    """The outward shape of study pairs, with both people's names."""
    ids = {pair.leader_id for pair in pairs} | {pair.partner_id for pair in pairs}
    people: dict[int | None, Person] = {}
    if ids:
        found = await session.exec(select(Person).where(col(Person.id).in_(ids)))
        people = {person.id: person for person in found.all()}

    def name(person_id: int) -> str:
        person = people.get(person_id)
        return person.name if person else f"#{person_id}"

    return [
        StudyPairPublic(
            id=_id(pair),
            leader_id=pair.leader_id,
            leader_name=name(pair.leader_id),
            partner_id=pair.partner_id,
            partner_name=name(pair.partner_id),
            started_on=pair.started_on,
            ended_on=pair.ended_on,
            active=pair.ended_on is None,
        )
        for pair in pairs
    ]


async def secretaries(session: AsyncSession, *, unit_id: int | None) -> list[int]:
    """The 支部书记 of the unit, or of the nearest unit above it that has one (person ids)."""
    if unit_id is None:
        return []
    chain = await org_unit_service.ancestor_ids(session, unit_id=unit_id)
    statement = select(BranchRole.org_unit_id, BranchRole.person_id).where(
        col(BranchRole.org_unit_id).in_(chain), BranchRole.role == BranchRoleKind.SECRETARY.value
    )
    by_unit: dict[int, set[int]] = {}
    for unit, person_id in (await session.exec(statement)).all():
        by_unit.setdefault(unit, set()).add(person_id)
    nearest = next((unit for unit in chain if unit in by_unit), None)
    return sorted(by_unit[nearest]) if nearest is not None else []


async def secretary_of(session: AsyncSession, *, unit_id: int | None) -> Person | None:
    """The 支部书记 of the unit, or of the nearest unit above it that has one."""
    found = await secretaries(session, unit_id=unit_id)
    return await session.get(Person, found[0]) if found else None
    chain = await org_unit_service.ancestor_ids(session, unit_id=unit_id)
    statement = select(BranchRole).where(
        col(BranchRole.org_unit_id).in_(chain),
        BranchRole.role == BranchRoleKind.SECRETARY.value,
    )
    holders = {row.org_unit_id: row.person_id for row in (await session.exec(statement)).all()}
    for unit in chain:
        if unit in holders:
            return await session.get(Person, holders[unit])
    return None
