"""Publishing a newsletter issue: cover, WeChat draft, optional freepublish, then the broadcast."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import structlog
from sqlalchemy import and_, or_, update
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from app.config import Settings
from app.db import execute, unit_of_work
from app.models import (
    Broadcast,
    Channel,
    IssueStatus,
    NewsletterImage,
    NewsletterIssue,
    NewsletterSeries,
)
from app.models.types import CHINA
from app.services.broadcasts import reach as reach_service
from app.services.broadcasts import rows as row_service
from app.services.broadcasts.reach import Reach
from app.services.newsletters import issues as newsletter_service
from app.wechat.client import DraftArticle, WeChatClient
from app.wechat.errors import WeChatError

log = structlog.get_logger(__name__)

NOTIFY_CHANNELS = (Channel.TEMPLATE, Channel.SUBSCRIBE, Channel.CUSTOM)
MASS_CHANNELS = (Channel.MASS, *NOTIFY_CHANNELS)


class PublishError(Exception):
    """Publishing stopped; the message says why, in Chinese, for the admin."""


def channels_for(issue: NewsletterIssue) -> tuple[Channel, ...]:
    """The channels an issue may use, best first.

    自动 (auto): the article by mass send, and a notice to whoever mass cannot reach;
    群发图文 (mass): mass send only, the rest are listed; 逐人通知 (notify): notices only.
    A WeChat draft needs a cover image, so without one only notices are possible.
    """
    has_cover = issue.cover_image is not None or issue.cover_media_id is not None
    if issue.channel_mode == "notify" or not has_cover:
        return NOTIFY_CHANNELS
    if issue.channel_mode == "mass":
        return (Channel.MASS,)
    return MASS_CHANNELS


def broadcast_key(issue: NewsletterIssue) -> str:
    """One broadcast per issue, ever."""
    return f"newsletter:{issue.id}"


def article_page(settings: Settings, issue: NewsletterIssue) -> str:
    """Our own page of the issue (also the article's 阅读原文 link)."""
    return f"{settings.public_base_url.rstrip('/')}/m/n/{issue.id}"


@dataclass(frozen=True)
class ReachSummary:
    """What the console shows before sending: people per channel, and who cannot be reached."""

    plans: list[Reach]

    @property
    def by_channel(self) -> dict[str, int]:
        """How many people each channel will carry the issue to."""
        counts: dict[str, int] = {}
        for plan in self.plans:
            if plan.channel is not None:
                counts[plan.channel.label] = counts.get(plan.channel.label, 0) + 1
        return counts

    @property
    def unreachable(self) -> list[Reach]:
        """Everyone no channel reaches, with the reason."""
        return [p for p in self.plans if p.channel is None]


async def plan_reach(
    session: AsyncSession, *, issue: NewsletterIssue, settings: Settings, now: datetime
) -> ReachSummary:
    """Who the issue would reach right now, and how."""
    people = await reach_service.audience(session)
    plans = await reach_service.plan(
        session, person_ids=people, channels=channels_for(issue), settings=settings, now=now
    )
    return ReachSummary(plans)


def _message(
    settings: Settings, series: NewsletterSeries, issue: NewsletterIssue
) -> dict[str, Any]:
    title = newsletter_service.display_title(series, issue)
    when = (issue.sent_at or issue.updated_at).astimezone(CHINA)
    return {
        "title": title,
        "description": issue.digest or "",
        "picurl": issue.cover_url,
        "media_id": issue.draft_media_id,
        "url": article_page(settings, issue),
        "track_opens": True,
        "text": f"{title}\n{issue.digest or ''}".strip(),
        "template": {
            "thing1": issue.title,
            "thing2": f"{series.name}第{issue.number}期",
            "time3": f"{when:%Y-%m-%d %H:%M}",
        },
        "subscribe": {
            "thing1": issue.title,
            "time2": f"{when:%Y-%m-%d %H:%M}",
            "thing3": series.name,
        },
    }


@dataclass(frozen=True)
class Published:
    """The issue's broadcast, and whether this call created it (False: it existed already)."""

    broadcast: Broadcast
    created: bool


# A publisher that died between its WeChat steps leaves the issue "sending"; after this long
# another attempt may take it over (each step it finished is stored and skipped).
STALE_CLAIM = timedelta(minutes=5)


async def _claim(session: AsyncSession, issue: NewsletterIssue, now: datetime) -> bool:
    """Take the issue for publishing, atomically: two clicks never both reach WeChat."""
    result = await execute(
        session,
        update(NewsletterIssue)
        .where(
            col(NewsletterIssue.id) == issue.id,
            col(NewsletterIssue.broadcast_id).is_(None),
            or_(
                col(NewsletterIssue.status).in_(
                    [IssueStatus.DRAFT.value, IssueStatus.SCHEDULED.value]
                ),
                and_(
                    col(NewsletterIssue.status) == IssueStatus.SENDING.value,
                    col(NewsletterIssue.updated_at) < now - STALE_CLAIM,
                ),
            ),
        )
        .values(status=IssueStatus.SENDING.value, updated_at=now),
    )
    return bool(result.rowcount)


async def publish(
    *,
    sessions: async_sessionmaker[AsyncSession],
    client: WeChatClient,
    settings: Settings,
    issue_id: int,
    actor: str,
    now: datetime,
) -> Published:
    """Prepare the issue at WeChat and store its broadcast; the sender delivers it.

    Each WeChat step stores its result before the next, so a retry after a failure continues
    where it stopped instead of uploading twice. Publishing an issue that has its broadcast
    already returns that broadcast.
    """
    async with unit_of_work(sessions) as session:
        issue = await newsletter_service.get(session, issue_id=issue_id)
        if issue is None:
            raise PublishError("这一期不存在")
        existing = await row_service.get_by_key(session, key=broadcast_key(issue))
        if existing is not None:
            return Published(existing, created=False)
        if not issue.title.strip() or not issue.body.strip():
            raise PublishError("标题和正文不能为空")
        if issue.channel_mode == "mass" and issue.cover_image is None:
            raise PublishError("群发图文需要封面图片，请先上传封面")
        previous = issue.status
        if not await _claim(session, issue, now):
            if issue.status == IssueStatus.SENDING.value:
                raise PublishError("这一期正在发送，请稍候刷新查看进度")
            raise PublishError(f"这一期{IssueStatus(issue.status).label}，不能再发送")
    try:
        if Channel.MASS in channels_for(issue) or issue.freepublish:
            await _prepare_article(sessions, client, settings, issue)
    except WeChatError as exc:
        await _store(sessions, issue, status=previous)  # let the admin try again
        raise PublishError(f"微信接口返回错误：{exc.errcode} {exc.errmsg}") from exc
    async with unit_of_work(sessions) as session:
        issue = await newsletter_service.get(session, issue_id=issue_id)
        assert issue is not None and issue.id is not None
        series = await session.get(NewsletterSeries, issue.series_id)
        assert series is not None
        issue.sent_at = now
        summary = await plan_reach(session, issue=issue, settings=settings, now=now)
        broadcast = await row_service.create(
            session,
            key=broadcast_key(issue),
            kind="newsletter",
            title=newsletter_service.display_title(series, issue),
            message=_message(settings, series, issue),
            channels=channels_for(issue),
            reach=summary.plans,
            now=now,
            created_by=actor,
            subject=("newsletter_issue", issue.id),
        )
        issue.broadcast_id = broadcast.id
        issue.status = IssueStatus.SENT.value
        issue.updated_at = now
        session.add(issue)
    log.info("newsletter published", issue=issue_id, broadcast=broadcast.id, total=broadcast.total)
    return Published(broadcast, created=True)


async def _prepare_article(
    sessions: async_sessionmaker[AsyncSession],
    client: WeChatClient,
    settings: Settings,
    issue: NewsletterIssue,
) -> None:
    """Upload the cover, save the WeChat draft, and optionally publish it to the history."""
    if issue.cover_media_id is None and issue.cover_image is not None:
        uploaded = await client.upload_image(issue.cover_filename or "cover.jpg", issue.cover_image)
        issue = await _store(
            sessions, issue, cover_media_id=uploaded.media_id, cover_url=uploaded.url
        )
    if issue.draft_media_id is None and issue.cover_media_id is not None:
        # The body's photos go to WeChat first: the draft's content may only show its URLs.
        urls = await _upload_body_images(sessions, client, issue)
        article: DraftArticle = {
            "title": issue.title,
            "content": newsletter_service.render(issue.body, urls),
            "thumb_media_id": issue.cover_media_id,
            "author": issue.author or "",
            "digest": issue.digest or "",
            "content_source_url": article_page(settings, issue),
        }
        media_id = await client.add_draft([article])
        issue = await _store(sessions, issue, draft_media_id=media_id)
    if issue.freepublish and issue.publish_id is None and issue.draft_media_id is not None:
        publish_id = await client.freepublish(issue.draft_media_id)
        await _store(sessions, issue, publish_id=publish_id)


async def _upload_body_images(
    sessions: async_sessionmaker[AsyncSession], client: WeChatClient, issue: NewsletterIssue
) -> dict[int, str]:
    """Each body image's WeChat URL (media/uploadimg), uploading those not uploaded yet.

    Each URL is stored as it arrives, so a retry after a failure uploads only the rest.
    """
    assert issue.id is not None
    async with unit_of_work(sessions) as session:
        images = await newsletter_service.images_of(session, issue_id=issue.id)
    urls: dict[int, str] = {}
    for image in images:
        if image.wechat_url is None:
            url = await client.upload_article_image(image.filename, image.content)
            async with unit_of_work(sessions) as session:
                stored = await session.get(NewsletterImage, image.id)
                assert stored is not None
                stored.wechat_url = url
                session.add(stored)
            image.wechat_url = url
        urls[image.number] = image.wechat_url
    return urls


async def _store(
    sessions: async_sessionmaker[AsyncSession], issue: NewsletterIssue, **fields: Any
) -> NewsletterIssue:
    async with unit_of_work(sessions) as session:
        stored = await session.get(NewsletterIssue, issue.id)
        assert stored is not None
        for name, value in fields.items():
            setattr(stored, name, value)
        session.add(stored)
    return stored
