"""WeChat's receipts (TEMPLATESENDJOBFINISH, MASSSENDJOBFINISH): what actually reached phones."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.models import BroadcastBatch, BroadcastRecipient, Channel, RecipientStatus

CONFIRMED = "微信回执确认已送达"
_FAILED_RECEIPTS = {
    "failed:user block": "用户拒收公众号消息",
    "failed: system failed": "微信系统原因未送达",
}


async def template_finished(
    session: AsyncSession, *, openid: str, msgid: int, status: str, now: datetime
) -> BroadcastRecipient | None:
    """Apply a TEMPLATESENDJOBFINISH to the row it reports on; return that row.

    The row is found by msgid; failing that (the sender died before it could record the msgid,
    or the receipt outran the sender's answer) by the member's template row still being sent or
    in doubt that was claimed last: WeChat sends receipts within seconds, so an older in-doubt
    row of another broadcast would have had its own receipt long ago. (No comparison with our
    clock: the sender that claimed the row may run on another machine.)
    """
    row = (
        await session.exec(
            select(BroadcastRecipient).where(
                BroadcastRecipient.msgid == msgid,
                BroadcastRecipient.channel == Channel.TEMPLATE.value,
            )
        )
    ).first()
    if row is None:
        row = (
            await session.exec(
                select(BroadcastRecipient)
                .where(
                    BroadcastRecipient.openid == openid,
                    BroadcastRecipient.channel == Channel.TEMPLATE.value,
                    col(BroadcastRecipient.status).in_(
                        [RecipientStatus.SENDING.value, RecipientStatus.UNKNOWN.value]
                    ),
                    col(BroadcastRecipient.msgid).is_(None),
                )
                .order_by(col(BroadcastRecipient.claimed_at).desc(), col(BroadcastRecipient.id))
                .limit(1)
            )
        ).first()
        if row is None:
            return None
        row.msgid = msgid
        if row.status == RecipientStatus.UNKNOWN.value:
            row.status = RecipientStatus.SENT.value
            row.sent_at = row.claimed_at or now
            row.reason = CONFIRMED
            row.in_doubt_since = None
    row.receipt, row.receipt_at = status[:64], now
    failure = _FAILED_RECEIPTS.get(status) or (
        "未送达：" + status if status.startswith("failed") else None
    )
    if failure is not None and row.status == RecipientStatus.SENT.value:
        row.status = RecipientStatus.FAILED.value
        row.reason = failure
    session.add(row)
    await session.flush()
    return row


async def mass_finished(
    session: AsyncSession,
    *,
    msg_id: int,
    status: str,
    counts: dict[str, int | None],
    now: datetime,
) -> BroadcastBatch | None:
    """Apply a MASSSENDJOBFINISH to its batch: WeChat's own totals of who got it."""
    batch = (
        await session.exec(select(BroadcastBatch).where(BroadcastBatch.msg_id == msg_id))
    ).first()
    if batch is None:
        return None
    batch.job_status = status[:64]
    batch.total_count = counts.get("TotalCount")
    batch.filter_count = counts.get("FilterCount")
    batch.sent_count = counts.get("SentCount")
    batch.error_count = counts.get("ErrorCount")
    session.add(batch)
    await session.flush()
    return batch
