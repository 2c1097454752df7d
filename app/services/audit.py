"""The audit trail: every admin write, sign-in and export, with before and after."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

from sqlmodel import SQLModel, col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.models import AuditLog
from app.models.types import utcnow

# Never copied into the audit trail, whatever the model holds (phones are kept masked).
_HIDDEN_FIELDS = {"password_hash", "token_hash", "code_hash"}


@dataclass(frozen=True, slots=True)
class Actor:
    """Who did it, from where (the request's IP and id)."""

    id: int | None
    name: str
    ip: str | None = None
    request_id: str | None = None


SYSTEM = Actor(id=None, name="system")


def snapshot(model: SQLModel | None) -> dict[str, Any] | None:
    """A JSON-safe copy of a row for before/after, without secrets."""
    if model is None:
        return None
    out: dict[str, Any] = {}
    for key, value in model.model_dump().items():
        if key in _HIDDEN_FIELDS:
            continue
        if key == "phone" and isinstance(value, str):
            value = value[:3] + "****" + value[-4:] if len(value) > 7 else "****"
        out[key] = value.isoformat() if isinstance(value, date | datetime | time) else value
    return out


async def record(
    session: AsyncSession,
    *,
    actor: Actor,
    action: str,
    target_type: str | None = None,
    target_id: object = None,
    summary: str | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> AuditLog:
    """Add an audit entry to the current unit of work (it commits with the change itself)."""
    entry = AuditLog(
        at=utcnow(),
        actor_id=actor.id,
        actor_name=actor.name,
        action=action,
        target_type=target_type,
        target_id=None if target_id is None else str(target_id),
        summary=summary,
        before=before,
        after=after,
        ip=actor.ip,
        request_id=actor.request_id,
    )
    session.add(entry)
    await session.flush()
    return entry


async def recent(
    session: AsyncSession,
    *,
    limit: int = 100,
    offset: int = 0,
    action_prefix: str | None = None,
    target_type: str | None = None,
    target_id: str | None = None,
) -> list[AuditLog]:
    """The newest entries first, optionally filtered."""
    statement = select(AuditLog)
    if action_prefix:
        statement = statement.where(col(AuditLog.action).startswith(action_prefix))
    if target_type:
        statement = statement.where(AuditLog.target_type == target_type)
    if target_id:
        statement = statement.where(AuditLog.target_id == target_id)
    statement = statement.order_by(col(AuditLog.id).desc()).offset(offset).limit(limit)
    return list((await session.exec(statement)).all())
