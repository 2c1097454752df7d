"""Reviewers: console users the secretary asks to review a suggestion, and their opinions."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.models import AdminUser, Suggestion, SuggestionReviewer
from app.models import SuggestionStatus as S
from app.services import audit
from app.services.suggestions.records import SuggestionRefused, add_event

OPINIONS = {"adopt": "建议采纳", "reject": "建议不采纳", "other": "其他意见"}
MAX_OPINION = 2000


async def of(session: AsyncSession, *, suggestion_id: int) -> list[AdminUser]:
    """The console users asked to review the suggestion."""
    statement = (
        select(AdminUser)
        .join(SuggestionReviewer, col(SuggestionReviewer.admin_user_id) == col(AdminUser.id))
        .where(SuggestionReviewer.suggestion_id == suggestion_id)
        .order_by(col(AdminUser.username))
    )
    return list((await session.exec(statement)).all())


async def is_reviewer(session: AsyncSession, *, suggestion_id: int, user_id: int) -> bool:
    """Whether the console user was asked to review the suggestion."""
    statement = select(SuggestionReviewer.id).where(
        SuggestionReviewer.suggestion_id == suggestion_id,
        SuggestionReviewer.admin_user_id == user_id,
    )
    return (await session.exec(statement)).first() is not None


async def candidates(session: AsyncSession) -> list[AdminUser]:
    """The active console users who may be asked to review."""
    statement = select(AdminUser).where(AdminUser.is_active).order_by(col(AdminUser.username))
    return list((await session.exec(statement)).all())


async def assign(
    session: AsyncSession,
    *,
    suggestion: Suggestion,
    user_ids: Sequence[int],
    by: audit.Actor,
    now: datetime,
) -> list[AdminUser]:
    """Ask these console users to review (those already asked are kept); a suggestion only
    收到 moves to 评审中."""
    assert suggestion.id is not None
    wanted = sorted(set(user_ids))
    users = list(
        (
            await session.exec(
                select(AdminUser).where(col(AdminUser.id).in_(wanted), AdminUser.is_active)
            )
        ).all()
    )
    if not users:
        raise SuggestionRefused("请选择评审人。")
    already = {u.id for u in await of(session, suggestion_id=suggestion.id)}
    added = [u for u in users if u.id not in already]
    for user in list(added):
        assert user.id is not None
        try:  # the same reviewer assigned twice at once: the unique constraint keeps one
            async with session.begin_nested():
                session.add(
                    SuggestionReviewer(
                        suggestion_id=suggestion.id, admin_user_id=user.id,
                        assigned_by=by.name[:64], assigned_at=now,
                    )
                )  # fmt: skip
        except IntegrityError:
            added.remove(user)
    before = suggestion.status
    moved = await session.exec(
        update(Suggestion)
        .where(col(Suggestion.id) == suggestion.id, col(Suggestion.status) == S.RECEIVED.value)
        .values(status=S.REVIEWING.value)
    )
    if getattr(moved, "rowcount", 0) == 1:
        await session.refresh(suggestion)
    names = "、".join(u.display_name for u in added) or "（无新增）"
    await add_event(
        session, suggestion=suggestion, kind="assign", by=by, now=now, from_status=before,
        note=f"指定评审人：{names}",
    )  # fmt: skip
    await audit.record(
        session, actor=by, action="suggestion.assign", target_type="suggestion",
        target_id=suggestion.id, summary=f"{suggestion.number}：指定评审人 {names}",
    )  # fmt: skip
    return added


async def give_opinion(
    session: AsyncSession,
    *,
    suggestion: Suggestion,
    opinion: str,
    text: str,
    by: audit.Actor,
    now: datetime,
) -> None:
    """A reviewer's opinion on the timeline (the decision itself stays the secretary's)."""
    if opinion not in OPINIONS:
        raise SuggestionRefused("请选择评审意见。")
    words = text.strip()
    if len(words) > MAX_OPINION:
        raise SuggestionRefused(f"评审意见不能超过 {MAX_OPINION} 字。")
    if suggestion.status not in (S.RECEIVED.value, S.REVIEWING.value):
        raise SuggestionRefused("这条建议已有结论，不再需要评审意见。")
    note = OPINIONS[opinion] + (f"：{words}" if words else "")
    await add_event(
        session, suggestion=suggestion, kind="opinion", by=by, now=now,
        from_status=suggestion.status, note=note,
    )  # fmt: skip
    await audit.record(
        session, actor=by, action="suggestion.review", target_type="suggestion",
        target_id=suggestion.id, summary=f"{suggestion.number}：{note[:100]}",
    )  # fmt: skip
