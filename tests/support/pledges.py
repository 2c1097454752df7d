"""Shared by pledge tests: campaigns made and published as the console does, and sending."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from sqlmodel import col, select

from app.jobs.broadcasts import send_due
from app.models import (
    AudienceKind,
    Broadcast,
    PledgeCampaign,
    PledgeSignature,
)
from app.services import audit
from app.services.pledges import campaigns
from app.services.pledges.campaigns import CampaignDraft
from tests.support.app import AppClient
from tests.support.chat import branch_id, runner_for

PLEDGE_TEXT = (
    "本人郑重承诺：\n一、严守政治纪律和政治规矩。\n二、廉洁自律，不以权谋私。\n"
    "三、不收受任何可能影响公正执行公务的礼品、礼金。\n承诺人自愿接受组织和群众监督。"
)


async def make_campaign(
    client: AppClient,
    *,
    deadline: datetime,
    text: str = PLEDGE_TEXT,
    publish: bool = True,
    **fields: Any,
) -> int:
    """A campaign for the branch (members and managers), published unless told otherwise."""
    app = client.app
    values: dict[str, Any] = {
        "title": "2026年度廉洁承诺书",
        "year": 2026,
        "org_unit_id": fields.pop("org_unit_id", None) or await branch_id(client),
        "audience": AudienceKind.MEMBERS_AND_MANAGERS,
        "deadline": deadline,
        "text": text,
    }
    draft = CampaignDraft(**(values | fields))
    now = app.state.clock()
    async with app.state.sessions() as session:
        campaign = await campaigns.create(session, draft=draft, actor=audit.SYSTEM, now=now)
        if publish:
            await campaigns.publish(
                session, campaign=campaign, settings=app.state.settings, actor=audit.SYSTEM, now=now
            )
        await session.commit()
        assert campaign.id is not None
        return campaign.id


async def edit_text(client: AppClient, campaign_id: int, text: str) -> None:
    """An admin changes the text (a new version)."""
    app = client.app
    async with app.state.sessions() as session:
        campaign = await session.get(PledgeCampaign, campaign_id)
        assert campaign is not None
        current = await campaigns.current(session, campaign=campaign)
        assert current.text != text
        await campaigns.update(
            session,
            campaign=campaign,
            draft=draft_with_text(campaign, text),
            actor=audit.SYSTEM,
            now=app.state.clock(),
        )
        await session.commit()


async def send(client: AppClient) -> None:
    """Send every broadcast due, as the scheduler's sender would."""
    await send_due(runner_for(client).ctx, client.state.clock())


async def signatures(client: AppClient, campaign_id: int) -> list[PledgeSignature]:
    """Every signature of the campaign (voided ones too), oldest first."""
    async with client.sessions() as session:
        statement = (
            select(PledgeSignature)
            .where(PledgeSignature.campaign_id == campaign_id)
            .order_by(col(PledgeSignature.id))
        )
        return list((await session.exec(statement)).all())


async def pledge_broadcasts(client: AppClient, campaign_id: int) -> list[Broadcast]:
    """The campaign's broadcasts (prompt, reminders, the deadline notice), oldest first."""
    async with client.sessions() as session:
        statement = (
            select(Broadcast)
            .where(Broadcast.subject_type == "pledge_campaign", Broadcast.subject_id == campaign_id)
            .order_by(col(Broadcast.id))
        )
        return list((await session.exec(statement)).all())


def link_sent_to(client: AppClient, openid: str) -> str:
    """The path of the newest link the phone received (a template's url or a news article's)."""
    sandbox = client.sandbox
    for delivery in reversed(sandbox.deliveries):
        if delivery.openid != openid or delivery.channel == "reply":
            continue
        payload = delivery.payload
        url = payload.get("url") or _news_url(payload) or payload.get("page")
        if url:
            parts = urlsplit(str(url))
            return f"{parts.path}?{parts.query}" if parts.query else parts.path
    raise AssertionError(f"no link reached {openid}")


def _news_url(payload: dict[str, Any]) -> str | None:
    articles = payload.get("articles") or (payload.get("news") or {}).get("articles") or []
    return str(articles[0].get("url")) if articles else None


def draft_with_text(campaign: PledgeCampaign, text: str) -> CampaignDraft:
    """The campaign as it stands, with a new text (saving it makes a new version)."""
    return CampaignDraft(
        title=campaign.title,
        year=campaign.year,
        org_unit_id=campaign.org_unit_id,
        audience=AudienceKind(campaign.audience),
        person_ids=campaign.person_ids,
        deadline=campaign.deadline,
        remind_every_days=campaign.remind_every_days,
        remind_max=campaign.remind_max,
        text=text,
    )
