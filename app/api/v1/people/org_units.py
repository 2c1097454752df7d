"""The organisation tree, as a flat list with each unit's full path."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel

from app.api.deps import CurrentPrincipal, Session
from app.models import OrgUnitKind
from app.services.people import org_units as org_unit_service

router = APIRouter(prefix="/org-units", tags=["org-units"])


class OrgUnitPublic(BaseModel):
    """One unit: committee, branch or Party group."""

    id: int
    name: str
    path: str
    kind: OrgUnitKind
    kind_label: str
    parent_id: int | None
    sort_order: int


@router.get("")
async def list_org_units(session: Session, principal: CurrentPrincipal) -> list[OrgUnitPublic]:
    """The units you may assign people to (all of them for admins and viewers)."""
    paths = await org_unit_service.path_names(session)
    units: list[OrgUnitPublic] = []
    for unit in await org_unit_service.all_units(session):
        assert unit.id is not None
        if not principal.sees_unit(unit.id):
            continue
        kind = OrgUnitKind(unit.kind)
        units.append(
            OrgUnitPublic(
                id=unit.id,
                name=unit.name,
                path=paths.get(unit.id, unit.name),
                kind=kind,
                kind_label=kind.label,
                parent_id=unit.parent_id,
                sort_order=unit.sort_order,
            )
        )
    return units
