"""Signing a pledge (page or chat), what a person was shown, and voiding a signature."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.db import execute
from app.models import (
    Broadcast,
    BroadcastRecipient,
    Person,
    PledgeCampaign,
    PledgeReceipt,
    PledgeSignature,
    PledgeVersion,
    RecipientStatus,
    SignatureChannel,
)
from app.services import audiences, audit
from app.services.pledges import campaigns

SUBJECT = "pledge_campaign"
MAX_REASON = 200


class Sign(StrEnum):
    """What became of an attempt to sign."""

    SIGNED = "signed"
    ALREADY = "already"  # a standing signature exists: the first one stands
    OLD_VERSION = "old_version"  # the text shown was not the current one
    NOT_SHOWN = "not_shown"  # 我承诺 in the chat before the text reached the person
    CLOSED = "closed"  # past the deadline, or cancelled
    NOT_OPEN = "not_open"  # still a draft
    NOT_ASKED = "not_asked"  # not in the campaign's audience


@dataclass(frozen=True)
class SignResult:
    """The outcome, the signature that stands (new or earlier), and the current text."""

    outcome: Sign
    signature: PledgeSignature | None
    current: PledgeVersion


async def standing(
    session: AsyncSession, *, campaign_id: int, person_id: int
) -> PledgeSignature | None:
    """The person's signature that counts (not voided), if any."""
    statement = select(PledgeSignature).where(
        PledgeSignature.campaign_id == campaign_id,
        PledgeSignature.person_id == person_id,
        col(PledgeSignature.voided_at).is_(None),
    )
    return (await session.exec(statement)).first()


async def record_shown(
    session: AsyncSession, *, campaign: PledgeCampaign, person_id: int, via: str, now: datetime
) -> None:
    """Remember that the person was shown the current text (so 我承诺 can sign it)."""
    assert campaign.id is not None
    receipt = await session.get(PledgeReceipt, (campaign.id, person_id))
    if receipt is None:
        receipt = PledgeReceipt(
            campaign_id=campaign.id, person_id=person_id, version_number=0, via=via, shown_at=now
        )
    receipt.version_number, receipt.via, receipt.shown_at = campaign.current_version, via, now
    session.add(receipt)
    await session.flush()


async def version_shown(session: AsyncSession, *, campaign_id: int, person_id: int) -> int | None:
    """The newest version that reached the person: on a page, in the chat, or by a push."""
    receipt = await session.get(PledgeReceipt, (campaign_id, person_id))
    pushed = select(Broadcast.message, BroadcastRecipient.status).join(
        BroadcastRecipient, col(BroadcastRecipient.broadcast_id) == col(Broadcast.id)
    )
    pushed = pushed.where(
        Broadcast.subject_type == SUBJECT,
        Broadcast.subject_id == campaign_id,
        BroadcastRecipient.person_id == person_id,
        BroadcastRecipient.status == RecipientStatus.SENT.value,
    )
    numbers = [int(m.get("version") or 0) for m, _ in (await session.exec(pushed)).all()]
    if receipt is not None:
        numbers.append(receipt.version_number)
    return max(numbers) if numbers else None


async def _stop_reminders(session: AsyncSession, *, campaign_id: int, person_id: int) -> int:
    """Cancel the person's unsent pushes of this campaign: nobody is reminded after signing."""
    ours = select(Broadcast.id).where(
        Broadcast.subject_type == SUBJECT, Broadcast.subject_id == campaign_id
    )
    result = await execute(
        session,
        update(BroadcastRecipient)
        .where(
            col(BroadcastRecipient.broadcast_id).in_(ours),
            col(BroadcastRecipient.person_id) == person_id,
            col(BroadcastRecipient.status) == RecipientStatus.PENDING.value,
        )
        .values(status=RecipientStatus.CANCELLED.value, reason="已签署，无需提醒"),
    )
    return int(result.rowcount or 0)


async def sign(
    session: AsyncSession,
    *,
    campaign: PledgeCampaign,
    person: Person,
    version_number: int | None,
    text_sha256: str | None = None,
    channel: SignatureChannel,
    now: datetime,
) -> SignResult:
    """Sign the version the person read (page: the one shown; chat: the one that reached them).

    One standing signature per person: a second attempt (another tab, a retried reply) gets
    the first one back. The partial unique index settles a race between two at once.
    """
    assert campaign.id is not None and person.id is not None
    current = await campaigns.current(session, campaign=campaign)
    if campaign.status == "draft":
        return SignResult(Sign.NOT_OPEN, None, current)
    existing = await standing(session, campaign_id=campaign.id, person_id=person.id)
    if existing is not None:
        return SignResult(Sign.ALREADY, existing, current)
    if not campaigns.accepts_signatures(campaign, now):
        return SignResult(Sign.CLOSED, None, current)
    asked = await audiences.includes(session, target=campaign, person=person)
    if not asked:
        return SignResult(Sign.NOT_ASKED, None, current)
    if channel is SignatureChannel.CHAT:
        version_number = await version_shown(session, campaign_id=campaign.id, person_id=person.id)
        if version_number is None:
            return SignResult(Sign.NOT_SHOWN, None, current)
    if version_number != current.number or (
        text_sha256 is not None and text_sha256 != current.sha256
    ):
        return SignResult(Sign.OLD_VERSION, None, current)
    assert current.id is not None
    signature = PledgeSignature(
        campaign_id=campaign.id,
        person_id=person.id,
        version_id=current.id,
        version_number=current.number,
        text_sha256=current.sha256,
        channel=channel.value,
        signed_at=now,
    )
    try:
        async with session.begin_nested():
            session.add(signature)
            await session.flush()
    except IntegrityError:
        again = await standing(session, campaign_id=campaign.id, person_id=person.id)
        return SignResult(Sign.ALREADY, again, current)
    await _stop_reminders(session, campaign_id=campaign.id, person_id=person.id)
    return SignResult(Sign.SIGNED, signature, current)


async def void(
    session: AsyncSession,
    *,
    signature: PledgeSignature,
    reason: str,
    actor: audit.Actor,
    now: datetime,
) -> PledgeSignature:
    """Void a signature with a reason (audited); the person is asked to sign again."""
    reason = reason.strip()
    if not reason:
        raise campaigns.CampaignError("请填写作废原因。")
    if len(reason) > MAX_REASON:
        raise campaigns.CampaignError(f"作废原因请控制在 {MAX_REASON} 字以内。")
    if signature.voided_at is not None:
        raise campaigns.CampaignError("这条签署记录已经作废。")
    signature.voided_at, signature.voided_by, signature.void_reason = now, actor.name, reason
    session.add(signature)
    person = await session.get(Person, signature.person_id)
    await audit.record(
        session,
        actor=actor,
        action="pledge.void",
        target_type="pledge_signature",
        target_id=signature.id,
        summary=f"{person.name if person else signature.person_id}：{reason}",
        before={"voided_at": None},
        after={"voided_at": now.isoformat(), "void_reason": reason},
    )
    await session.flush()
    return signature
