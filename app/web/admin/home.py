"""The console's home page: people by stage, WeChat binding, the last seven days of messages."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from app.api.deps import Session
from app.models import PoliticalStage
from app.services import message_log as message_log_service
from app.services import people as people_service
from app.web.admin.deps import ConsoleUser, now
from app.web.admin.pages import render

router = APIRouter()


@router.get("/", response_class=HTMLResponse)
async def home(request: Request, session: Session, me: ConsoleUser) -> HTMLResponse:
    """Counts at a glance (no rankings of people: only totals)."""
    stages = await people_service.stage_counts(session, unit_ids=me.unit_ids)
    bound, unbound = await people_service.binding_counts(session, unit_ids=me.unit_ids)
    activity = await message_log_service.activity_by_day(
        session,
        unit_ids=me.unit_ids,
        days=7,
        now=now(request),
        timezone=request.app.state.settings.timezone,
    )
    members = stages[PoliticalStage.FULL] + stages[PoliticalStage.PROBATIONARY]
    peak = max((count for _, count in activity), default=0)
    return render(
        request,
        "admin/home.html",
        {
            "nav": "home",
            "stages": [(stage, stages[stage]) for stage in PoliticalStage],
            "members": members,
            "total": sum(stages.values()),
            "bound": bound,
            "unbound": unbound,
            "activity": activity,
            "activity_total": sum(count for _, count in activity),
            "peak": peak,
        },
    )
