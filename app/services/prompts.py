"""What the account asked a member to type next: the next text answers it, for a few minutes."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlmodel.ext.asyncio.session import AsyncSession

from app.models import ConversationPrompt

# Long enough to type a reason on a phone; short enough that a later message is not taken for it.
PROMPT_TTL = timedelta(minutes=10)


async def ask(
    session: AsyncSession, *, openid: str, purpose: str, subject_id: int | None, now: datetime
) -> None:
    """Remember that the member's next text is for `purpose` (replacing an earlier question)."""
    prompt = await session.get(ConversationPrompt, openid)
    if prompt is None:
        prompt = ConversationPrompt(openid=openid, purpose=purpose, expires_at=now)
    prompt.purpose, prompt.subject_id, prompt.expires_at = purpose, subject_id, now + PROMPT_TTL
    session.add(prompt)
    await session.flush()


async def take(session: AsyncSession, *, openid: str, now: datetime) -> ConversationPrompt | None:
    """The open question, removed as it is answered; None when there is none or it expired."""
    prompt = await session.get(ConversationPrompt, openid)
    if prompt is None:
        return None
    await session.delete(prompt)
    await session.flush()
    return prompt if prompt.expires_at > now else None


async def current(
    session: AsyncSession, *, openid: str, now: datetime
) -> ConversationPrompt | None:
    """The open question, left open (None when there is none or it expired)."""
    prompt = await session.get(ConversationPrompt, openid)
    return prompt if prompt is not None and prompt.expires_at > now else None


async def clear(session: AsyncSession, *, openid: str) -> None:
    """Forget any open question (the member did something else).

    Looked up first: most messages have none, and a DELETE would make the handler's
    transaction a writer (on SQLite, one that holds the lock for as long as the handler runs).
    """
    prompt = await session.get(ConversationPrompt, openid)
    if prompt is not None:
        await session.delete(prompt)
        await session.flush()
