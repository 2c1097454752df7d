"""Demo 廉洁承诺书 for `make run`: this year's campaign, published, part of the branch signed."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.config import Settings
from app.dev.demo.common import DEMO_ACTOR, demo_deadline
from app.models import AudienceKind, Person, PledgeCampaign, SignatureChannel
from app.models.types import CHINA
from app.services.binding import codes as bindings
from app.services.people import org_units
from app.services.pledges import campaigns, signing
from app.services.pledges.campaigns import CampaignDraft

PLEDGE_TEXT = """为深入推进党风廉政建设，筑牢拒腐防变思想防线，本人郑重承诺：

一、坚定理想信念，严守政治纪律和政治规矩，自觉在思想上政治上行动上同党中央保持高度一致。

二、严格遵守中央八项规定及其实施细则精神，不违规收受礼品礼金，不违规操办婚丧喜庆事宜，不参与可能影响公正执行公务的宴请和娱乐活动。

三、秉公用权，不利用职务之便为本人或他人谋取私利；在财务、项目、物资采购等工作中严格执行制度和程序。

四、严格要求亲属和身边工作人员，不允许其利用本人影响谋取不正当利益。

五、自觉接受组织和群众监督，如有违反，自愿接受组织处理。"""
# Signed already, so the progress page has both lists; 王建国 (the simulator's member) has not.
SIGNED = ("ST002", "ST004", "ST005", "ST006", "ST008", "ST010")


async def seed_pledges(session: AsyncSession, *, settings: Settings, now: datetime) -> int:
    """This year's campaign, unless there is one; return how many rows were created."""
    year = now.astimezone(CHINA).year
    existing = await session.exec(select(PledgeCampaign).where(PledgeCampaign.year == year))
    if existing.first() is not None:
        return 0
    branch = await org_units.ensure_default_tree(session)
    assert branch.id is not None
    return await _pledge(session, settings, now, year, branch.id, demo_deadline(now))


async def _pledge(
    session: AsyncSession,
    settings: Settings,
    now: datetime,
    year: int,
    branch_id: int,
    deadline: datetime,
) -> int:
    draft = CampaignDraft(
        title=f"{year}年度廉洁承诺书",
        year=year,
        org_unit_id=branch_id,
        audience=AudienceKind.MEMBERS_AND_MANAGERS,
        deadline=deadline,
        text=PLEDGE_TEXT,
    )
    campaign = await campaigns.create(session, draft=draft, actor=DEMO_ACTOR, now=now)
    await campaigns.publish(
        session, campaign=campaign, settings=settings, actor=DEMO_ACTOR, now=now
    )
    people = await session.exec(select(Person).where(col(Person.employee_no).in_(SIGNED)))
    for person in people.all():
        # WeChat's login names only a bound member; the others signed through their own link.
        bound = await bindings.follower_of(session, person_id=person.id or 0) is not None
        await signing.sign(
            session,
            campaign=campaign,
            person=person,
            version_number=campaign.current_version,
            channel=SignatureChannel.PAGE_OAUTH if bound else SignatureChannel.PAGE_LINK,
            now=now,
        )
    return 1
