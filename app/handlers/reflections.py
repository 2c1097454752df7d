"""「写感悟」: a member writes a 微感悟 on the open topic.

The button (or 「写感悟」, or 「感悟」 alone) names the topic and asks for the text: the next
text is the reflection; or photos first (each joins the same reflection, the question staying
open) until 「完成」, words typed after the photos being its text. 「感悟 <text>」 stores it at
once.
"""

from __future__ import annotations

from app.handlers.registry import HandlerContext, MessageRouter, Reply
from app.models import Reflection, ReflectionTopic
from app.services import prompts
from app.services.member_links import MemberLinks
from app.services.reflections import topics, writing
from app.services.reflections.writing import MAX_CHARS, MAX_PHOTOS, ReflectionRefused

router = MessageRouter()

WRITE = "reflections.write"  # the question's subject: the topic
PHOTOS = "reflections.photos"  # after a photo: the reflection the next ones join
DONE = "完成"
WHAT = "写感悟"


def _ask_text(topic: ReflectionTopic) -> str:
    guidance = f"\n{topic.guidance}" if topic.guidance else ""
    return (
        f"本期微感悟主题：「{topic.title}」{guidance}\n"
        f"请直接回复您的感悟（不超过 {MAX_CHARS} 字），"
        f"也可先发送照片（最多 {MAX_PHOTOS} 张），发完回复「{DONE}」。"
    )


async def _ask(ctx: HandlerContext, purpose: str, subject_id: int | None) -> None:
    await prompts.ask(
        ctx.session, openid=ctx.openid, purpose=purpose, subject_id=subject_id, now=ctx.now
    )


async def _no_topic(ctx: HandlerContext) -> str:
    upcoming = await topics.next_topic(ctx.session, now=ctx.now)
    later = (
        f"下一期主题「{upcoming.title}」将于 {topics.moment(upcoming.opens_at)} 开始征集。"
        if upcoming is not None
        else "有新主题时会通知您。"
    )
    return "目前没有正在征集的微感悟主题。" + later


def _my_page(ctx: HandlerContext) -> str:
    """The member's own reflections page (a signed link: the chat knows who is asking)."""
    person_id = ctx.member.id or 0
    links = MemberLinks(ctx.settings.secret_key.get_secret_value())
    path = links.path(page="reflections", subject_id=person_id, person_id=person_id, now=ctx.now)
    return ctx.settings.public_base_url.rstrip("/") + path


async def _received(ctx: HandlerContext, reflection: Reflection) -> str:
    topic = await topics.get(ctx.session, topic_id=reflection.topic_id)
    count = await writing.photo_count(ctx.session, reflection=reflection)
    photos = f"，照片 {count} 张" if count else ""
    title = topic.title if topic is not None else ""
    return (
        f"已收到您的微感悟（主题「{title}」{photos}）。"
        "编辑选用后将刊登在《神特组宣》或《神特清风》上，刊登时会通知您。"
        "同一主题可以再写一篇，每篇都会单独收录。\n"
        f"我的微感悟：{_my_page(ctx)}"
    )


async def _store_text(
    ctx: HandlerContext, topic: ReflectionTopic, text: str, *, asked: bool
) -> Reply:
    try:
        reflection = await writing.submit(
            ctx.session, topic=topic, person=ctx.member, text=text, now=ctx.now
        )
    except ReflectionRefused as refused:
        if asked:  # the question stays open for a corrected text
            await _ask(ctx, WRITE, topic.id)
        return str(refused)
    return await _received(ctx, reflection)


@router.click("REFLECTION_WRITE", requires_member=WHAT)
async def on_button(ctx: HandlerContext) -> Reply:
    """The button (or its name typed): name the open topic and ask for the reflection."""
    topic = await topics.open_topic(ctx.session, now=ctx.now)
    if topic is None:
        return await _no_topic(ctx)
    await _ask(ctx, WRITE, topic.id)
    return _ask_text(topic)


@router.text(
    "感悟", help="写微感悟（「感悟 内容」直接提交，只发「感悟」则按提示撰写）", requires_member=WHAT
)
async def on_keyword(ctx: HandlerContext) -> Reply:
    """「感悟 <text>」 stores it at once; 「感悟」 alone asks for it."""
    topic = await topics.open_topic(ctx.session, now=ctx.now)
    if topic is None:
        return await _no_topic(ctx)
    if ctx.keyword_args.strip():
        return await _store_text(ctx, topic, ctx.keyword_args, asked=False)
    await _ask(ctx, WRITE, topic.id)
    return _ask_text(topic)


def _photo(ctx: HandlerContext) -> tuple[str, str] | None:
    if str(ctx.fields.get("MsgType") or "") != "image":
        return None
    return str(ctx.fields.get("MediaId") or ""), str(ctx.fields.get("PicUrl") or "")


async def _add_photo(ctx: HandlerContext, reflection: Reflection, photo: tuple[str, str]) -> str:
    try:
        count = await writing.add_photo(
            ctx.session, reflection=reflection, media_id=photo[0], url=photo[1], now=ctx.now
        )
    except ReflectionRefused as refused:
        await _ask(ctx, PHOTOS, reflection.id)
        return f"{refused}\n可以回复文字作为感悟内容，发完请回复「{DONE}」。"
    await _ask(ctx, PHOTOS, reflection.id)
    return (
        f"已收到第 {count} 张照片。可继续发送，也可以回复文字作为感悟内容；发完请回复「{DONE}」。"
    )


@router.answer(WRITE, requires_member=WHAT, accepts_images=True)
async def on_answer(ctx: HandlerContext, topic_id: int | None) -> Reply:
    """The reflection's text; or a first photo, which makes the reflection."""
    topic = await topics.get(ctx.session, topic_id=topic_id) if topic_id else None
    if topic is None or not topics.is_open(topic, ctx.now):
        return "本期微感悟征集已截止。" + await _no_topic(ctx)
    if (photo := _photo(ctx)) is not None:
        reflection = await writing.submit(
            ctx.session, topic=topic, person=ctx.member, text=None, now=ctx.now
        )
        return await _add_photo(ctx, reflection, photo)
    text = str(ctx.fields.get("Content") or "").strip()
    if text == DONE:
        await _ask(ctx, WRITE, topic.id)
        return "还没有收到您的感悟。" + _ask_text(topic)
    return await _store_text(ctx, topic, text, asked=True)


@router.answer(PHOTOS, requires_member=WHAT, accepts_images=True)
async def on_photos(ctx: HandlerContext, reflection_id: int | None) -> Reply:
    """More photos; words (the text, which hands it in); or 「完成」."""
    found = await writing.get(ctx.session, reflection_id=reflection_id) if reflection_id else None
    if found is None or found.person_id != ctx.member.id:
        return await on_button(ctx)
    if (photo := _photo(ctx)) is not None:
        return await _add_photo(ctx, found, photo)
    text = str(ctx.fields.get("Content") or "").strip()
    if text != DONE:
        try:  # words typed after the photos are the reflection's text
            await writing.set_text(ctx.session, reflection=found, text=text)
        except ReflectionRefused as refused:
            await _ask(ctx, PHOTOS, found.id)
            return str(refused)
    return await _received(ctx, found)
