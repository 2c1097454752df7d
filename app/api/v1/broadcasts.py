"""Broadcasts over the API: their numbers, and each person's outcome within your scope."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel

from app.api.deps import CurrentPrincipal, Session
from app.api.v1.common import IdPath, Limit, not_found
from app.models import Broadcast, RecipientStatus
from app.services.broadcasts import progress as progress_service
from app.services.broadcasts.progress import RecipientLine

router = APIRouter(prefix="/broadcasts", tags=["broadcasts"])
StatusQuery = Annotated[RecipientStatus | None, Query(description="Only rows in this status")]


class BroadcastPublic(BaseModel):
    """A broadcast and its numbers (counts cover everyone, whatever your scope)."""

    id: int
    key: str
    kind: str
    title: str
    status: str
    total: int
    counts: dict[str, int]
    by_channel: dict[str, int]
    reasons: dict[str, int]
    opened: int
    percent: int
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    paused_until: datetime | None
    pause_reason: str | None


async def _public(session: Session, broadcast: Broadcast) -> BroadcastPublic:
    numbers = await progress_service.progress(session, broadcast=broadcast)
    assert broadcast.id is not None
    return BroadcastPublic(
        id=broadcast.id,
        key=broadcast.key,
        kind=broadcast.kind,
        title=broadcast.title,
        status=broadcast.status,
        total=numbers.total,
        counts=numbers.counts,
        by_channel=numbers.by_channel,
        reasons=numbers.reasons,
        opened=numbers.opened,
        percent=numbers.percent,
        created_at=broadcast.created_at,
        started_at=broadcast.started_at,
        finished_at=broadcast.finished_at,
        paused_until=broadcast.paused_until,
        pause_reason=broadcast.pause_reason,
    )


@router.get("")
async def list_broadcasts(
    session: Session, principal: CurrentPrincipal, limit: Limit = 50
) -> list[BroadcastPublic]:
    """The newest broadcasts first, with their numbers."""
    return [await _public(session, b) for b in await progress_service.recent(session, limit=limit)]


async def _get(session: Session, broadcast_id: int) -> Broadcast:
    broadcast = await session.get(Broadcast, broadcast_id)
    if broadcast is None:
        raise not_found("没有找到这次推送")
    return broadcast


@router.get("/{broadcast_id:int}")
async def get_broadcast(
    broadcast_id: IdPath, session: Session, principal: CurrentPrincipal
) -> BroadcastPublic:
    """One broadcast's numbers: by status, by channel, and why people were not reached."""
    return await _public(session, await _get(session, broadcast_id))


@router.get("/{broadcast_id:int}/recipients")
async def list_recipients(
    broadcast_id: IdPath,
    session: Session,
    principal: CurrentPrincipal,
    status: StatusQuery = None,
) -> list[RecipientLine]:
    """Each person's row in your scope: channel, outcome, reason, msgid, receipt, opened."""
    await _get(session, broadcast_id)
    return await progress_service.recipients(
        session,
        broadcast_id=broadcast_id,
        status=status.value if status else None,
        unit_ids=principal.unit_ids,
    )
