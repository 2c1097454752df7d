"""Reminders to those who have not signed, and closing a campaign at its deadline.

Reminder n of a campaign is due n × `remind_every_days` days after it was published, at
PLEDGE_REMINDER_TIME (China), while the deadline has not passed: at most `remind_max` of them.
It goes to whoever has not signed when it is created; signing cancels what has not been sent
yet. After downtime only the latest reminder due is sent (one late reminder, not a burst).
"""

from __future__ import annotations

import hashlib
from datetime import datetime, time, timedelta

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.config import Settings
from app.models import (
    Broadcast,
    BroadcastRecipient,
    CampaignStatus,
    Person,
    PledgeCampaign,
    PledgeSignature,
)
from app.models.types import CHINA
from app.services.broadcasts import notices
from app.services.broadcasts import rows as row_service
from app.services.broadcasts.notices import NoticeRun
from app.services.people import roles as roles_service
from app.services.pledges import campaigns
from app.services.pledges.signing import SUBJECT

PROMPT_KIND = "pledge_prompt"  # what campaigns.publish sends
NAMES_IN_NOTICE = 30  # the secretary's list names this many; the console has them all


def reminder_due(campaign: PledgeCampaign, number: int, at: time) -> datetime:
    """When reminder `number` (from 1) goes out."""
    assert campaign.published_at is not None
    day = campaign.published_at.astimezone(CHINA).date()
    return datetime.combine(day + timedelta(days=number * campaign.remind_every_days), at, CHINA)


def schedule(campaign: PledgeCampaign, at: time) -> list[tuple[int, datetime]]:
    """Each reminder that will go, (number, when): none lands on or after the deadline."""
    due = ((n, reminder_due(campaign, n, at)) for n in range(1, campaign.remind_max + 1))
    return [(number, when) for number, when in due if when < campaign.deadline]


def reminder_key(campaign: PledgeCampaign, number: int) -> str:
    """One broadcast per campaign and reminder number."""
    return f"pledge:{campaign.id}:remind:{number}"


async def unsigned(session: AsyncSession, *, campaign: PledgeCampaign) -> list[int]:
    """The people the campaign asks who have no standing signature."""
    signed = set(
        (
            await session.exec(
                select(PledgeSignature.person_id).where(
                    PledgeSignature.campaign_id == campaign.id,
                    col(PledgeSignature.voided_at).is_(None),
                )
            )
        ).all()
    )
    wanted = await campaigns.signers_wanted(session, campaign=campaign)
    return [pid for pid in wanted if pid not in signed]


async def _prompted(session: AsyncSession, *, campaign: PledgeCampaign) -> set[int]:
    """Everyone a 签署通知 of the campaign was made for (at publishing, or as a newcomer)."""
    statement = (
        select(BroadcastRecipient.person_id)
        .join(Broadcast, col(Broadcast.id) == BroadcastRecipient.broadcast_id)
        .where(
            Broadcast.subject_type == SUBJECT,
            Broadcast.subject_id == campaign.id,
            Broadcast.kind == PROMPT_KIND,
        )
    )
    return {pid for pid in (await session.exec(statement)).all() if pid is not None}


async def prompt_newcomers(
    session: AsyncSession, *, settings: Settings, now: datetime
) -> NoticeRun:
    """Send the 签署通知, once, to people who joined an open campaign's scope after publishing
    (a new member, a transfer in): the same notice the others got when it was published."""
    report = NoticeRun()
    for campaign in await _open_campaigns(session):
        if campaign.deadline <= now or campaign.id is None:
            continue
        asked = await _prompted(session, campaign=campaign)
        newcomers = sorted(
            pid for pid in await unsigned(session, campaign=campaign) if pid not in asked
        )
        if not newcomers:
            continue
        # Keyed by who: a second scheduler finding the same newcomers makes nothing twice.
        who = hashlib.sha256(",".join(map(str, newcomers)).encode()).hexdigest()[:16]
        text = await campaigns.current(session, campaign=campaign)
        created = await notices.notify(
            session,
            key=f"pledge:{campaign.id}:prompt:{who}",
            kind=PROMPT_KIND,
            subject=(SUBJECT, campaign.id),
            message=campaigns.prompt_message(campaign, text, settings),
            people=newcomers,
            settings=settings,
            now=now,
        )
        if created is not None:
            report.created.append(created)
    return report


