"""合理化建议 in the chat: 提建议 (button or typed) asks for it, the next text is it; or
「建议 …」 in one message. The reply gives its number and the member's page for photos."""

from __future__ import annotations

from app.handlers.registry import HandlerContext, MessageRouter, Reply
from app.services import prompts
from app.services.suggestions import records
from app.services.suggestions.records import MAX_TEXT, SuggestionRefused

router = MessageRouter()

SUBMIT = "suggestions.submit"
WHAT = "提合理化建议"


def _links(ctx: HandlerContext) -> records.MemberLink:
    """The member's signed pages, as full links."""
    assert ctx.member.id is not None
    links = records.member_links(
        secret=ctx.settings.secret_key.get_secret_value(), person_id=ctx.member.id, now=ctx.now
    )
    base = ctx.settings.public_base_url.rstrip("/")
    return records.MemberLink(new=base + links.new, mine=base + links.mine)


def _ask_text(ctx: HandlerContext) -> str:
    # No signed link here: the same words for everyone (WeChat's OAuth names the reader).
    page = ctx.settings.public_base_url.rstrip("/") + "/m/suggestions/new"
    return (
        f"「我为创业创效献一策」：请直接回复您的合理化建议（{MAX_TEXT} 字以内，10 分钟内）。\n"
        f'如需选择类别、填写共同建议人、上传照片，请<a href="{page}">打开建议页面</a>。'
    )


async def _ask(ctx: HandlerContext) -> None:
    await prompts.ask(ctx.session, openid=ctx.openid, purpose=SUBMIT, subject_id=None, now=ctx.now)


async def _store(ctx: HandlerContext, text: str, *, asked: bool) -> Reply:
    """Store the suggestion and confirm with its number; a refusal keeps the question open."""
    try:
        suggestion = await records.submit(ctx.session, person=ctx.member, content=text, now=ctx.now)
    except SuggestionRefused as refused:
        if asked:
            await _ask(ctx)
            return f"{refused}\n请重新回复您的建议。"
        return f"{refused}\n也可以先回复「提建议」，再发送建议内容。"
    links = _links(ctx)
    return (
        f"已收到您的合理化建议，编号 {suggestion.number}。我们会尽快评审，结果将通知您。\n"
        f'补充照片、类别或共同建议人：<a href="{links.new}">建议页面</a>；'
        f'<a href="{links.mine}">查看我的建议</a>。'
    )


@router.click("SUGGESTION_SUBMIT", requires_member=WHAT)
async def on_button(ctx: HandlerContext) -> Reply:
    """The 提建议 button (or its name typed): ask for the suggestion."""
    await _ask(ctx)
    return _ask_text(ctx)


@router.text("建议", help="提合理化建议，例如「建议 食堂增设夜班热饭窗口」", requires_member=WHAT)
async def on_keyword(ctx: HandlerContext) -> Reply:
    """「建议 …」 stores the suggestion at once; 「建议」 alone asks for it."""
    if ctx.keyword_args.strip():
        return await _store(ctx, ctx.keyword_args, asked=False)
    await _ask(ctx)
    return _ask_text(ctx)


@router.answer(SUBMIT, requires_member=WHAT)
async def on_answer(ctx: HandlerContext, subject_id: int | None) -> Reply:
    """The text after 提建议 is the suggestion."""
    return await _store(ctx, str(ctx.fields.get("Content") or ""), asked=True)
