"""Who is asking: the caller's role and scope."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel, Field

from app.api.deps import CurrentPrincipal
from app.models import AdminRole

router = APIRouter(tags=["me"])


class Me(BaseModel):
    """The caller (console user or API token owner) and what they may do."""

    id: int
    username: str
    display_name: str
    role: AdminRole
    role_label: str
    can_write: bool
    is_admin: bool
    unit_ids: list[int] | None = Field(description="Units in scope; null means every unit")


@router.get("/me")
async def who_am_i(principal: CurrentPrincipal) -> Me:
    """Your role and scope."""
    return Me(
        id=principal.id,
        username=principal.username,
        display_name=principal.display_name,
        role=principal.role,
        role_label=principal.role.label,
        can_write=principal.can_write,
        is_admin=principal.is_admin,
        unit_ids=None if principal.unit_ids is None else sorted(principal.unit_ids),
    )
