"""The account's basics: welcome, farewell, help, and what to say when nothing matches."""

from __future__ import annotations

from app.handlers.registry import HandlerContext, MessageRouter, Reply, Unprompted
from app.services import prompts
from app.services.binding import followers as follower_service
from app.services.newsletters import issues as newsletter_service

router = MessageRouter()

WELCOME = (
    "欢迎关注神特新材党建服务号！\n"
    "在这里您可以：参加党员固定学习日签到、请假与补学，签署廉洁承诺，参加知识测试，"
    "阅读《神特组宣》《神特清风》，提合理化建议，写微感悟，报名志愿服务，查看自己的记录。\n"
    "首次使用请先绑定身份：向党群部门领取绑定码，然后回复「绑定 绑定码」。\n"
    "回复「帮助」查看全部功能。"
)
UNKNOWN_TEXT = "暂时没有理解您的意思。回复「帮助」查看可用的关键词，或点击下方菜单。"
TEXT_PLEASE = "请回复文字。"
TEXT_OR_PHOTO_PLEASE = "请回复文字或发送照片。"


@router.event("subscribe")
async def on_subscribe(ctx: HandlerContext) -> Reply:
    """Welcome a new follower and tell them how to bind."""
    await follower_service.record_subscribe(ctx.session, openid=ctx.openid, scene=None, now=ctx.now)
    return WELCOME


@router.event("subscribe_scan")
async def on_subscribe_by_qr(ctx: HandlerContext) -> Reply:
    """Welcome a follower who came through a QR code, remembering its scene; a feature's code
    (a meeting's check-in) is then answered as if it had been scanned."""
    scene = str(ctx.fields.get("EventKey") or "") or None
    await follower_service.record_subscribe(
        ctx.session, openid=ctx.openid, scene=scene, now=ctx.now
    )
    extra = await on_scan(ctx) if scene else None
    return f"{WELCOME}\n\n{extra}" if isinstance(extra, str) else WELCOME


@router.event("scan")
async def on_scan(ctx: HandlerContext) -> Reply:
    """A follower scanned a parametric QR code (EventKey is the scene): the feature whose
    scene prefix it carries answers; a code of no feature gets nothing."""
    found = ctx.router.scene_handler(str(ctx.fields.get("EventKey") or ""))
    if found is None:
        return None
    handler, rest = found
    return await handler(ctx, rest)


@router.event("unsubscribe")
async def on_unsubscribe(ctx: HandlerContext) -> Reply:
    """Record that the follower left; WeChat shows them nothing, so answer nothing."""
    await follower_service.record_unsubscribe(ctx.session, openid=ctx.openid, now=ctx.now)
    return None


async def is_open(ctx: HandlerContext, key: str) -> bool:
    """Whether a click button does something yet: a handler of its own or a newsletter series."""
    if ctx.router.handles_click(key):
        return True
    return await newsletter_service.series_by_menu_key(ctx.session, menu_key=key) is not None


async def help_text(ctx: HandlerContext) -> str:
    """Every keyword and button name the account understands (from the registry and the menu,
    so never stale); buttons of features not open yet are left out."""
    keywords = ctx.router.keywords()
    lines = [f"「{keyword}」{text}" for keyword, text in keywords]
    typed = {keyword for keyword, _ in keywords}
    buttons = [
        f"「{name}」"
        for name, key in ctx.router.buttons()
        if name not in typed and await is_open(ctx, key)
    ]
    text = "您可以回复以下关键词：\n" + "\n".join(lines)
    if buttons:
        text += "\n菜单按钮的名称也可以直接回复：" + "".join(buttons)
    return text + "\n也可以直接点击下方菜单。"


@router.text("帮助", help="查看本说明")
async def on_help(ctx: HandlerContext) -> Reply:
    """Answer the keyword 帮助 with the list of keywords."""
    return await help_text(ctx)


@router.register(msg_type="text", unprompted=Unprompted(UNKNOWN_TEXT))
async def on_other_text(ctx: HandlerContext) -> Reply:
    """Answer an open question (a leave reason, …); otherwise guide the member."""
    prompt = await prompts.take(
        ctx.session, openid=ctx.openid, now=ctx.now, standalone=ctx.standalone
    )
    if prompt is not None and (answer := ctx.router.answer_handler(prompt.purpose)) is not None:
        return await answer(ctx, prompt.subject_id)
    return UNKNOWN_TEXT


@router.register(msg_type="image", unprompted=Unprompted(None))
async def on_image(ctx: HandlerContext) -> Reply:
    """A photo answers an open question that takes photos (a handwritten 思想汇报); while a
    question that wants text is open, it is asked for and the question stays; otherwise the
    photo is recorded and nothing is said."""
    prompt = await prompts.current(
        ctx.session, openid=ctx.openid, now=ctx.now, standalone=ctx.standalone
    )
    if prompt is None or (answer := ctx.router.answer_handler(prompt.purpose)) is None:
        return None
    if not ctx.router.accepts_images(prompt.purpose):
        return TEXT_PLEASE
    await prompts.take(ctx.session, openid=ctx.openid, now=ctx.now, standalone=ctx.standalone)
    return await answer(ctx, prompt.subject_id)


@router.fallback(unprompted=Unprompted(None))
async def on_anything_else(ctx: HandlerContext) -> Reply:
    """Other messages and events are recorded; WeChat gets "success" and the member nothing,
    except that a voice, video, location, link or file sent while a question is open is told
    what the question takes (the question stays open)."""
    if str(ctx.fields.get("MsgType") or "") == "event":
        return None
    prompt = await prompts.current(
        ctx.session, openid=ctx.openid, now=ctx.now, standalone=ctx.standalone
    )
    if prompt is None or ctx.router.answer_handler(prompt.purpose) is None:
        return None
    return TEXT_OR_PHOTO_PLEASE if ctx.router.accepts_images(prompt.purpose) else TEXT_PLEASE