async def _open_campaigns(session: AsyncSession) -> list[PledgeCampaign]:
    statement = (
        select(PledgeCampaign)
        .where(PledgeCampaign.status == CampaignStatus.OPEN.value)
        .order_by(col(PledgeCampaign.id))
    )
    return list((await session.exec(statement)).all())


async def send_reminders(session: AsyncSession, *, settings: Settings, now: datetime) -> NoticeRun:
    """Create the reminder due now of every open campaign (the latest one, if several are)."""
    at = time.fromisoformat(settings.pledge_reminder_time)
    report = NoticeRun()
    for campaign in await _open_campaigns(session):
        if campaign.deadline <= now:
            continue
        due = [number for number, when in schedule(campaign, at) if when <= now]
        if not due:
            continue
        number = due[-1]  # after downtime, the latest one due stands for the ones missed
        key = reminder_key(campaign, number)
        if await row_service.get_by_key(session, key=key) is not None:
            continue
        people = await unsigned(session, campaign=campaign)
        if not people:
            continue
        assert campaign.id is not None
        text = await campaigns.current(session, campaign=campaign)
        created = await notices.notify(
            session,
            key=key,
            kind="pledge_reminder",
            subject=(SUBJECT, campaign.id),
            message=campaigns.prompt_message(campaign, text, settings, reminder=number),
            people=people,
            settings=settings,
            now=now,
        )
        if created is not None:
            report.created.append(created)
    return report


async def close_due(session: AsyncSession, *, settings: Settings, now: datetime) -> NoticeRun:
    """Close every campaign whose deadline has passed and send the secretary who has not signed."""
    report = NoticeRun()
    for campaign in await _open_campaigns(session):
        if campaign.deadline > now:
            continue
        assert campaign.id is not None
        campaign.status, campaign.closed_at, campaign.updated_at = (
            CampaignStatus.CLOSED.value,
            now,
            now,
        )
        session.add(campaign)
        report.notes.append(f"已截止：{campaign.title}")
        missing = await unsigned(session, campaign=campaign)
        total = len(await campaigns.signers_wanted(session, campaign=campaign))
        recipients = await roles_service.secretaries(session, unit_id=campaign.org_unit_id)
        if not recipients:
            continue
        created = await notices.notify(
            session,
            key=f"pledge:{campaign.id}:deadline",
            kind="pledge_deadline",
            subject=(SUBJECT, campaign.id),
            message=await deadline_message(session, campaign, missing, total, settings),
            people=recipients,
            settings=settings,
            now=now,
        )
        if created is not None:
            report.created.append(created)
    await session.flush()
    return report


async def deadline_message(
    session: AsyncSession,
    campaign: PledgeCampaign,
    missing: list[int],
    total: int,
    settings: Settings,
) -> dict[str, object]:
    """The secretary's notice: how many signed, and who did not (by name)."""
    names = [
        p.name
        for p in (
            await session.exec(select(Person).where(col(Person.id).in_(missing[:NAMES_IN_NOTICE])))
        ).all()
    ]
    more = f"等 {len(missing)} 人" if len(missing) > NAMES_IN_NOTICE else ""
    who = f"未签署：{'、'.join(names)}{more}" if missing else "全部已签署。"
    signed = total - len(missing)
    link = f"{settings.public_base_url.rstrip('/')}/admin/pledges/{campaign.id}"
    return {
        "title": f"承诺书已截止：{campaign.title}",
        "text": f"【廉洁承诺】《{campaign.title}》已截止，已签署 {signed}/{total} 人。\n{who}",
        "url": link,
        "description": f"已签署 {signed}/{total} 人。{who}",
        "template": {
            "thing1": f"已截止：{campaign.title}",
            "thing2": f"已签署 {signed}/{total} 人",
            "time3": f"{campaign.deadline.astimezone(CHINA):%Y-%m-%d %H:%M}",
        },
        "subscribe": {
            "thing1": f"已截止：{campaign.title}",
            "time2": f"{campaign.deadline.astimezone(CHINA):%Y-%m-%d %H:%M}",
            "thing3": f"未签署 {len(missing)} 人",
        },
    }
