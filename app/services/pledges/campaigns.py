"""A pledge campaign: its versioned text, audience, deadline and reminder rules; publishing."""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta
from typing import Any

from pydantic import BaseModel, Field, field_validator, model_validator
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.config import Settings
from app.models import (
    AudienceKind,
    Broadcast,
    CampaignStatus,
    Person,
    PledgeCampaign,
    PledgeVersion,
)
from app.models.types import CHINA
from app.services import audiences, audit
from app.services.broadcasts import notices

_BY_DEADLINE = (col(PledgeCampaign.deadline), col(PledgeCampaign.id))
MAX_TEXT = 10_000  # a 廉洁承诺书 is a page or two; this leaves room and bounds the row
# A chat reply carries the full text only when it fits WeChat's 2,048-byte text limit.
CHAT_TEXT_BYTES = 1_800


class CampaignError(ValueError):
    """A campaign change the rules refuse, with the reason in Chinese."""


class CampaignDraft(BaseModel):
    """What the console form edits."""

    title: str = Field(min_length=1, max_length=100)
    year: int = Field(ge=2000, le=2100)
    org_unit_id: int
    audience: AudienceKind = AudienceKind.MEMBERS_AND_MANAGERS
    person_ids: list[int] = []
    deadline: datetime
    remind_every_days: int = Field(default=3, ge=1, le=30)
    remind_max: int = Field(default=3, ge=0, le=10)
    text: str = Field(min_length=1, max_length=MAX_TEXT)

    @field_validator("title", "text")
    @classmethod
    def _stripped(cls, value: str) -> str:
        value = value.strip()
        if not value:
            raise ValueError("不能为空")
        return value

    @model_validator(mode="after")
    def _named_list(self) -> CampaignDraft:
        if self.audience is AudienceKind.PEOPLE and not self.person_ids:
            raise ValueError("选择「指定人员」时请至少选一人")
        return self


def text_hash(text: str) -> str:
    """SHA-256 of the text exactly as shown and signed (UTF-8)."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def deadline_label(campaign: PledgeCampaign) -> str:
    """ "12月31日 18:00" in China time."""
    local = campaign.deadline.astimezone(CHINA)
    return f"{local.month}月{local.day}日 {local:%H:%M}"


async def get(session: AsyncSession, *, campaign_id: int) -> PledgeCampaign | None:
    """The campaign with this id."""
    return await session.get(PledgeCampaign, campaign_id)


async def version(session: AsyncSession, *, campaign_id: int, number: int) -> PledgeVersion | None:
    """One version of the campaign's text."""
    statement = select(PledgeVersion).where(
        PledgeVersion.campaign_id == campaign_id, PledgeVersion.number == number
    )
    return (await session.exec(statement)).first()


async def current(session: AsyncSession, *, campaign: PledgeCampaign) -> PledgeVersion:
    """The version being signed now."""
    assert campaign.id is not None
    found = await version(session, campaign_id=campaign.id, number=campaign.current_version)
    assert found is not None, "a campaign always has a text"
    return found


async def versions(session: AsyncSession, *, campaign_id: int) -> list[PledgeVersion]:
    """Every version of the text, newest first."""
    statement = (
        select(PledgeVersion)
        .where(PledgeVersion.campaign_id == campaign_id)
        .order_by(col(PledgeVersion.number).desc())
    )
    return list((await session.exec(statement)).all())


async def signers_wanted(session: AsyncSession, *, campaign: PledgeCampaign) -> list[int]:
    """The people the campaign asks, today."""
    return await audiences.resolve(session, target=campaign)


def _snapshot(campaign: PledgeCampaign) -> dict[str, Any]:
    return {
        "title": campaign.title,
        "year": campaign.year,
        "org_unit_id": campaign.org_unit_id,
        "audience": campaign.audience,
        "person_ids": list(campaign.person_ids),
        "deadline": campaign.deadline.isoformat(),
        "remind_every_days": campaign.remind_every_days,
        "remind_max": campaign.remind_max,
        "current_version": campaign.current_version,
    }


