"""The member hears, once, how their 岗位建功 was verified."""

from __future__ import annotations

from datetime import datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from app.config import Settings
from app.models import Broadcast, Contribution, ContributionStatus
from app.services.broadcasts import notices

SUBJECT = "contribution"
THING_MAX = 20  # a template message's "thing" field holds 20 characters


async def tell_member(
    session: AsyncSession, *, contribution: Contribution, settings: Settings, now: datetime
) -> Broadcast | None:
    """已核实 or 未通过 (with the note) to the member; keyed by the record, so never twice."""
    if contribution.id is None or contribution.status == ContributionStatus.PENDING.value:
        return None
    verified = contribution.status == ContributionStatus.VERIFIED.value
    outcome = "已核实" if verified else "未通过核实"
    note = f"意见：{contribution.review_note}" if contribution.review_note else ""
    text = f"您登记的岗位建功《{contribution.title}》{outcome}。{note}"
    message = notices.message(
        "岗位建功核实结果", text, thing=f"《{contribution.title}》{outcome}"[:THING_MAX], when=now
    )
    return await notices.notify(
        session,
        key=f"contribution.decided:{contribution.id}",
        kind="contribution_decided",
        subject=(SUBJECT, contribution.id),
        message=message,
        people=[contribution.person_id],
        settings=settings,
        now=now,
        created_by=contribution.reviewed_by or "console",
    )
