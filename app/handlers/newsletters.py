"""The newsletter archive (a news reply of the latest issues) and PUBLISHJOBFINISH."""

from __future__ import annotations

from typing import Any

from app.handlers.registry import HandlerContext, MessageRouter, Reply
from app.models import NewsletterSeries
from app.services.newsletters import issues as newsletter_service

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
