"""微感悟 over REST, read only: topics, a topic's reflections, one reflection (scoped to the
caller's units' authors, as in the console)."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel

from app.api.deps import CurrentPrincipal, Session
from app.api.errors import error_responses
from app.api.v1.common import INT32_MAX, IdPath, not_found, now
from app.models import ReflectionStatus
from app.services.reflections import editing
from app.services.reflections import topics as topic_service
from app.services.reflections.editing import Entry

router = APIRouter(prefix="/reflections", tags=["reflections"])

FOUND = error_responses(404)


class TopicPublic(BaseModel):
    """A 微感悟 topic and the period it is open."""

    id: int
    title: str
    guidance: str
    opens_at: datetime
    closes_at: datetime
    is_open: bool
    announced_at: datetime | None


class ReflectionPublic(BaseModel):
    """A reflection: the author's original, the editor's text, where it stands."""

    id: int
    topic_id: int
    person_id: int
    person_name: str
    unit: str
    text: str
    edited_text: str | None
    final_text: str
    status: ReflectionStatus
    state: str
    photos: int
    issue_id: int | None
    published: bool
    created_at: datetime


def _public(e: Entry) -> ReflectionPublic:
    r = e.reflection
    return ReflectionPublic(
        id=r.id or 0,
        topic_id=r.topic_id,
        person_id=r.person_id,
        person_name=e.person.name,
        unit=e.unit,
        text=r.text,
        edited_text=r.edited_text,
        final_text=r.final_text,
        status=ReflectionStatus(r.status),
        state=e.state,
        photos=e.photos,
        issue_id=r.issue_id,
        published=e.published,
        created_at=r.created_at,
    )


@router.get("/topics")
async def list_topics(request: Request, session: Session, _: CurrentPrincipal) -> list[TopicPublic]:
    """Every topic, the latest to open first."""
    moment = now(request)
    return [
        TopicPublic(
            id=t.id or 0,
            title=t.title,
            guidance=t.guidance,
            opens_at=t.opens_at,
            closes_at=t.closes_at,
            is_open=topic_service.is_open(t, moment),
            announced_at=t.announced_at,
        )
        for t in await topic_service.all_topics(session)
    ]


@router.get("", responses=FOUND)
async def list_reflections(
    session: Session,
    principal: CurrentPrincipal,
    topic_id: int = Query(ge=1, le=INT32_MAX),
) -> list[ReflectionPublic]:
    """A topic's reflections whose authors are within your scope, oldest first."""
    if await topic_service.get(session, topic_id=topic_id) is None:
        raise not_found("没有找到该主题")
    found = await editing.entries(session, topic_id=topic_id, unit_ids=principal.unit_ids)
    return [_public(e) for e in found]


@router.get("/{reflection_id:int}", responses=FOUND)
async def get_reflection(
    reflection_id: IdPath, session: Session, principal: CurrentPrincipal
) -> ReflectionPublic:
    """One reflection (404 alike for missing and out of scope)."""
    found = await editing.entry(session, reflection_id=reflection_id, unit_ids=principal.unit_ids)
    if found is None:
        raise not_found("没有找到该感悟")
    return _public(found)
