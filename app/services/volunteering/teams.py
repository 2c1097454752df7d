"""Volunteer teams: a name, a unit (for scope), a leader and the people on the roster in it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlmodel import col, delete, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.models import Person, PoliticalStage, VolunteerMember, VolunteerTeam
from app.services import audit


class TeamError(ValueError):
    """The team cannot be saved as given; the message says why, in Chinese."""


@dataclass(frozen=True)
class TeamMember:
    """A person on a team, with whether the roster has them as a Party member."""

    person: Person
    party: bool  # 预备党员 / 正式党员; the others are League members, activists, masses

    @property
    def stage_label(self) -> str:
        """The roster's political stage in Chinese."""
        try:
            return PoliticalStage(self.person.stage).label
        except ValueError:
            return self.person.stage


async def get(session: AsyncSession, *, team_id: int) -> VolunteerTeam | None:
    """One team."""
    return await session.get(VolunteerTeam, team_id)


async def in_scope(
    session: AsyncSession, *, unit_ids: frozenset[int] | None
) -> list[VolunteerTeam]:
    """The teams of these units (None: every team), by name."""
    statement = select(VolunteerTeam).order_by(col(VolunteerTeam.name), col(VolunteerTeam.id))
    if unit_ids is not None:
        statement = statement.where(col(VolunteerTeam.org_unit_id).in_(list(unit_ids)))
    return list((await session.exec(statement)).all())


async def members(session: AsyncSession, *, team_id: int) -> list[TeamMember]:
    """The team's people, Party members first, then by employee number."""
    statement = (
        select(Person)
        .join(VolunteerMember, col(VolunteerMember.person_id) == col(Person.id))
        .where(VolunteerMember.team_id == team_id)
        .order_by(col(Person.employee_no))
    )
    found = []
    for person in (await session.exec(statement)).all():
        try:
            party = PoliticalStage(person.stage).is_party_member
        except ValueError:
            party = False
        found.append(TeamMember(person, party))
    return sorted(found, key=lambda m: not m.party)


async def member_ids(session: AsyncSession, *, team_id: int) -> list[int]:
    """The ids of the team's people."""
    statement = select(VolunteerMember.person_id).where(VolunteerMember.team_id == team_id)
    return sorted((await session.exec(statement)).all())


async def save(
    session: AsyncSession,
    *,
    team: VolunteerTeam | None,
    name: str,
    org_unit_id: int,
    leader_id: int | None,
    person_ids: Sequence[int],
    actor: audit.Actor,
) -> VolunteerTeam:
    """Create a team, or rename it and set its leader and members (the leader is a member)."""
    name = name.strip()
    if not name or len(name) > 100:
        raise TeamError("请填写队伍名称（不超过 100 字）。")
    wanted = set(person_ids) | ({leader_id} if leader_id is not None else set())
    found = set(
        (await session.exec(select(Person.id).where(col(Person.id).in_(list(wanted))))).all()
    )
    if found != wanted:
        raise TeamError("所选人员不在名册中，请刷新页面后重新选择。")
    before = audit.snapshot(team)
    creating = team is None
    if team is None:
        team = VolunteerTeam(
            name=name, org_unit_id=org_unit_id, leader_id=leader_id, created_by=actor.name
        )
    else:
        team.name, team.org_unit_id, team.leader_id = name, org_unit_id, leader_id
    session.add(team)
    await session.flush()
    assert team.id is not None
    await session.exec(delete(VolunteerMember).where(col(VolunteerMember.team_id) == team.id))
    session.add_all(VolunteerMember(team_id=team.id, person_id=pid) for pid in sorted(wanted))
    await session.flush()
    await audit.record(
        session,
        actor=actor,
        action="volunteer.team_create" if creating else "volunteer.team_update",
        target_type="volunteer_team",
        target_id=team.id,
        summary=f"{team.name}（{len(wanted)} 人）",
        before=before,
        after=audit.snapshot(team),
    )
    return team
