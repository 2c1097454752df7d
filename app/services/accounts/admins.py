"""Console users: passwords (argon2id), lock-out, roles and scope, API tokens."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

import anyio
from anyio import CapacityLimiter
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import ColumnElement, and_, case, func, or_, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.config import MIN_PASSWORD_LENGTH as MIN_PASSWORD_LENGTH
from app.models import AdminRole, AdminUser, ApiToken, AuditLog
from app.services import audit
from app.services.people import org_units as org_unit_service

MAX_FAILED_LOGINS = 5
LOCKOUT = timedelta(minutes=15)
# Argon2 checks running at once per process (each takes a core and 64 MiB for a third of a
# second); further sign-ins wait their turn without holding a database connection.
MAX_CONCURRENT_PASSWORD_CHECKS = 2
TOKEN_PREFIX = "st_"  # noqa: S105 - marks our tokens in logs and secret scanners

_hasher = PasswordHasher()
# Verifying against this keeps the time of "no such user" equal to "wrong password". Written
# out (the hasher's parameters, as `_hasher.hash` made it) rather than hashed at import, which
# cost every process 150 ms; a test fails should the hasher's parameters move away from it.
_DUMMY_HASH = (
    "$argon2id$v=19$m=65536,t=3,p=4$0HqImcxecpMiVkyokwkojQ"
    "$VP5ZtnX2jT9887JuQRiwcwpfFqOznLNscW1PzJTvTbU"
)


def hash_password(password: str) -> str:
    """An argon2id hash of the password."""
    return _hasher.hash(password)


def password_matches(password_hash: str, password: str) -> bool:
    """Check a password against its hash, never raising."""
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


@dataclass(frozen=True, slots=True)
class Principal:
    """The signed-in console user (or API token owner), with what they may touch."""

    id: int
    username: str
    display_name: str
    role: AdminRole
    # None means every unit; a secretary sees their unit and the units below it.
    unit_ids: frozenset[int] | None

    @property
    def can_write(self) -> bool:
        """Admins and secretaries change things; viewers only look."""
        return self.role in (AdminRole.ADMIN, AdminRole.SECRETARY)

    @property
    def is_admin(self) -> bool:
        """Admins may do everything, including console users and sensitive records."""
        return self.role is AdminRole.ADMIN

    def sees_unit(self, unit_id: int | None) -> bool:
        """Whether a row of this unit is within the user's scope."""
        return self.unit_ids is None or (unit_id is not None and unit_id in self.unit_ids)

    def actor(self, *, ip: str | None = None, request_id: str | None = None) -> audit.Actor:
        """This user as the actor of an audit entry."""
        return audit.Actor(id=self.id, name=self.username, ip=ip, request_id=request_id)


async def principal_for(session: AsyncSession, user: AdminUser) -> Principal:
    """Resolve a user's role and scope."""
    role = AdminRole(user.role)
    unit_ids: frozenset[int] | None = None
    if role is AdminRole.SECRETARY:
        unit_ids = (
            frozenset(await org_unit_service.subtree_ids(session, root_id=user.org_unit_id))
            if user.org_unit_id is not None
            else frozenset()
        )
    assert user.id is not None
    return Principal(user.id, user.username, user.display_name, role, unit_ids)


class LoginOutcome(StrEnum):
    """Why a sign-in did or did not work (the page shows one message for all failures)."""

    OK = "ok"
    BAD_CREDENTIALS = "bad_credentials"
    LOCKED = "locked"
    INACTIVE = "inactive"


async def get(session: AsyncSession, *, user_id: int) -> AdminUser | None:
    """The console user with this id."""
    return await session.get(AdminUser, user_id)


async def get_by_username(session: AsyncSession, *, username: str) -> AdminUser | None:
    """The console user with this username."""
    return (await session.exec(select(AdminUser).where(AdminUser.username == username))).first()


@dataclass(frozen=True, slots=True)
class LoginAttempt:
    """A sign-in between its two steps: the attempt is counted, the password not yet checked.

    `password_hash` is None when the password must not be checked (unknown user, locked): the
    caller then checks it against a dummy hash, so every attempt costs the same time.
    """

    username: str
    user_id: int | None
    password_hash: str | None
    locked: bool


