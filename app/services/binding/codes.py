"""Binding a WeChat follower to a person with a one-time code an admin hands out."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import and_, func, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.config import get_settings
from app.models import BindingAttempt, BindingCode, Follower, Person
from app.services import audit
from app.services.binding import followers as follower_service

CODE_TTL = timedelta(days=7)
# No 0/O, 1/I/L: the member types the code from a printed slip or a chat message.
ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 8  # 31^8 ≈ 8.5e11 possibilities, and guesses are rate-limited below
MAX_FAILED_ATTEMPTS = 5
ATTEMPT_WINDOW = timedelta(minutes=15)


class RedeemOutcome(StrEnum):
    """What happened when a follower sent a code."""

    BOUND = "bound"
    ALREADY_BOUND = "already_bound"  # this WeChat is already this person's
    FOLLOWER_BOUND_ELSEWHERE = "follower_bound_elsewhere"  # this WeChat belongs to someone else
    PERSON_BOUND_ELSEWHERE = "person_bound_elsewhere"  # the person has another WeChat
    INVALID = "invalid"
    EXPIRED = "expired"
    USED = "used"
    RATE_LIMITED = "rate_limited"


@dataclass(frozen=True, slots=True)
class RedeemResult:
    """The outcome, and the person concerned when there is one."""

    outcome: RedeemOutcome
    person: Person | None = None


def normalise(code: str) -> str:
    """Upper-case, without the spaces and dashes people type around codes."""
    return "".join(ch for ch in code.upper() if ch.isalnum())


def _hash(code: str) -> str:
    # Keyed with SECRET_KEY: short codes in a leaked table cannot be brute-forced offline.
    key = get_settings().secret_key.get_secret_value().encode()
    return hmac.new(key, normalise(code).encode(), hashlib.sha256).hexdigest()


async def issue_code(
    session: AsyncSession, *, person: Person, actor: audit.Actor, now: datetime
) -> tuple[str, BindingCode]:
    """A fresh single-use code for the person; the plaintext is returned only here."""
    assert person.id is not None
    code = "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))
    record = BindingCode(
        person_id=person.id,
        code_hash=_hash(code),
        expires_at=now + CODE_TTL,
        created_by=actor.name,
        created_at=now,
    )
    session.add(record)
    await session.flush()
    await audit.record(
        session,
        actor=actor,
        action="binding.issue_code",
        target_type="person",
        target_id=person.id,
        summary=f"绑定码 #{record.id}，有效至 {record.expires_at:%Y-%m-%d %H:%M} UTC",
    )
    return code, record


async def active_codes(
    session: AsyncSession, *, person_id: int, now: datetime
) -> list[BindingCode]:
    """The person's codes that can still be used."""
    statement = (
        select(BindingCode)
        .where(BindingCode.person_id == person_id)
        .where(col(BindingCode.used_at).is_(None))
        .where(col(BindingCode.revoked_at).is_(None))
        .where(BindingCode.expires_at > now)
        .order_by(col(BindingCode.id).desc())
    )
    return list((await session.exec(statement)).all())


async def revoke_code(
    session: AsyncSession, *, code_id: int, actor: audit.Actor, now: datetime
) -> None:
    """Make a code unusable (audited)."""
    code = await session.get(BindingCode, code_id)
    if code is None or code.revoked_at is not None or code.used_at is not None:
        return
    code.revoked_at = now
    session.add(code)
    await audit.record(
        session,
        actor=actor,
        action="binding.revoke_code",
        target_type="person",
        target_id=code.person_id,
        summary=f"绑定码 #{code_id}",
    )


async def follower_of(session: AsyncSession, *, person_id: int) -> Follower | None:
    """The WeChat follower bound to the person, if any."""
    return (await session.exec(select(Follower).where(Follower.person_id == person_id))).first()


async def person_for_openid(session: AsyncSession, *, openid: str) -> Person | None:
    """The person a follower is bound to, if any."""
    statement = (
        select(Person)
        .join(Follower, col(Follower.person_id) == Person.id)
        .where(Follower.openid == openid)
    )
    return (await session.exec(statement)).first()


async def unbind(
    session: AsyncSession, *, person: Person, actor: audit.Actor, now: datetime
) -> bool:
    """Release the person's WeChat (an admin action, e.g. a new phone); False if none."""
    follower = await follower_of(session, person_id=person.id or 0)
    if follower is None:
        return False
    follower.person_id = None
    follower.bound_at = None
    follower.updated_at = now
    session.add(follower)
    await session.flush()
    await audit.record(
        session,
        actor=actor,
        action="binding.unbind",
        target_type="person",
        target_id=person.id,
        summary=f"openid {follower.openid[:8]}…",
    )
    return True


async def _failed_recently(session: AsyncSession, *, openid: str, now: datetime) -> int:
    statement = select(func.count()).where(
        BindingAttempt.openid == openid, BindingAttempt.at > now - ATTEMPT_WINDOW
    )
    return int((await session.exec(statement)).one())


async def _fail(
    session: AsyncSession, openid: str, now: datetime, outcome: RedeemOutcome
) -> RedeemResult:
    session.add(BindingAttempt(openid=openid, at=now))
    await session.flush()
    return RedeemResult(outcome)


async def redeem(session: AsyncSession, *, openid: str, code: str, now: datetime) -> RedeemResult:
    """Bind the follower to the code's person: one follower per person, one use per code."""
    if await _failed_recently(session, openid=openid, now=now) >= MAX_FAILED_ATTEMPTS:
        return RedeemResult(RedeemOutcome.RATE_LIMITED)
    record = (
        await session.exec(select(BindingCode).where(BindingCode.code_hash == _hash(code)))
    ).first()
    if record is None or record.revoked_at is not None:
        return await _fail(session, openid, now, RedeemOutcome.INVALID)
    person = await session.get(Person, record.person_id)
    assert person is not None
    follower = await follower_service.get_by_openid(session, openid=openid)
    if follower is not None and follower.person_id == person.id:
        return RedeemResult(RedeemOutcome.ALREADY_BOUND, person)
    if record.used_at is not None:
        return await _fail(session, openid, now, RedeemOutcome.USED)
    if record.expires_at <= now:
        return await _fail(session, openid, now, RedeemOutcome.EXPIRED)
    if follower is not None and follower.person_id is not None:
        return RedeemResult(RedeemOutcome.FOLLOWER_BOUND_ELSEWHERE, person)
    if await follower_of(session, person_id=record.person_id) is not None:
        return RedeemResult(RedeemOutcome.PERSON_BOUND_ELSEWHERE, person)
    # Claim the code atomically: of two followers racing with one code, exactly one wins.
    claimed = await session.exec(
        update(BindingCode)
        .where(and_(col(BindingCode.id) == record.id, col(BindingCode.used_at).is_(None)))
        .values(used_at=now, used_by_openid=openid)
    )
    if not claimed.rowcount:
        return await _fail(session, openid, now, RedeemOutcome.USED)
    if follower is None:
        follower = Follower(openid=openid, subscribed=True, subscribed_at=now, created_at=now)
    follower.person_id = person.id
    follower.bound_at = now
    follower.updated_at = now
    session.add(follower)
    await session.flush()
    await audit.record(
        session,
        actor=audit.Actor(id=None, name="wechat"),
        action="binding.bind",
        target_type="person",
        target_id=person.id,
        summary=f"openid {openid[:8]}… 绑定码 #{record.id}",
    )
    return RedeemResult(RedeemOutcome.BOUND, person)
