"""The console's home page: people, WeChat binding, open pledges and tests, recent messages."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.api.deps import Session
from app.models import CampaignStatus, PledgeCampaign, PoliticalStage, Quiz, QuizStatus
from app.services.messages import log as message_log_service
from app.services.people import roster as people_service
from app.services.pledges import campaigns as campaign_service
from app.services.pledges import progress as pledge_progress
from app.services.quizzes import quizzes as quiz_service
from app.services.quizzes import results as quiz_results
from app.web.admin.deps import ConsoleUser, now
from app.web.admin.pages import render

router = APIRouter()


@dataclass(frozen=True, slots=True)
class OpenWork:
    """A pledge or a test under way: how far it has got (totals only, nobody named)."""

    kind: str  # 承诺书 / 测试
    title: str
    path: str
    done: int
    total: int
    deadline: str


async def open_work(
    session: AsyncSession, *, unit_ids: frozenset[int] | None, now: datetime
) -> list[OpenWork]:
    """Open pledge campaigns and tests in the user's units, earliest deadline first."""
    work: list[tuple[datetime, OpenWork]] = []
    pledges = select(PledgeCampaign).where(PledgeCampaign.status == CampaignStatus.OPEN.value)
    tests = select(Quiz).where(Quiz.status == QuizStatus.OPEN.value, col(Quiz.deadline) > now)
    if unit_ids is not None:
        pledges = pledges.where(col(PledgeCampaign.org_unit_id).in_(list(unit_ids)))
        tests = tests.where(col(Quiz.org_unit_id).in_(list(unit_ids)))
    for campaign in (await session.exec(pledges)).all():
        signed, total = await pledge_progress.counts(session, campaign=campaign)
        label = campaign_service.deadline_label(campaign)
        path = f"/admin/pledges/{campaign.id}"
        work.append(
            (campaign.deadline, OpenWork("承诺书", campaign.title, path, signed, total, label))
        )
    for quiz in (await session.exec(tests)).all():
        submitted, takers = await quiz_results.progress(session, quiz=quiz, unit_ids=unit_ids)
        label = quiz_service.deadline_text(quiz)
        path = f"/admin/quizzes/{quiz.id}"
        item = OpenWork("测试", quiz.title, path, submitted, takers, label)
        work.append((quiz.deadline, item))
    return [item for _, item in sorted(work, key=lambda pair: pair[0])]


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
            "open_work": await open_work(session, unit_ids=me.unit_ids, now=now(request)),
        },
    )