def _unlocked(now: datetime) -> ColumnElement[bool]:
    locked_until = col(AdminUser.locked_until)
    return or_(locked_until.is_(None), locked_until <= now)


async def begin_login(session: AsyncSession, *, username: str, now: datetime) -> LoginAttempt:
    """Count a sign-in attempt before its password is checked, atomically.

    The attempt is counted as a failure up front (one UPDATE, so parallel attempts each get
    their own number); the fifth locks the account, and no attempt beyond it is checked at all
    while the lock lasts. A successful check resets the count (`finish_login`). The caller
    commits before checking the password, so that parallel attempts see the count.
    """
    username = username.strip()
    user = await get_by_username(session, username=username)
    if user is None:
        locked = await _unknown_user_locked(session, username=username, now=now)
        return LoginAttempt(username, None, None, locked)
    expired = and_(col(AdminUser.locked_until).is_not(None), col(AdminUser.locked_until) <= now)
    count = case((expired, 1), else_=col(AdminUser.failed_logins) + 1)
    statement = (
        update(AdminUser)
        .where(col(AdminUser.id) == user.id, _unlocked(now))
        .values(
            failed_logins=count,
            locked_until=case(
                (count >= MAX_FAILED_LOGINS, now + LOCKOUT),
                (expired, None),
                else_=col(AdminUser.locked_until),
            ),
        )
        .returning(col(AdminUser.failed_logins))
        .execution_options(synchronize_session=False)
    )
    counted = (await session.exec(statement)).first()
    if counted is None:  # locked: this password is never checked
        return LoginAttempt(username, user.id, None, True)
    return LoginAttempt(username, user.id, user.password_hash, False)


async def _unknown_user_locked(session: AsyncSession, *, username: str, now: datetime) -> bool:
    """Whether an unknown username has failed as often as locks a real one (same message)."""
    statement = (
        select(func.count())
        .select_from(AuditLog)
        .where(
            col(AuditLog.at) > now - LOCKOUT,
            AuditLog.action == "auth.login_failed",
            col(AuditLog.target_id).is_(None),
            AuditLog.summary == username[:64],
        )
    )
    return (await session.exec(statement)).one() >= MAX_FAILED_LOGINS


async def check_password(
    attempt: LoginAttempt, password: str, *, limiter: CapacityLimiter
) -> tuple[bool, str | None]:
    """Check the password in a worker thread, at most `limiter` checks at once.

    Returns whether it matches and, when it does and the hash's costs are outdated, a new hash.
    Argon2 takes a third of a second of CPU: on the event loop it stalls every other request.
    """

    def check() -> tuple[bool, str | None]:
        if attempt.password_hash is None:
            password_matches(_DUMMY_HASH, password)  # the same time as a real check
            return False, None
        if not password_matches(attempt.password_hash, password):
            return False, None
        if _hasher.check_needs_rehash(attempt.password_hash):
            return True, hash_password(password)
        return True, None

    return await anyio.to_thread.run_sync(check, limiter=limiter)


async def finish_login(
    session: AsyncSession,
    *,
    attempt: LoginAttempt,
    matched: bool,
    new_hash: str | None,
    now: datetime,
    actor: audit.Actor,
) -> tuple[LoginOutcome, AdminUser | None]:
    """Record the outcome of a checked attempt (audited); a match resets the count."""
    user_id = attempt.user_id
    # An unknown username is named in the summary (the entries count its "lock-out").
    summary = attempt.username[:64] if user_id is None else None
    target_type = "admin_user" if user_id is not None else None
    if attempt.locked or not matched or user_id is None:
        action = "auth.login_locked" if attempt.locked else "auth.login_failed"
        await audit.record(
            session,
            actor=actor,
            action=action,
            target_type=target_type,
            target_id=user_id,
            summary=summary,
        )
        outcome = LoginOutcome.LOCKED if attempt.locked else LoginOutcome.BAD_CREDENTIALS
        return outcome, None
    user = await get(session, user_id=user_id)
    if user is None:
        return LoginOutcome.BAD_CREDENTIALS, None
    await session.refresh(user)
    if not user.is_active:
        return LoginOutcome.INACTIVE, user
    user.failed_logins = 0
    user.locked_until = None
    user.last_login_at = now
    if new_hash is not None:
        user.password_hash = new_hash
    session.add(user)
    await audit.record(
        session, actor=actor, action="auth.login", target_type="admin_user", target_id=user_id
    )
    return LoginOutcome.OK, user


