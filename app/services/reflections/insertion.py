"""Selected reflections into a newsletter issue's draft in one action, and each author told once
when that issue has been sent.

Each reflection is claimed for the issue by a conditional update (`issue_id IS NULL`): two
editors inserting the same reflections at once insert each of them once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.config import Settings
from app.db import execute
from app.models import (
    Attachment,
    IssueStatus,
    NewsletterIssue,
    NewsletterSeries,
    Reflection,
    ReflectionStatus,
    ReflectionTopic,
)
from app.services import attachments, audit
from app.services.broadcasts import notices
from app.services.broadcasts.notices import NoticeRun
from app.services.newsletters import issues as newsletter_service
from app.services.newsletters import publishing
from app.services.reflections.editing import Entry, entries
from app.services.reflections.writing import OWNER_KIND, ReflectionRefused

NOTHING = "没有可编入的感悟：请先「选用」，已编入刊物的不会重复编入。"


@dataclass(frozen=True)
class Inserted:
    """What one insertion did: the issue, and the reflections that went into it."""

    issue: NewsletterIssue
    entries: list[Entry]
    photos: int


async def draft_issues(session: AsyncSession) -> list[NewsletterIssue]:
    """The draft issues a selection may go into, newest first."""
    statement = (
        select(NewsletterIssue)
        .where(NewsletterIssue.status == IssueStatus.DRAFT.value)
        .order_by(col(NewsletterIssue.id).desc())
    )
    return list((await session.exec(statement)).all())


async def _target(
    session: AsyncSession,
    *,
    series_id: int,
    issue_id: int | None,
    topic: ReflectionTopic,
    actor: audit.Actor,
    now: datetime,
) -> NewsletterIssue:
    """The chosen draft (locked for its body), or a new draft of the series."""
    if issue_id is None:
        if await session.get(NewsletterSeries, series_id) is None:
            raise ReflectionRefused("请选择刊物。")
        fresh = NewsletterIssue(
            series_id=series_id,
            number=await newsletter_service.next_number(session, series_id=series_id),
            title=f"微感悟｜{topic.title}"[:64],
            body="",
            created_by=actor.name,
            created_at=now,
            updated_at=now,
        )
        session.add(fresh)
        await session.flush()
        return fresh
    statement = (
        select(NewsletterIssue)
        .where(NewsletterIssue.id == issue_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    issue = (await session.exec(statement)).first()
    if issue is None:
        raise ReflectionRefused("没有找到这一期草稿。")
    if issue.status != IssueStatus.DRAFT.value:
        raise ReflectionRefused("这一期已不是草稿，不能再编入。请选择草稿或新建一期。")
    return issue


async def _claim(
    session: AsyncSession, *, reflection_id: int, issue_id: int, now: datetime
) -> bool:
    statement = (
        update(Reflection)
        .where(
            and_(
                col(Reflection.id) == reflection_id,
                col(Reflection.issue_id).is_(None),
                col(Reflection.status) == ReflectionStatus.SELECTED.value,
            )
        )
        .values(issue_id=issue_id, inserted_at=now)
    )
    return (await execute(session, statement)).rowcount == 1


async def _section(
    session: AsyncSession, issue: NewsletterIssue, found: list[Entry]
) -> tuple[list[str], int]:
    """Each reflection's Markdown (author, unit, text, its kept photos); how many photos."""
    assert issue.id is not None
    parts: list[str] = []
    added = 0
    for e in found:
        assert e.reflection.id is not None
        parts.append(f"### {e.person.name}（{e.unit}）\n\n{e.reflection.final_text}".rstrip())
        kept = await attachments.of(session, owner_kind=OWNER_KIND, owner_ids=[e.reflection.id])
        files: list[tuple[bytes, str]] = []
        for photo in kept[e.reflection.id]:
            # Its bytes, loaded now (listed without them, the row's content is deferred).
            statement = select(Attachment.content).where(Attachment.id == photo.id)
            content = (await session.exec(statement)).first()
            # A chat photo not fetched from WeChat yet has no bytes: it is left out.
            if content is not None and newsletter_service.image_type(content) is not None:
                files.append((content, (photo.filename or f"感悟{e.reflection.id}.jpg")[:128]))
        for image in await newsletter_service.add_images(session, issue_id=issue.id, files=files):
            parts.append(newsletter_service.image_reference(image.number))
            added += 1
    return parts, added


