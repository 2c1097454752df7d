"""The audit trail (admins only): who did what, when, with before and after."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel

from app.api.deps import AdminOnly, Session
from app.api.errors import error_responses
from app.api.v1.common import Limit, Offset
from app.models import AuditLog
from app.services import audit as audit_service

router = APIRouter(prefix="/audit", tags=["audit"])


class AuditEntryPublic(BaseModel):
    """One audit entry."""

    id: int
    at: datetime
    actor_id: int | None
    actor_name: str
    action: str
    target_type: str | None
    target_id: str | None
    summary: str | None
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    ip: str | None
    request_id: str | None


class AuditPage(BaseModel):
    """A page of entries, newest first (follow `offset` until fewer than `limit` come back)."""

    items: list[AuditEntryPublic]


def _public(entry: AuditLog) -> AuditEntryPublic:
    assert entry.id is not None
    return AuditEntryPublic(**entry.model_dump())


@router.get("", responses=error_responses(403))
async def list_audit(
    session: Session,
    principal: AdminOnly,
    action: Annotated[
        str | None, Query(max_length=64, description="Action or its prefix, e.g. person.")
    ] = None,
    target_type: Annotated[str | None, Query(max_length=32)] = None,
    target_id: Annotated[str | None, Query(max_length=64)] = None,
    limit: Limit = 100,
    offset: Offset = 0,
) -> AuditPage:
    """Audit entries, newest first, filtered by action prefix or target."""
    entries = await audit_service.recent(
        session,
        limit=limit,
        offset=offset,
        action_prefix=action,
        target_type=target_type,
        target_id=target_id,
    )
    return AuditPage(items=[_public(entry) for entry in entries])