async def end_sessions(session: AsyncSession, *, user_id: int) -> None:
    """End every console session of the user: their cookies carry the old session version."""
    statement = (
        update(AdminUser)
        .where(col(AdminUser.id) == user_id)
        .values(session_version=col(AdminUser.session_version) + 1)
        .execution_options(synchronize_session=False)
    )
    await session.exec(statement)


async def create_user(
    session: AsyncSession,
    *,
    username: str,
    display_name: str,
    password: str,
    role: AdminRole,
    org_unit_id: int | None,
    actor: audit.Actor,
) -> AdminUser:
    """Create a console user (audited; the password is never stored or logged)."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValueError(f"密码至少 {MIN_PASSWORD_LENGTH} 个字符")
    if await get_by_username(session, username=username) is not None:
        raise ValueError("用户名已存在")
    user = AdminUser(
        username=username,
        display_name=display_name,
        password_hash=hash_password(password),
        role=role.value,
        org_unit_id=org_unit_id,
    )
    session.add(user)
    await session.flush()
    await audit.record(
        session,
        actor=actor,
        action="admin_user.create",
        target_type="admin_user",
        target_id=user.id,
        after=audit.snapshot(user),
    )
    return user


async def ensure_first_admin(
    session: AsyncSession, *, username: str, password: str
) -> AdminUser | None:
    """Create the first admin from ADMIN_USERNAME / ADMIN_PASSWORD when there is no admin yet."""
    existing = await session.exec(select(AdminUser).where(AdminUser.role == AdminRole.ADMIN.value))
    if existing.first() is not None:
        return None
    user = AdminUser(
        username=username,
        display_name="管理员",
        password_hash=hash_password(password),
        role=AdminRole.ADMIN.value,
    )
    session.add(user)
    await session.flush()
    await audit.record(
        session,
        actor=audit.SYSTEM,
        action="admin_user.create_first",
        target_type="admin_user",
        target_id=user.id,
        after=audit.snapshot(user),
    )
    return user


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def create_api_token(
    session: AsyncSession, *, user: AdminUser, name: str, actor: audit.Actor
) -> tuple[str, ApiToken]:
    """Issue a bearer token; the plaintext is returned once and only its hash is kept."""
    assert user.id is not None
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    record = ApiToken(
        admin_user_id=user.id, name=name, token_hash=_token_hash(token), prefix=token[:10]
    )
    session.add(record)
    await session.flush()
    await audit.record(
        session,
        actor=actor,
        action="api_token.create",
        target_type="api_token",
        target_id=record.id,
        summary=f"{name} ({record.prefix}…)",
    )
    return token, record


async def user_for_token(session: AsyncSession, *, token: str, now: datetime) -> AdminUser | None:
    """The active user a bearer token belongs to, or None (unknown, revoked, inactive)."""
    if not token.startswith(TOKEN_PREFIX):
        return None
    row = (
        await session.exec(
            select(ApiToken, AdminUser)
            .join(AdminUser, col(AdminUser.id) == ApiToken.admin_user_id)
            .where(ApiToken.token_hash == _token_hash(token))
            .where(col(ApiToken.revoked_at).is_(None))
        )
    ).first()
    if row is None or not row[1].is_active:
        return None
    api_token, user = row
    api_token.last_used_at = now
    session.add(api_token)
    return user


async def revoke_api_token(
    session: AsyncSession, *, token_id: int, actor: audit.Actor, now: datetime
) -> None:
    """Revoke a token at once (audited)."""
    token = await session.get(ApiToken, token_id)
    if token is None or token.revoked_at is not None:
        return
    token.revoked_at = now
    session.add(token)
    await audit.record(
        session, actor=actor, action="api_token.revoke", target_type="api_token", target_id=token_id
    )
