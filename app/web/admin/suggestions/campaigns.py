"""Campaigns and competitions (「我为创业创效献一策」): create one, see its 金点子 and awards."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.exc import IntegrityError

from app.api.deps import Session
from app.models import SuggestionCampaign
from app.services import audit
from app.services.suggestions import queue, records
from app.web.admin.deps import ConsoleAdmin, ConsoleUser, actor, now
from app.web.admin.pages import NotFound, flash, redirect, render
from app.web.admin.suggestions.common import campaigns

router = APIRouter(prefix="/suggestions/campaigns")


def _day(value: object) -> date | None:
    try:
        return date.fromisoformat(str(value or "")[:10]) if value else None
    except ValueError:
        return None


@router.get("", response_class=HTMLResponse)
async def campaign_list(request: Request, session: Session, me: ConsoleUser) -> HTMLResponse:
    """Every campaign, and (for admins) the form to create one."""
    context = {"nav": "suggestions", "campaigns": await campaigns(session), "error": None}
    return render(request, "admin/suggestions/campaigns.html", context)


@router.post("/new", response_class=HTMLResponse)
async def create(request: Request, session: Session, me: ConsoleAdmin) -> Response:
    """A new campaign (its name unique)."""
    form = await request.form()
    name = str(form.get("name") or "").strip()
    error = None
    if not name or len(name) > 100:
        error = "请填写活动名称（100 字以内）。"
    campaign = SuggestionCampaign(
        name=name, starts_on=_day(form.get("starts_on")), ends_on=_day(form.get("ends_on")),
        note=str(form.get("note") or "").strip()[:2000] or None, created_by=me.username,
        created_at=now(request),
    )  # fmt: skip
    if error is None:
        try:
            async with session.begin_nested():
                session.add(campaign)
                await session.flush()
        except IntegrityError:
            error = f"已有名为「{name}」的活动。"
    if error is not None:
        context = {"nav": "suggestions", "campaigns": await campaigns(session), "error": error}
        return render(request, "admin/suggestions/campaigns.html", context, 400)
    await audit.record(
        session, actor=actor(request, me), action="suggestion.campaign",
        target_type="suggestion_campaign", target_id=campaign.id, summary=f"新建评选活动「{name}」",
    )  # fmt: skip
    flash(request, f"已创建评选活动「{name}」。")
    return redirect(f"/admin/suggestions/campaigns/{campaign.id}")


@router.get("/{campaign_id:int}", response_class=HTMLResponse)
async def campaign_page(
    request: Request, campaign_id: int, session: Session, me: ConsoleUser
) -> HTMLResponse:
    """The campaign: its 金点子 with their awards (those the user sees)."""
    campaign = await session.get(SuggestionCampaign, campaign_id)
    if campaign is None:
        raise NotFound("没有找到这个评选活动。")
    rows, total = await queue.page(
        session,
        filters=queue.Filters(campaign_id=campaign_id),
        seen=queue.visibility(me),
        limit=queue.EXPORT_LIMIT,
    )
    awards: dict[str, int] = {}
    for row in rows:
        awards[row.suggestion.award or "—"] = awards.get(row.suggestion.award or "—", 0) + 1
    context = {
        "nav": "suggestions",
        "campaign": campaign,
        "rows": rows,
        "total": total,
        "awards": awards,
        "benefit": sum((r.suggestion.verified_benefit or 0 for r in rows), start=0),
        "title_of": records.title_of,
    }
    return render(request, "admin/suggestions/campaign.html", context)
