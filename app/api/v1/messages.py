"""The inbound message log: what members sent and how we answered, within your scope."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel

from app.api.deps import CurrentPrincipal, Session
from app.api.v1.common import IdQuery, Limit, Offset
from app.services.messages import log as message_log
from app.services.messages.log import MessageLogEntry

router = APIRouter(prefix="/messages", tags=["messages"])


class MessagePage(BaseModel):
    """One page of the log, newest first, and how many entries match in all."""

    items: list[MessageLogEntry]
    total: int


@router.get("")
async def list_messages(
    session: Session,
    principal: CurrentPrincipal,
    person_id: IdQuery = None,
    openid: Annotated[str | None, Query(max_length=64)] = None,
    msg_type: Annotated[str | None, Query(max_length=32, description="text, event, …")] = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> MessagePage:
    """Inbound messages and events, newest first, filtered by person, openid or type."""
    items, total = await message_log.recent_messages(
        session,
        unit_ids=principal.unit_ids,
        person_id=person_id,
        openid=openid,
        msg_type=msg_type,
        limit=limit,
        offset=offset,
    )
    return MessagePage(items=items, total=total)
