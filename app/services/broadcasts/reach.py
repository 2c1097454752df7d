"""Who a broadcast can reach, and on which channel: decided per person before anything is sent."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.config import Settings
from app.models import (
    BroadcastRecipient,
    Channel,
    Follower,
    InboundMessage,
    Person,
    PersonStatus,
    PoliticalStage,
    RecipientStatus,
)
from app.models.types import CHINA

# WeChat lets a service-account follower receive at most 4 mass messages a month and silently
# drops the rest, so we count our own and move the fifth to another channel.
MASS_PER_PERSON_PER_MONTH = 4
CUSTOM_WINDOW = timedelta(hours=48)

NOT_BOUND = "未绑定微信"
UNFOLLOWED = "已取消关注公众号"
NO_CHANNEL = "没有可用的推送渠道"
_WHY_NOT = {
    Channel.MASS: "本月群发次数已用完（每人每月 4 次）",
    Channel.TEMPLATE: "公众号不能发模板消息（需认证服务号并配置模板）",
    Channel.SUBSCRIBE: "未配置订阅通知模板",
    Channel.CUSTOM: "48 小时内没有给公众号发过消息，客服消息发不出",
}


@dataclass(frozen=True, slots=True)
class Reach:
    """One person's plan: the channel that will carry the message, or why none can."""

    person_id: int
    name: str
    openid: str | None
    channel: Channel | None
    reason: str | None


def available_channels(settings: Settings) -> set[Channel]:
    """The channels this account can use at all."""
    channels = {Channel.CUSTOM}
    if settings.wechat_account_type == "service":
        channels.add(Channel.MASS)
        if settings.wechat_template_notice_id:
            channels.add(Channel.TEMPLATE)
    elif settings.wechat_mass_tag_id is not None:
        channels.add(Channel.MASS)
    if settings.wechat_subscribe_template_id:
        channels.add(Channel.SUBSCRIBE)
    return channels


def month_start(now: datetime) -> datetime:
    """The first moment of the current China calendar month (WeChat counts months so)."""
    local = now.astimezone(CHINA)
    return local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


async def _mass_counts(
    session: AsyncSession, person_ids: Sequence[int], now: datetime
) -> dict[int, int]:
    rows = await session.exec(
        select(BroadcastRecipient.person_id, func.count())
        .where(
            col(BroadcastRecipient.person_id).in_(person_ids),
            BroadcastRecipient.channel == Channel.MASS.value,
            BroadcastRecipient.status == RecipientStatus.SENT.value,
            col(BroadcastRecipient.sent_at) >= month_start(now),
        )
        .group_by(col(BroadcastRecipient.person_id))
    )
    return {int(pid): int(n) for pid, n in rows.all()}


async def _last_messages(session: AsyncSession, openids: Sequence[str]) -> dict[str, datetime]:
    # Only messages a member typed open the 48-hour window; a click or a scan opens a 1-minute one.
    rows = await session.exec(
        select(InboundMessage.openid, func.max(InboundMessage.received_at))
        .where(col(InboundMessage.openid).in_(openids), InboundMessage.msg_type != "event")
        .group_by(col(InboundMessage.openid))
    )
    return {str(openid): at for openid, at in rows.all() if at is not None}


async def plan(
    session: AsyncSession,
    *,
    person_ids: Iterable[int],
    channels: Sequence[Channel],
    settings: Settings,
    now: datetime,
) -> list[Reach]:
    """Choose each person's channel from `channels` (best first), or record why none works."""
    ids = sorted(set(person_ids))
    if not ids:
        return []
    people = (
        await session.exec(
            select(Person, Follower)
            .join(Follower, col(Follower.person_id) == col(Person.id), isouter=True)
            .where(col(Person.id).in_(ids))
            .order_by(col(Person.id))
        )
    ).all()
    usable = [c for c in channels if c in available_channels(settings)]
    mass_used = await _mass_counts(session, ids, now) if Channel.MASS in usable else {}
    openids = [f.openid for _, f in people if f is not None]
    last = await _last_messages(session, openids) if Channel.CUSTOM in usable else {}
    plans: list[Reach] = []
    for person, follower in people:
        assert person.id is not None
        if follower is None:
            plans.append(Reach(person.id, person.name, None, None, NOT_BOUND))
            continue
        if not follower.subscribed:
            plans.append(Reach(person.id, person.name, follower.openid, None, UNFOLLOWED))
            continue
        chosen, why = None, NO_CHANNEL
        for channel in usable:
            if channel is Channel.MASS and mass_used.get(person.id, 0) >= MASS_PER_PERSON_PER_MONTH:
                why = _WHY_NOT[channel]
                continue
            if channel is Channel.CUSTOM:
                seen = last.get(follower.openid)
                if seen is None or now - seen > CUSTOM_WINDOW:
                    why = _WHY_NOT[channel]
                    continue
            chosen = channel
            break
        if not usable and channels:
            why = _WHY_NOT[channels[0]]
        plans.append(
            Reach(person.id, person.name, follower.openid, chosen, None if chosen else why)
        )
    return _lone_mass_moves_on(plans, usable, settings)


def _lone_mass_moves_on(
    plans: list[Reach], usable: list[Channel], settings: Settings
) -> list[Reach]:
    """mass/send needs at least two openids: a lone mass recipient takes the next channel."""
    mass = [p for p in plans if p.channel is Channel.MASS]
    if len(mass) != 1 or settings.wechat_account_type != "service":
        return plans
    lone = mass[0]
    after = usable[usable.index(Channel.MASS) + 1 :]
    fallback = next((c for c in after if c is not Channel.CUSTOM), None)
    replacement = Reach(
        lone.person_id,
        lone.name,
        lone.openid,
        fallback,
        None if fallback else "群发至少需要 2 位接收人，且没有其他可用渠道",
    )
    return [replacement if p is lone else p for p in plans]


async def audience(
    session: AsyncSession, *, unit_ids: set[int] | None = None, party_members_only: bool = False
) -> list[int]:
    """The active people of the units (everyone when None), optionally Party members only."""

    statement = select(Person.id).where(Person.status == PersonStatus.ACTIVE.value)
    if unit_ids is not None:
        statement = statement.where(col(Person.org_unit_id).in_(unit_ids))
    if party_members_only:
        statement = statement.where(
            col(Person.stage).in_([PoliticalStage.PROBATIONARY.value, PoliticalStage.FULL.value])
        )
    return [int(pid) for pid in (await session.exec(statement)).all() if pid is not None]
