"""「公示」: the notices open now, with the page where anyone following may object."""

from __future__ import annotations

from app.handlers.registry import HandlerContext, MessageRouter, Reply
from app.models.types import CHINA
from app.services.admission import notices as notice_service

router = MessageRouter()

NOTHING_OPEN = "目前没有正在公示的人员。"
# WeChat cuts a passive text reply at 2048 bytes: list what fits, and say how many more.
REPLY_LIMIT = 1900


@router.text("公示", help="查看正在公示的发展党员名单并提出意见")
async def on_notices(ctx: HandlerContext) -> Reply:
    """The 公示 running today, each with its period and its page (anyone following may object)."""
    today = ctx.now.astimezone(CHINA).date()
    running = await notice_service.open_on(ctx.session, today=today)
    if not running:
        return NOTHING_OPEN
    base = ctx.settings.public_base_url.rstrip("/")
    parts = ["正在公示："]
    for shown, (notice, _person) in enumerate(running):
        part = (
            f"{notice.title}\n公示期：{notice_service.period(notice)}\n"
            f"查看并提出意见（可匿名）：{base}/m/admission/notices/{notice.id}"
        )
        if len("\n\n".join([*parts, part]).encode()) > REPLY_LIMIT:
            parts.append(f"另有 {len(running) - shown} 人正在公示，详见党支部公示栏。")
            break
        parts.append(part)
    return "\n\n".join(parts)
