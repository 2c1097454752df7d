"""What the account asked a member to type next: the next text answers it, for a few minutes."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import Table, bindparam, literal, select, text
from sqlmodel.ext.asyncio.session import AsyncSession

from app.db import DriverSQL, Standalone, dialect_name, execute
from app.models import ConversationPrompt

# Long enough to type a reason on a phone; short enough that a later message is not taken for it.
PROMPT_TTL = timedelta(minutes=10)

_table: Table = ConversationPrompt.__table__  # type: ignore[attr-defined]
TABLE = _table.name  # for statements written out (messages.inbound)
_ANY_OPEN = select(literal(1)).where(_table.c.openid == bindparam("openid"))
_ANY_OPEN_DRIVER = DriverSQL.of(_ANY_OPEN)
_LOCK = text("SELECT pg_advisory_xact_lock(hashtext(:key))")


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


async def _any_open(session: AsyncSession, openid: str, standalone: Standalone | None) -> bool:
    """Whether the member has a question open; looked up outside the session when it has not
    begun (most messages find none, and then their session never needs a transaction)."""
    if standalone is None or session.in_transaction():
        found = await execute(session, _ANY_OPEN, {"openid": openid})
    elif standalone.direct:
        return await standalone.fetchval(_ANY_OPEN_DRIVER, {"openid": openid}) is not None
    else:
        found = await standalone.execute(_ANY_OPEN, {"openid": openid})
    return found.first() is not None


async def _one_at_a_time(
    session: AsyncSession, openid: str, standalone: Standalone | None = None
) -> bool:
    """Make a member's messages that consult their open question wait for each other; False
    when the member has no question open (most messages), and nothing needs to wait.

    WeChat delivers a burst of photos as concurrent callbacks; each would otherwise read the
    question before the others commit (two reports instead of one, a photo lost). PostgreSQL:
    a transaction-scoped advisory lock per member, taken only when a question is there: the
    lock holders only take a question (and perhaps ask the next one in the same transaction),
    so one that is not there when looked for could not have been seen after waiting either
    (a statement sees what was committed when it started, in the session or outside it).
    SQLite: a write first, which waits for any other writer to commit, so what is read next is
    what that writer left.
    """
    if dialect_name(session) == "postgresql":
        if not await _any_open(session, openid, standalone):
            return False
        await execute(session, _LOCK, {"key": f"prompt:{openid}"})
    else:
        claim = text("UPDATE conversation_prompt SET purpose = purpose WHERE openid = :openid")
        await execute(session, claim, {"openid": openid})
    return True


async def take(
    session: AsyncSession, *, openid: str, now: datetime, standalone: Standalone | None = None
) -> ConversationPrompt | None:
    """The open question, removed as it is answered; None when there is none or it expired.

    `standalone`: where to look first without beginning the session's transaction."""
    if not await _one_at_a_time(session, openid, standalone):
        return None
    prompt = await session.get(ConversationPrompt, openid)
    if prompt is None:
        return None
    await session.delete(prompt)
    await session.flush()
    return prompt if prompt.expires_at > now else None


async def current(
    session: AsyncSession, *, openid: str, now: datetime, standalone: Standalone | None = None
) -> ConversationPrompt | None:
    """The open question, left open (None when there is none or it expired)."""
    if not await _one_at_a_time(session, openid, standalone):
        return None
    prompt = await session.get(ConversationPrompt, openid)
    return prompt if prompt is not None and prompt.expires_at > now else None


async def clear(
    session: AsyncSession, *, openid: str, standalone: Standalone | None = None
) -> None:
    """Forget any open question (the member did something else).

    Looked up first: most messages have none, and a DELETE would make the handler's
    transaction a writer (on SQLite, one that holds the lock for as long as the handler runs).
    """
    if standalone is not None and not await _any_open(session, openid, standalone):
        return
    prompt = await session.get(ConversationPrompt, openid)
    if prompt is not None:
        await session.delete(prompt)
        await session.flush()