async def insert(
    session: AsyncSession,
    *,
    topic: ReflectionTopic,
    series_id: int,
    issue_id: int | None,
    actor: audit.Actor,
    now: datetime,
) -> Inserted:
    """Append the topic's selected reflections not yet in an issue to a draft (`issue_id`), or
    to a new draft of the series (`issue_id` None)."""
    assert topic.id is not None
    async with session.begin_nested():  # nothing stays (not even a new draft) if none is left
        issue = await _target(
            session, series_id=series_id, issue_id=issue_id, topic=topic, actor=actor, now=now
        )
        assert issue.id is not None
        waiting = await entries(
            session, topic_id=topic.id, unit_ids=None, status=ReflectionStatus.SELECTED
        )
        claimed = [
            e
            for e in waiting
            if e.reflection.issue_id is None
            and await _claim(
                session, reflection_id=e.reflection.id or 0, issue_id=issue.id, now=now
            )
        ]
        if not claimed:
            raise ReflectionRefused(NOTHING)
        parts, photos = await _section(session, issue, claimed)
        heading = f"## 微感悟｜{topic.title}"
        if heading not in issue.body:
            parts.insert(0, heading)
        issue.body = issue.body.rstrip() + "\n\n" if issue.body.strip() else ""
        issue.body += "\n\n".join(parts) + "\n"
        issue.updated_at = now
        session.add(issue)
        await session.flush()
    for e in claimed:
        await session.refresh(e.reflection)
    await audit.record(
        session, actor=actor, action="reflections.insert", target_type="newsletter_issue",
        target_id=issue.id, summary=f"{topic.title}：{len(claimed)} 篇编入「{issue.title}」",
    )  # fmt: skip
    return Inserted(issue=issue, entries=claimed, photos=photos)


def _published_message(
    series: str, issue: NewsletterIssue, url: str, when: datetime
) -> dict[str, Any]:
    where = f"{series}第 {issue.number} 期"
    text = f"【微感悟】您的感悟已刊登在{where}「{issue.title}」，点击阅读。"
    return notices.message(
        "微感悟已刊用", f"{text}\n{url}", thing=where, when=when, description=text, url=url
    )


async def _claim_telling(session: AsyncSession, *, reflection_id: int, now: datetime) -> bool:
    statement = (
        update(Reflection)
        .where(and_(col(Reflection.id) == reflection_id, col(Reflection.told_at).is_(None)))
        .values(told_at=now)
    )
    return (await execute(session, statement)).rowcount == 1


async def tell_authors(session: AsyncSession, *, settings: Settings, now: datetime) -> NoticeRun:
    """Each reflection whose issue has been sent: its author is told once, with the link."""
    report = NoticeRun()
    statement = (
        select(Reflection, NewsletterIssue, NewsletterSeries)
        .join(NewsletterIssue, col(NewsletterIssue.id) == Reflection.issue_id)
        .join(NewsletterSeries, col(NewsletterSeries.id) == NewsletterIssue.series_id)
        .where(
            col(Reflection.told_at).is_(None),
            NewsletterIssue.status == IssueStatus.SENT.value,
        )
        .order_by(col(Reflection.id))
    )
    for reflection, issue, series in (await session.exec(statement)).all():
        assert reflection.id is not None
        if not await _claim_telling(session, reflection_id=reflection.id, now=now):
            continue  # another scheduler told this author
        url = issue.article_url or publishing.article_page(settings, issue)
        created = await notices.notify(
            session,
            key=f"reflections.published:{reflection.id}",
            kind="reflection_published",
            subject=("reflection", reflection.id),
            message=_published_message(series.name, issue, url, now),
            people=[reflection.person_id],
            settings=settings,
            now=now,
        )
        if created is not None:
            report.created.append(created)
    return report
