"""The organisation tree: units, their subtrees, and the default tree of a new install."""

from __future__ import annotations

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.models import OrgUnit, OrgUnitKind


async def all_units(session: AsyncSession) -> list[OrgUnit]:
    """Every unit, parents before children within each level."""
    statement = select(OrgUnit).order_by(col(OrgUnit.sort_order), col(OrgUnit.id))
    return list((await session.exec(statement)).all())


async def subtree_ids(session: AsyncSession, *, root_id: int | None) -> set[int]:
    """The unit and every unit below it (the tree is small: walk it in memory)."""
    if root_id is None:
        return set()
    children: dict[int | None, list[int]] = {}
    for unit in await all_units(session):
        assert unit.id is not None
        children.setdefault(unit.parent_id, []).append(unit.id)
    found, todo = set(), [root_id]
    while todo:
        unit_id = todo.pop()
        if unit_id not in found:
            found.add(unit_id)
            todo.extend(children.get(unit_id, []))
    return found


async def ancestor_ids(session: AsyncSession, *, unit_id: int) -> list[int]:
    """The unit, its parent, and so on up to the root (the nearest first)."""
    parents = {unit.id: unit.parent_id for unit in await all_units(session)}
    chain: list[int] = []
    current: int | None = unit_id
    while current is not None and current in parents and current not in chain:
        chain.append(current)
        current = parents[current]
    return chain


async def path_names(session: AsyncSession) -> dict[int, str]:
    """Each unit's full path for display and import, e.g. "神特新材党支部/第一党小组"."""
    units = {unit.id: unit for unit in await all_units(session)}
    names: dict[int, str] = {}
    for unit_id, unit in units.items():
        parts: list[str] = []
        current: OrgUnit | None = unit
        while current is not None:
            parts.append(current.name)
            current = units.get(current.parent_id) if current.parent_id else None
        assert unit_id is not None
        names[unit_id] = "/".join(reversed(parts[:-1] if len(parts) > 1 else parts))
    return names


async def ensure_default_tree(session: AsyncSession) -> OrgUnit:
    """Create the company committee and the branch of a new install; return the branch."""
    existing = (
        await session.exec(select(OrgUnit).where(OrgUnit.kind == OrgUnitKind.BRANCH.value))
    ).first()
    if existing is not None:
        return existing
    committee = OrgUnit(name="神特新材党委", kind=OrgUnitKind.COMMITTEE.value)
    session.add(committee)
    await session.flush()
    branch = OrgUnit(name="神特新材党支部", kind=OrgUnitKind.BRANCH.value, parent_id=committee.id)
    session.add(branch)
    await session.flush()
    for index, name in enumerate(("第一党小组", "第二党小组", "第三党小组"), start=1):
        session.add(
            OrgUnit(name=name, kind=OrgUnitKind.GROUP.value, parent_id=branch.id, sort_order=index)
        )
    await session.flush()
    return branch
