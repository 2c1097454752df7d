"""微感悟 on a person's console page and on the member's own 我的记录."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.models import IssueStatus, NewsletterIssue, Reflection, ReflectionStatus, ReflectionTopic
from app.models.types import CHINA
from app.services.people.entry import PersonEntry


def _state(reflection: Reflection, issue: NewsletterIssue | None) -> str:
    if issue is not None and issue.status == IssueStatus.SENT.value:
        return "已刊用"
    if issue is not None:
        return "已编入刊物草稿"
    return ReflectionStatus(reflection.status).label


async def entries(session: AsyncSession, *, person_id: int) -> list[PersonEntry]:
    """The person's 微感悟 records for their console page, newest first."""
    statement = (
        select(Reflection, ReflectionTopic, NewsletterIssue)
        .join(ReflectionTopic, col(ReflectionTopic.id) == Reflection.topic_id)
        .outerjoin(NewsletterIssue, col(NewsletterIssue.id) == Reflection.issue_id)
        .where(Reflection.person_id == person_id)
        .order_by(col(Reflection.created_at).desc(), col(Reflection.id).desc())
    )
    return [
        PersonEntry(
            kind="微感悟",
            title=topic.title,
            path=f"/admin/reflections/{reflection.id}",
            state=_state(reflection, issue),
            on=reflection.created_at.astimezone(CHINA).date(),
        )
        for reflection, topic, issue in (await session.exec(statement)).all()
    ]


async def member_lines(session: AsyncSession, *, person_id: int, year: int) -> list[str]:
    """What the member sees about their own 微感悟 on 我的记录 (one line each)."""
    start = datetime(year, 1, 1, tzinfo=CHINA)
    end = datetime(year + 1, 1, 1, tzinfo=CHINA)
    statement = (
        select(Reflection, NewsletterIssue)
        .outerjoin(NewsletterIssue, col(NewsletterIssue.id) == Reflection.issue_id)
        .where(
            Reflection.person_id == person_id,
            col(Reflection.created_at) >= start,
            col(Reflection.created_at) < end,
        )
    )
    rows = (await session.exec(statement)).all()
    if not rows:
        return []
    published = sum(1 for _, i in rows if i is not None and i.status == IssueStatus.SENT.value)
    return [f"今年撰写微感悟 {len(rows)} 篇，刊用 {published} 篇"]


@dataclass(frozen=True)
class Mine:
    """One of the member's own reflections as their page shows it (never ranked)."""

    reflection: Reflection
    topic: ReflectionTopic
    issue: NewsletterIssue | None

    @property
    def state(self) -> str:
        """已刊用 / 已选用 / 已收到: what the member is told about it."""
        if self.issue is not None and self.issue.status == IssueStatus.SENT.value:
            return "已刊用"
        if self.reflection.status == ReflectionStatus.SELECTED.value or self.issue is not None:
            return "已选用"
        return "已收到"


async def mine(session: AsyncSession, *, person_id: int) -> list[Mine]:
    """The member's own reflections, newest first."""
    statement = (
        select(Reflection, ReflectionTopic, NewsletterIssue)
        .join(ReflectionTopic, col(ReflectionTopic.id) == Reflection.topic_id)
        .outerjoin(NewsletterIssue, col(NewsletterIssue.id) == Reflection.issue_id)
        .where(Reflection.person_id == person_id)
        .order_by(col(Reflection.created_at).desc(), col(Reflection.id).desc())
    )
    return [Mine(r, t, i) for r, t, i in (await session.exec(statement)).all()]
