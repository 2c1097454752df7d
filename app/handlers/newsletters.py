"""The 《神特组宣》 / 《神特清风》 menu buttons: the latest issues as a news reply."""

from __future__ import annotations

from typing import Any

from app.handlers.registry import HandlerContext, MessageRouter, Reply
from app.models import NewsletterSeries
from app.services import newsletters as newsletter_service

router = MessageRouter()

NO_ISSUES = "{name}还没有发布过内容，敬请期待。"


async def archive(ctx: HandlerContext, series: NewsletterSeries) -> Reply:
    """The newest issues of a series as article cards (each opens /m/n/<id>)."""
    assert series.id is not None
    latest = await newsletter_service.latest_sent(ctx.session, series_id=series.id)
    if not latest:
        return NO_ISSUES.format(name=series.name)
    base = ctx.settings.public_base_url.rstrip("/")
    return [
        {
            "title": newsletter_service.display_title(series, issue),
            "description": issue.digest or "",
            "image": issue.cover_url or "",
            "url": f"{base}/m/n/{issue.id}",
        }
        for issue in latest
    ]


@router.click("ARCHIVE_ZUXUAN")
async def on_zuxuan(ctx: HandlerContext) -> Reply:
    """《神特组宣》: the latest issues."""
    return await _by_key(ctx, "ARCHIVE_ZUXUAN")


@router.click("ARCHIVE_QINGFENG")
async def on_qingfeng(ctx: HandlerContext) -> Reply:
    """《神特清风》: the latest issues."""
    return await _by_key(ctx, "ARCHIVE_QINGFENG")


async def _by_key(ctx: HandlerContext, key: str) -> Reply:
    series = await newsletter_service.series_by_menu_key(ctx.session, menu_key=key)
    if series is None:
        return "该栏目暂未开设。"
    return await archive(ctx, series)


def _first_article_url(info: dict[str, Any]) -> str | None:
    detail = info.get("article_detail") or {}
    items = detail.get("item") if isinstance(detail, dict) else None
    first = items[0] if isinstance(items, list) and items else items
    url = first.get("article_url") if isinstance(first, dict) else None
    return str(url) if url else None


@router.event("publishjobfinish")
async def on_published(ctx: HandlerContext) -> Reply:
    """PUBLISHJOBFINISH: remember the article's address once WeChat published it."""
    info = ctx.fields.get("PublishEventInfo")
    if isinstance(info, dict) and str(info.get("publish_status")) == "0":
        await newsletter_service.record_published(
            ctx.session,
            publish_id=str(info.get("publish_id") or ""),
            article_url=_first_article_url(info),
        )
    return None
