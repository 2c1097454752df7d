"""Writing a 微感悟 from WeChat: the text (checked against the limits) and up to nine photos.

A member may write more than one reflection on a topic: each is its own, and the editors pick.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from app.models import Person, Reflection, ReflectionTopic
from app.services import attachments
from app.services.attachments import AttachmentRefused

OWNER_KIND = "reflection"  # attachments.owner_kind of a reflection's photos
MAX_CHARS = 1_000
MAX_PHOTOS = attachments.MAX_PER_OWNER


class ReflectionRefused(ValueError):
    """A reflection (or a photo of one) the rules do not allow, with the reason in Chinese."""


def checked_text(text: str) -> str:
    """The text without surrounding spaces; refused when empty or over the limit."""
    cleaned = text.strip()
    if not cleaned:
        raise ReflectionRefused(f"感悟内容不能为空，请直接回复您的感悟（不超过 {MAX_CHARS} 字）。")
    if len(cleaned) > MAX_CHARS:
        raise ReflectionRefused(
            f"感悟不能超过 {MAX_CHARS} 字（您发送了 {len(cleaned)} 字），请精简后重新发送。"
        )
    return cleaned


async def submit(
    session: AsyncSession,
    *,
    topic: ReflectionTopic,
    person: Person,
    text: str | None,
    now: datetime,
    via: str = "chat",
) -> Reflection:
    """A new reflection on the topic: its text (checked), or None when photos come first."""
    assert topic.id is not None and person.id is not None
    reflection = Reflection(
        topic_id=topic.id,
        person_id=person.id,
        text=checked_text(text) if text is not None else "",
        via=via,
        created_at=now,
    )
    session.add(reflection)
    await session.flush()
    return reflection


async def set_text(session: AsyncSession, *, reflection: Reflection, text: str) -> None:
    """Words typed after the photos: they are the reflection's text."""
    reflection.text = checked_text(text)
    session.add(reflection)
    await session.flush()


async def add_photo(
    session: AsyncSession, *, reflection: Reflection, media_id: str, url: str, now: datetime
) -> int:
    """Record a photo sent in the chat (fetched later by the attachments job); how many now."""
    assert reflection.id is not None
    try:
        await attachments.from_chat(
            session, owner_kind=OWNER_KIND, owner_id=reflection.id, media_id=media_id, url=url,
            now=now,
        )  # fmt: skip
    except AttachmentRefused:
        raise ReflectionRefused(f"每篇感悟最多 {MAX_PHOTOS} 张照片，本张没有收录。") from None
    return await attachments.count(session, owner_kind=OWNER_KIND, owner_id=reflection.id)


async def get(session: AsyncSession, *, reflection_id: int) -> Reflection | None:
    """One reflection."""
    return await session.get(Reflection, reflection_id)


async def photo_count(session: AsyncSession, *, reflection: Reflection) -> int:
    """How many photos the reflection has."""
    assert reflection.id is not None
    return await attachments.count(session, owner_kind=OWNER_KIND, owner_id=reflection.id)