async def _add_version(
    session: AsyncSession, campaign: PledgeCampaign, text: str, by: str | None, now: datetime
) -> None:
    assert campaign.id is not None
    campaign.current_version += 1
    session.add(
        PledgeVersion(
            campaign_id=campaign.id,
            number=campaign.current_version,
            text=text,
            sha256=text_hash(text),
            created_by=by,
            created_at=now,
        )
    )


async def create(
    session: AsyncSession, *, draft: CampaignDraft, actor: audit.Actor, now: datetime
) -> PledgeCampaign:
    """A new draft campaign with version 1 of its text."""
    if draft.deadline <= now:
        raise CampaignError("截止时间必须晚于现在。")
    campaign = PledgeCampaign(
        **draft.model_dump(exclude={"text", "audience"}),
        audience=draft.audience.value,
        created_by=actor.name,
        created_at=now,
        updated_at=now,
    )
    session.add(campaign)
    await session.flush()
    await _add_version(session, campaign, draft.text, actor.name, now)
    await audit.record(
        session,
        actor=actor,
        action="pledge.create",
        target_type="pledge_campaign",
        target_id=campaign.id,
        summary=campaign.title,
        after=_snapshot(campaign),
    )
    await session.flush()
    return campaign


async def update(
    session: AsyncSession,
    *,
    campaign: PledgeCampaign,
    draft: CampaignDraft,
    actor: audit.Actor,
    now: datetime,
) -> PledgeCampaign:
    """Change a campaign; a changed text becomes a new version (signatures keep theirs)."""
    if campaign.status in (CampaignStatus.CLOSED.value, CampaignStatus.CANCELLED.value):
        raise CampaignError("已截止或已取消的承诺书不能再修改；新的一年请新建承诺书。")
    if draft.deadline <= now and draft.deadline != campaign.deadline:
        raise CampaignError("截止时间必须晚于现在。")
    before = _snapshot(campaign)
    for name, value in draft.model_dump(exclude={"text", "audience"}).items():
        setattr(campaign, name, value)
    campaign.audience = draft.audience.value
    if draft.text != (await current(session, campaign=campaign)).text:
        await _add_version(session, campaign, draft.text, actor.name, now)
    campaign.updated_at = now
    session.add(campaign)
    await audit.record(
        session,
        actor=actor,
        action="pledge.update",
        target_type="pledge_campaign",
        target_id=campaign.id,
        summary=campaign.title,
        before=before,
        after=_snapshot(campaign),
    )
    await session.flush()
    return campaign


def page_url(campaign: PledgeCampaign, settings: Settings) -> str:
    """The member page with the full text and the 我承诺 button."""
    return f"{settings.public_base_url.rstrip('/')}/m/pledges/{campaign.id}"


def chat_text(campaign: PledgeCampaign, text: PledgeVersion) -> str | None:
    """The full text for a chat message, or None when it is too long for one."""
    body = f"《{campaign.title}》\n\n{text.text}"
    return body if len(body.encode("utf-8")) <= CHAT_TEXT_BYTES else None


def prompt_message(
    campaign: PledgeCampaign, text: PledgeVersion, settings: Settings, *, reminder: int = 0
) -> dict[str, Any]:
    """The prompt (or the n-th reminder) on every channel, with the page link."""
    head = "【廉洁承诺提醒】您还没有签署" if reminder else "【廉洁承诺】请阅读并签署"
    how = "点击链接阅读全文并签署；也可以点击菜单「廉洁承诺」阅读后回复「我承诺」。"
    return {
        "title": f"{'提醒：' if reminder else ''}请签署《{campaign.title}》",
        "url": page_url(campaign, settings),
        "track_opens": True,  # each person's own link names them on the page
        "version": text.number,
        "text": f"{head}《{campaign.title}》，截止 {deadline_label(campaign)}。\n{how}",
        "description": f"截止 {deadline_label(campaign)}，点击阅读全文并签署。",
        "template": {
            "thing1": campaign.title,
            "thing2": "请阅读全文并签署",
            "time3": f"{campaign.deadline.astimezone(CHINA):%Y-%m-%d %H:%M} 前",
        },
        "subscribe": {
            "thing1": campaign.title,
            "time2": f"{campaign.deadline.astimezone(CHINA):%Y-%m-%d %H:%M}",
            "thing3": "请阅读全文并签署",
        },
    }


