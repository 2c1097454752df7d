"""Branch roles and study pairs: who may hold a role, one 支部书记 per unit, pairs, the audit."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from sqlmodel.ext.asyncio.session import AsyncSession

from app.db import unit_of_work
from app.models import AuditLog, BranchRoleKind, Person
from app.models.people import PersonCreate
from app.services import audit
from app.services.people import org_units as org_unit_service
from app.services.people import roles
from app.services.people import roster as people_service
from app.services.people.roster import PersonConflict, PersonError

ACTOR = audit.Actor(id=None, name="党群部测试")
SECRETARY, DEPUTY = BranchRoleKind.SECRETARY, BranchRoleKind.DEPUTY_SECRETARY


async def _person(session: AsyncSession, number: str, name: str, **fields: Any) -> Person:
    data = PersonCreate(employee_no=number, name=name, **fields)
    return await people_service.create(session, data=data, actor=ACTOR)


async def _units(session: AsyncSession) -> dict[str, int]:
    await org_unit_service.ensure_default_tree(session)
    return {unit.name: unit.id for unit in await org_unit_service.all_units(session) if unit.id}


async def _audit(session: AsyncSession, action: str) -> list[AuditLog]:
    return await audit.recent(session, action_prefix=action)


async def test_role_rules_and_audit(client):
    async with unit_of_work(client.sessions) as session:
        units = await _units(session)
        branch, group = units["神特新材党支部"], units["第一党小组"]
        wang = await _person(session, "R01", "王书记", stage="full", org_unit_id=group)
        li = await _person(session, "R02", "李委员", stage="probationary", org_unit_id=group)
        zhao = await _person(session, "R03", "赵群众", org_unit_id=group)

        with pytest.raises(PersonError, match="只有党员") as refused:
            await roles.assign_role(
                session, person=zhao, org_unit_id=group, role=DEPUTY, since=None, actor=ACTOR
            )
        assert not isinstance(refused.value, PersonConflict)
        with pytest.raises(PersonError, match="组织单位不存在"):
            await roles.assign_role(
                session, person=wang, org_unit_id=999_999, role=DEPUTY, since=None, actor=ACTOR
            )

        first = await roles.assign_role(
            session,
            person=wang,
            org_unit_id=branch,
            role=SECRETARY,
            since=date(2023, 3, 1),
            actor=ACTOR,
        )
        with pytest.raises(PersonConflict, match="已经是神特新材党支部的支部书记"):
            await roles.assign_role(
                session, person=wang, org_unit_id=branch, role=SECRETARY, since=None, actor=ACTOR
            )
        with pytest.raises(PersonConflict, match="已有支部书记 王书记（工号 R01）"):
            await roles.assign_role(
                session, person=li, org_unit_id=branch, role=SECRETARY, since=None, actor=ACTOR
            )
        # Other roles are not unique; the secretary of one unit may hold roles elsewhere.
        await roles.assign_role(
            session, person=li, org_unit_id=branch, role=DEPUTY, since=None, actor=ACTOR
        )
        await roles.assign_role(
            session,
            person=wang,
            org_unit_id=group,
            role=BranchRoleKind.GROUP_LEADER,
            since=None,
            actor=ACTOR,
        )
        assert wang.id is not None and li.id is not None
        held = await roles.roles_of(session, person_id=wang.id)
        assert [r.role for r in held] == ["secretary", "group_leader"]
        assert await roles.people_with_roles(session, unit_ids=None) == {
            wang.id: ["支部书记", "党小组长"],
            li.id: ["副书记"],
        }
        assert (
            await roles.people_with_roles(session, unit_ids=frozenset({units["第二党小组"]})) == {}
        )

        (assigned, *_) = await _audit(session, "role.assign")
        assert assigned.target_type == "person" and assigned.after is not None
        assert assigned.after["role"] == "group_leader"

        assert first.id is not None
        await roles.remove_role(session, role_id=first.id, actor=ACTOR)
        (removed,) = await _audit(session, "role.remove")
        assert removed.target_id == str(wang.id) and removed.after is None
        assert removed.before is not None and removed.before["since"] == "2023-03-01"
        assert "免去神特新材党支部支部书记" in (removed.summary or "")
        with pytest.raises(PersonError, match="没有找到该职务"):
            await roles.remove_role(session, role_id=first.id, actor=ACTOR)
        # The unit's secretary post is free again.
        await roles.assign_role(
            session, person=li, org_unit_id=branch, role=SECRETARY, since=None, actor=ACTOR
        )
        assert [r.role for r in await roles.roles_of(session, person_id=li.id)] == [
            "secretary",
            "deputy_secretary",
        ]


async def test_pair_rules_and_audit(client):
    async with unit_of_work(client.sessions) as session:
        lead = await _person(session, "P01", "带学人", stage="full", is_manager=True)
        one = await _person(session, "P02", "学员一")
        two = await _person(session, "P03", "学员二")
        start = date(2024, 3, 1)

        with pytest.raises(PersonError, match="不能与自己结对"):
            await roles.create_pair(
                session, leader=lead, partner=lead, started_on=start, actor=ACTOR
            )
        first = await roles.create_pair(
            session, leader=lead, partner=one, started_on=start, actor=ACTOR
        )
        for leader, partner in ((lead, one), (one, lead)):  # either way round
            with pytest.raises(PersonConflict, match="已在结对帮学中（自 2024-03-01）"):
                await roles.create_pair(
                    session, leader=leader, partner=partner, started_on=start, actor=ACTOR
                )
        second = await roles.create_pair(
            session, leader=lead, partner=two, started_on=date(2024, 5, 1), actor=ACTOR
        )
        assert first.id is not None and second.id is not None and lead.id is not None
        assert [p.id for p in await roles.pairs_of(session, person_id=lead.id)] == [
            second.id,
            first.id,
        ]

        with pytest.raises(PersonError, match="结束日期不能早于开始日期"):
            await roles.end_pair(
                session, pair_id=second.id, ended_on=date(2024, 4, 30), actor=ACTOR
            )
        await roles.end_pair(session, pair_id=second.id, ended_on=date(2024, 12, 31), actor=ACTOR)
        with pytest.raises(PersonConflict, match="已于 2024-12-31 结束"):
            await roles.end_pair(session, pair_id=second.id, ended_on=date(2025, 1, 1), actor=ACTOR)
        with pytest.raises(PersonError, match="没有找到该结对"):
            await roles.end_pair(session, pair_id=999_999, ended_on=start, actor=ACTOR)
        # Current pairs come first, whatever their dates.
        assert [p.id for p in await roles.pairs_of(session, person_id=lead.id)] == [
            first.id,
            second.id,
        ]
        # An ended pair does not stand in the way of a new one.
        again = await roles.create_pair(
            session, leader=two, partner=lead, started_on=date(2025, 2, 1), actor=ACTOR
        )
        shown = await roles.pairs_public(session, [again])
        assert shown[0].leader_name == "学员二" and shown[0].partner_name == "带学人"
        assert shown[0].active

        (ended,) = await _audit(session, "study_pair.end")
        assert ended.before is not None and ended.before["ended_on"] is None
        assert ended.after is not None and ended.after["ended_on"] == "2024-12-31"
        created = await _audit(session, "study_pair.create")
        assert len(created) == 3 and created[-1].summary == "带学人 带学人，学习人 学员一"
