"""廉政谈话 over REST: admins only, as in the console, and every read is audited."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Request
from pydantic import BaseModel

from app.api.deps import AdminOnly, Session, actor_of
from app.api.errors import error_responses
from app.api.v1.common import IdPath, not_found
from app.services.talks import records as talk_service
from app.services.talks.records import TalkFilter, TalkRow

router = APIRouter(prefix="/talks", tags=["talks"])

FOUND = error_responses(403, 404)


class TalkPublic(BaseModel):
    """A 廉政谈话: with whom, about which post, when, by whom, and what was said."""

    id: int
    person_id: int
    person_name: str
    category: str
    category_label: str
    held_on: date
    held_by: str
    summary: str


def _public(row: TalkRow) -> TalkPublic:
    return TalkPublic(
        id=row.talk.id or 0,
        person_id=row.person.id or 0,
        person_name=row.person.name,
        category=row.talk.category,
        category_label=row.category_label,
        held_on=row.talk.held_on,
        held_by=row.talk.held_by,
        summary=row.talk.summary,
    )


@router.get("", responses=error_responses(403))
async def list_talks(request: Request, session: Session, principal: AdminOnly) -> list[TalkPublic]:
    """Every talk, newest first (audited as talk.list)."""
    listing = await talk_service.list_talks(
        session, talk_filter=TalkFilter(), actor=actor_of(request, principal)
    )
    return [_public(row) for row in listing.rows]


@router.get("/{talk_id:int}", responses=FOUND)
async def get_talk(
    talk_id: IdPath, request: Request, session: Session, principal: AdminOnly
) -> TalkPublic:
    """One talk (audited as talk.view)."""
    row = await talk_service.get_talk(session, talk_id=talk_id, actor=actor_of(request, principal))
    if row is None:
        raise not_found("没有找到该谈话记录")
    return _public(row)