async def publish(
    session: AsyncSession,
    *,
    campaign: PledgeCampaign,
    settings: Settings,
    actor: audit.Actor,
    now: datetime,
) -> Broadcast | None:
    """Open the campaign for signing and send the prompt to everyone it asks."""
    assert campaign.id is not None
    if campaign.status != CampaignStatus.DRAFT.value:
        raise CampaignError("这份承诺书已经发布过了。")
    if campaign.deadline <= now:
        raise CampaignError("截止时间已过，请先修改截止时间再发布。")
    campaign.status, campaign.published_at, campaign.updated_at = (
        CampaignStatus.OPEN.value,
        now,
        now,
    )
    session.add(campaign)
    people = await signers_wanted(session, campaign=campaign)
    prompt = await notices.notify(
        session,
        key=f"pledge:{campaign.id}:prompt",
        kind="pledge_prompt",
        subject=("pledge_campaign", campaign.id),
        message=prompt_message(campaign, await current(session, campaign=campaign), settings),
        people=people,
        settings=settings,
        now=now,
        created_by=actor.name,
    )
    await audit.record(
        session,
        actor=actor,
        action="pledge.publish",
        target_type="pledge_campaign",
        target_id=campaign.id,
        summary=f"{campaign.title}：{len(people)} 人",
    )
    await session.flush()
    return prompt


async def cancel(
    session: AsyncSession, *, campaign: PledgeCampaign, actor: audit.Actor, now: datetime
) -> int:
    """Call the campaign off: no more signatures or reminders (the signatures stay on record).

    Its prompts and reminders not sent yet are stopped ("please sign" for a cancelled pledge
    would only confuse); returns how many messages that held back.
    """
    if campaign.status in (CampaignStatus.CLOSED.value, CampaignStatus.CANCELLED.value):
        raise CampaignError("这份承诺书已经截止或取消。")
    campaign.status, campaign.updated_at = CampaignStatus.CANCELLED.value, now
    session.add(campaign)
    assert campaign.id is not None
    stopped = await notices.stop_queued(
        session, subject=("pledge_campaign", campaign.id), now=now, by=actor.name
    )
    await audit.record(
        session,
        actor=actor,
        action="pledge.cancel",
        target_type="pledge_campaign",
        target_id=campaign.id,
        summary=campaign.title,
    )
    await session.flush()
    return stopped


def accepts_signatures(campaign: PledgeCampaign, now: datetime) -> bool:
    """Open and before the deadline."""
    return campaign.status == CampaignStatus.OPEN.value and now < campaign.deadline


async def open_for(session: AsyncSession, *, person: Person, now: datetime) -> list[PledgeCampaign]:
    """The campaigns taking signatures now that ask this person, earliest deadline first."""
    statement = select(PledgeCampaign).where(
        PledgeCampaign.status == CampaignStatus.OPEN.value, col(PledgeCampaign.deadline) > now
    )
    found = await session.exec(statement.order_by(*_BY_DEADLINE))
    return await audiences.asking(session, targets=found.all(), person=person)


async def closed_recently_for(
    session: AsyncSession, *, person: Person, now: datetime, within: timedelta
) -> list[PledgeCampaign]:
    """The campaigns asking this person whose deadline passed within `within` (to say so)."""
    statement = select(PledgeCampaign).where(
        col(PledgeCampaign.status).in_([CampaignStatus.OPEN.value, CampaignStatus.CLOSED.value]),
        col(PledgeCampaign.deadline) <= now,
        col(PledgeCampaign.deadline) > now - within,
    )
    found = await session.exec(statement.order_by(*_BY_DEADLINE))
    return await audiences.asking(session, targets=found.all(), person=person)
