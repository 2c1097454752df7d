"""我的记录: the member sees their own profile and records."""

from __future__ import annotations

from app.handlers.registry import HOW_TO_BIND, HandlerContext, MessageRouter, Reply
from app.services.binding import codes as binding_service
from app.services.me import records as member_records

router = MessageRouter()


async def _my_record(ctx: HandlerContext) -> Reply:
    person = await binding_service.person_for_openid(ctx.session, openid=ctx.openid)
    if person is None:
        return "您还没有绑定身份，绑定后就能查看自己的记录。\n" + HOW_TO_BIND
    record = await member_records.member_record(ctx.session, person=person, now=ctx.now)
    # OAuth pages need a (certified) service account; a subscription account gets text only.
    page = (
        ctx.settings.public_base_url.rstrip("/") + "/m/me"
        if ctx.settings.wechat_account_type == "service"
        else None
    )
    return member_records.as_text(record, page_url=page)


@router.click("MY_RECORD")
async def on_my_record_button(ctx: HandlerContext) -> Reply:
    """The 我的记录 button."""
    return await _my_record(ctx)


@router.text("我的", help="查看我的信息和记录")
async def on_my_record_keyword(ctx: HandlerContext) -> Reply:
    """The keyword 我的."""
    return await _my_record(ctx)
