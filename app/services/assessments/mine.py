"""A member and their own sheets: the latest signed, a statement (自述), one review request."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.db import execute
from app.models import AssessmentPeriod, AssessmentSheet, PeriodStatus
from app.services.assessments.review import ReviewRefused

# A member may add a statement or ask for review within this time after sign-off.
WINDOW = timedelta(days=7)
STATEMENT_MAX = 1000


async def latest_signed(
    session: AsyncSession, *, person_id: int
) -> tuple[AssessmentSheet, AssessmentPeriod] | None:
    """The person's sheet of the most recently ended signed-off period."""
    statement = (
        select(AssessmentSheet, AssessmentPeriod)
        .join(AssessmentPeriod, col(AssessmentPeriod.id) == col(AssessmentSheet.period_id))
        .where(
            AssessmentSheet.person_id == person_id,
            col(AssessmentPeriod.status) == PeriodStatus.SIGNED.value,
        )
        .order_by(col(AssessmentPeriod.ends_on).desc(), col(AssessmentPeriod.id).desc())
        .limit(1)
    )
    row = (await session.exec(statement)).first()
    return (row[0], row[1]) if row is not None else None


def window_open(period: AssessmentPeriod, *, now: datetime) -> bool:
    """Whether the statement and review window is still open."""
    return period.signed_at is not None and now <= period.signed_at + WINDOW


def _check(period: AssessmentPeriod, now: datetime) -> None:
    """Refuse outside the window."""
    if period.status != PeriodStatus.SIGNED.value:
        raise ReviewRefused("本期考核尚未签发。")
    if not window_open(period, now=now):
        raise ReviewRefused("已超过签发后 7 天，不能再填写自述或申请复核。")


async def add_statement(
    session: AsyncSession,
    *,
    sheet: AssessmentSheet,
    period: AssessmentPeriod,
    text: str,
    now: datetime,
) -> None:
    """Save the member's statement (it may be rewritten within the window)."""
    _check(period, now)
    text = text.strip()
    if not text:
        raise ReviewRefused("自述不能为空。")
    if len(text) > STATEMENT_MAX:
        raise ReviewRefused(f"自述最多 {STATEMENT_MAX} 字。")
    sheet.statement = text
    sheet.statement_at = now
    session.add(sheet)
    await session.flush()


async def ask_review(
    session: AsyncSession,
    *,
    sheet: AssessmentSheet,
    period: AssessmentPeriod,
    reason: str,
    now: datetime,
) -> None:
    """Ask once for review (two taps at once: one request)."""
    _check(period, now)
    reason = reason.strip()
    if not reason:
        raise ReviewRefused("请写明申请复核的理由。")
    result = await execute(
        session,
        update(AssessmentSheet)
        .where(
            col(AssessmentSheet.id) == sheet.id,
            col(AssessmentSheet.review_requested_at).is_(None),
        )
        .values(review_requested_at=now, review_reason=reason[:STATEMENT_MAX]),
    )
    if result.rowcount != 1:
        raise ReviewRefused("您已申请过复核，请等待党支部答复。")
    await session.refresh(sheet)
