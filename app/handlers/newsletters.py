"""The 《神特组宣》 / 《神特清风》 menu buttons: the latest issues as a news reply."""

from __future__ import annotations

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
