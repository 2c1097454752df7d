"""The console's home page: the secretary's to-do list (upcoming meetings, leave waiting for a
decision, probation ending soon), then people, WeChat binding, open pledges and tests, messages."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.api.deps import Session
from app.models import (
    CampaignStatus,
    Person,
    PersonStatus,
    PledgeCampaign,
    PoliticalStage,
    Quiz,
    QuizStatus,
)
from app.models.types import CHINA
from app.services.meetings import leave as leave_service
from app.services.meetings import meetings as meeting_service
from app.services.messages import log as message_log_service
from app.services.people import roster as people_service
from app.services.people.roster import in_scope
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


MEETINGS_AHEAD = timedelta(days=14)  # meetings to prepare: the next two weeks
PROBATION_AHEAD = timedelta(days=60)  # 转正 needs a branch meeting: two months' notice
SHOWN = 5  # at most this many lines per list; the rest behind its link


@dataclass(frozen=True, slots=True)
class Todo:
    """One line of the to-do list."""

    text: str
    path: str
    when: str  # "12月5日（周六）14:30", "已过期 3 天", …


@dataclass(frozen=True, slots=True)
class TodoList:
    """What needs the secretary's action, in the user's units."""

    meetings: list[Todo]
    leaves: list[Todo]
    leave_count: int
    probation: list[Todo]
    probation_count: int

    @property
    def empty(self) -> bool:
        """Nothing to do."""
        return not (self.meetings or self.leaves or self.probation)


def _day(value: date) -> str:
    return f"{value.month}月{value.day}日"


async def todo_list(
    session: AsyncSession, *, unit_ids: frozenset[int] | None, now: datetime
) -> TodoList:
    """Upcoming meetings, leave waiting for a decision, probation ending or overdue."""
    upcoming = await meeting_service.between(
        session,
        start=now,
        end=now + MEETINGS_AHEAD,
        unit_ids=unit_ids,
        include_cancelled=False,
    )
    meetings = [
        Todo(m.title, f"/admin/meetings/{m.id}", meeting_service.local_time(m))
        for m in upcoming[:SHOWN]
    ]
    pending = await leave_service.pending_leaves(session, unit_ids=unit_ids)
    leaves = [
        Todo(
            f"{person.name}：{meeting.title}",
            "/admin/meetings/leaves",
            meeting_service.local_time(meeting),
        )
        for _, meeting, person in pending[:SHOWN]
    ]
    today = now.astimezone(CHINA).date()
    statement = in_scope(
        select(Person).where(
            Person.stage == PoliticalStage.PROBATIONARY.value,
            Person.status == PersonStatus.ACTIVE.value,
            col(Person.probation_ends_on).is_not(None),
            col(Person.probation_ends_on) <= today + PROBATION_AHEAD,
        ),
        unit_ids,
    ).order_by(col(Person.probation_ends_on))
    ending = list((await session.exec(statement)).all())
    probation = []
    for person in ending[:SHOWN]:
        assert person.probation_ends_on is not None
        days = (person.probation_ends_on - today).days
        when = f"已到期 {-days} 天" if days < 0 else ("今天到期" if days == 0 else f"{days} 天后")
        probation.append(
            Todo(
                f"{person.name} 预备期 {_day(person.probation_ends_on)} 满",
                f"/admin/people/{person.id}",
                when,
            )
        )
    return TodoList(meetings, leaves, len(pending), probation, len(ending))


@router.get("/", response_class=HTMLResponse)
async def home(request: Request, session: Session, me: ConsoleUser) -> HTMLResponse:
    """What needs action first, then counts at a glance (no rankings of people: only totals)."""
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
            "todo": await todo_list(session, unit_ids=me.unit_ids, now=now(request)),
        },
    )
