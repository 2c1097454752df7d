"""合理化建议 over REST, read only: the list (any filter), one with its timeline, the figures."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel

from app.api.deps import CurrentPrincipal, Session
from app.api.errors import error_responses
from app.api.v1.common import IdPath, IdQuery, Limit, Offset, not_found
from app.models import Person, Suggestion, SuggestionCategory, SuggestionStatus
from app.models.types import CHINA
from app.services.suggestions import figures as figure_service
from app.services.suggestions import queue, records
from app.services.suggestions.queue import Filters

router = APIRouter(prefix="/suggestions", tags=["suggestions"])

FOUND = error_responses(404)


class SuggestionPublic(BaseModel):
    """A suggestion: its number, submitter, text and where it stands."""

    id: int
    number: str
    person_id: int
    person_name: str
    category: str
    category_label: str
    content: str
    status: str
    status_label: str
    submitted_at: datetime
    adopted_at: datetime | None
    implemented_at: datetime | None
    verified_at: datetime | None
    awarded_at: datetime | None
    estimated_benefit: Decimal | None
    verified_benefit: Decimal | None
    benefit_basis: str | None
    verified_by: str | None
    campaign_id: int | None
    award: str | None
    reject_reason: str | None
    merged_into_id: int | None


class EventPublic(BaseModel):
    """One decision on the timeline."""

    kind: str
    from_status: str | None
    to_status: str | None
    note: str | None
    amount: Decimal | None
    actor_name: str
    at: datetime


class SuggestionDetail(SuggestionPublic):
    """A suggestion with its timeline."""

    timeline: list[EventPublic]


class SuggestionPage(BaseModel):
    """One page of suggestions, newest first, and how many match in all."""

    items: list[SuggestionPublic]
    total: int


class FiguresPublic(BaseModel):
    """The figures of a period (China dates, inclusive)."""

    start: date
    end: date
    received: int
    adopted: int
    implemented: int
    golden: int
    verified_count: int
    verified_benefit: Decimal
    estimated_benefit: Decimal


def _public(suggestion: Suggestion, person_name: str) -> SuggestionPublic:
    assert suggestion.id is not None
    return SuggestionPublic(
        **suggestion.model_dump(exclude={"id", "number", "via", "concerns_unit_id"}),
        id=suggestion.id,
        number=suggestion.number or "",
        person_name=person_name,
        category_label=records.category_label(suggestion.category),
        status_label=records.status_label(suggestion.status),
    )


@router.get("")
async def list_suggestions(
    session: Session,
    principal: CurrentPrincipal,
    status: SuggestionStatus | None = None,
    category: SuggestionCategory | None = None,
    campaign_id: IdQuery = None,
    unit_id: IdQuery = None,
    concerns_unit_id: IdQuery = None,
    reviewer_id: IdQuery = None,
    start: date | None = None,
    end: date | None = None,
    basis: Annotated[str, Query(pattern="^(submitted|adopted|implemented|verified|awarded)$")] = (
        "submitted"
    ),
    text: Annotated[str | None, Query(max_length=100)] = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> SuggestionPage:
    """Suggestions in your scope, newest first; the period applies to the `basis` date."""
    filters = Filters(
        status=status.value if status else None,
        category=category.value if category else None,
        campaign_id=campaign_id,
        unit_id=unit_id,
        concerns_unit_id=concerns_unit_id,
        reviewer_id=reviewer_id,
        start=start,
        end=end,
        basis=basis,
        text=text,
    )
    rows, total = await queue.page(
        session, filters=filters, seen=queue.visibility(principal), limit=limit, offset=offset
    )
    return SuggestionPage(items=[_public(r.suggestion, r.person.name) for r in rows], total=total)


@router.get("/figures")
async def figures(
    request: Request,
    session: Session,
    principal: CurrentPrincipal,
    start: date | None = None,
    end: date | None = None,
) -> FiguresPublic:
    """Received, adopted, implemented, 金点子, ¥ verified and estimated (default: this year)."""
    year = request.app.state.clock().astimezone(CHINA).year
    low, high = start or date(year, 1, 1), end or date(year, 12, 31)
    found = await figure_service.compute(
        session, start=min(low, high), end=max(low, high), seen=queue.visibility(principal)
    )
    return FiguresPublic(**found.__dict__)


@router.get("/{suggestion_id}", responses=FOUND)
async def get_suggestion(
    suggestion_id: IdPath, session: Session, principal: CurrentPrincipal
) -> SuggestionDetail:
    """One suggestion with its timeline (404 alike for missing and out of scope)."""
    suggestion = await queue.visible(
        session, suggestion_id=suggestion_id, seen=queue.visibility(principal)
    )
    if suggestion is None or suggestion.id is None:
        raise not_found("没有找到这条建议")
    submitter = await session.get(Person, suggestion.person_id)
    events = await records.timeline(session, suggestion_id=suggestion.id)
    base = _public(suggestion, submitter.name if submitter else "")
    return SuggestionDetail(
        **base.model_dump(),
        timeline=[
            EventPublic(**e.model_dump(exclude={"id", "suggestion_id", "actor_id"})) for e in events
        ],
    )
