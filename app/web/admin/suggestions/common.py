"""What the suggestion pages share: the filters from a URL, the scoped lookup, the options."""

from __future__ import annotations

from datetime import date

from fastapi import Request
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.models import Suggestion, SuggestionCampaign, SuggestionCategory, SuggestionStatus
from app.services.accounts.admins import Principal
from app.services.suggestions import queue
from app.services.suggestions.queue import Filters
from app.web.admin.forms import parse_int
from app.web.admin.pages import NotFound, today

MISSING = "没有找到这条建议，或者它不在您负责的范围内。"
STATUSES = [(s.value, s.label) for s in SuggestionStatus]
CATEGORIES = [(c.value, c.label) for c in SuggestionCategory]


def _day(value: str | None) -> date | None:
    try:
        return date.fromisoformat((value or "").strip()[:10]) if value else None
    except ValueError:
        return None


def _id(value: str | None) -> int | None:
    number = parse_int(value)
    return number if number is not None and 0 < number < 2**31 else None


def filters_of(request: Request, *, default_year: bool = False) -> Filters:
    """The queue's filters from the URL (unknown values ignored); with `default_year`, the
    period is this year unless given."""
    q = request.query_params
    start, end = _day(q.get("start")), _day(q.get("end"))
    if default_year and start is None and end is None:
        this_year = today(request).year
        start, end = date(this_year, 1, 1), date(this_year, 12, 31)
    basis = q.get("basis") or "submitted"
    return Filters(
        status=q.get("status") if q.get("status") in dict(STATUSES) else None,
        category=q.get("category") if q.get("category") in dict(CATEGORIES) else None,
        campaign_id=_id(q.get("campaign_id")),
        unit_id=_id(q.get("unit_id")),
        concerns_unit_id=_id(q.get("concerns_unit_id")),
        reviewer_id=_id(q.get("reviewer_id")),
        start=start,
        end=end,
        basis=basis if basis in queue.BASES else "submitted",
        text=(q.get("text") or "").strip()[:100] or None,
    )


async def suggestion_in_sight(
    session: AsyncSession, me: Principal, suggestion_id: int
) -> Suggestion:
    """The suggestion when the user sees it; 404 alike for missing and out of scope."""
    found = await queue.visible(session, suggestion_id=suggestion_id, seen=queue.visibility(me))
    if found is None:
        raise NotFound(MISSING)
    return found


async def campaigns(session: AsyncSession) -> list[SuggestionCampaign]:
    """Every campaign, newest first."""
    statement = select(SuggestionCampaign).order_by(col(SuggestionCampaign.id).desc())
    return list((await session.exec(statement)).all())
