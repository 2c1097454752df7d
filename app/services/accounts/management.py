"""Console accounts: listing users and their tokens, (de)activating, resetting passwords."""

from __future__ import annotations

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.models import AdminRole, AdminUser, ApiToken
from app.services import audit
from app.services.accounts import admins as admin_service


async def list_users(session: AsyncSession) -> list[AdminUser]:
    """Every console user, active ones first."""
    statement = select(AdminUser).order_by(col(AdminUser.is_active).desc(), col(AdminUser.id))
    return list((await session.exec(statement)).all())


async def tokens_of(session: AsyncSession, *, user_id: int) -> list[ApiToken]:
    """A user's API tokens, newest first (revoked ones too, for the record)."""
    statement = (
        select(ApiToken).where(ApiToken.admin_user_id == user_id).order_by(col(ApiToken.id).desc())
    )
    return list((await session.exec(statement)).all())


async def active_admins(session: AsyncSession) -> int:
    """How many active admins there are (the last one may not be switched off)."""
    statement = select(AdminUser).where(
        AdminUser.role == AdminRole.ADMIN.value, col(AdminUser.is_active).is_(True)
    )
    return len((await session.exec(statement)).all())


async def set_active(
    session: AsyncSession, *, user: AdminUser, active: bool, actor: audit.Actor
) -> None:
    """Deactivate (every session of the user ends at once) or reactivate a user."""
    before = audit.snapshot(user)
    user.is_active = active
    if not active:
        user.session_version += 1  # older session cookies stop working
    session.add(user)
    await session.flush()
    await audit.record(
        session,
        actor=actor,
        action="admin_user.activate" if active else "admin_user.deactivate",
        target_type="admin_user",
        target_id=user.id,
        before=before,
        after=audit.snapshot(user),
    )


async def reset_password(
    session: AsyncSession, *, user: AdminUser, password: str, actor: audit.Actor
) -> None:
    """Set a new password, lift any lock-out and end the user's sessions (audited, no hash)."""
    if len(password) < admin_service.MIN_PASSWORD_LENGTH:
        raise ValueError(f"密码至少 {admin_service.MIN_PASSWORD_LENGTH} 个字符")
    before = audit.snapshot(user)
    user.password_hash = admin_service.hash_password(password)
    user.session_version += 1
    user.failed_logins = 0
    user.locked_until = None
    session.add(user)
    await session.flush()
    await audit.record(
        session,
        actor=actor,
        action="admin_user.password_reset",
        target_type="admin_user",
        target_id=user.id,
        before=before,
        after=audit.snapshot(user),
    )
