"""Demo integrity work for `make run`: this year's 廉洁承诺书 (partly signed) and a 廉政谈话."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.config import Settings
from app.models import (
    AudienceKind,
    IntegrityTalk,
    OrgUnit,
    OrgUnitKind,
    Person,
    PledgeCampaign,
    SignatureChannel,
    TalkCategory,
)
from app.models.types import CHINA
from app.services import audit, integrity_talks
from app.services.pledges import campaigns, signing
from app.services.pledges.campaigns import CampaignDraft

DEMO_ACTOR = audit.Actor(id=None, name="seed-demo")
PLEDGE_TEXT = """为深入推进党风廉政建设，筑牢拒腐防变思想防线，本人郑重承诺：

一、坚定理想信念，严守政治纪律和政治规矩，自觉在思想上政治上行动上同党中央保持高度一致。

二、严格遵守中央八项规定及其实施细则精神，不违规收受礼品礼金，不违规操办婚丧喜庆事宜，不参与可能影响公正执行公务的宴请和娱乐活动。

三、秉公用权，不利用职务之便为本人或他人谋取私利；在财务、项目、物资采购等工作中严格执行制度和程序。

四、严格要求亲属和身边工作人员，不允许其利用本人影响谋取不正当利益。

五、自觉接受组织和群众监督，如有违反，自愿接受组织处理。"""
# Signed already, so the progress page has both lists; 王建国 (the simulator's member) has not.
SIGNED = ("ST002", "ST004", "ST005", "ST006", "ST008", "ST010")


async def seed_integrity(session: AsyncSession, *, settings: Settings, now: datetime) -> int:
    """Create what is missing; return how many rows were created."""
    created = 0
    year = now.astimezone(CHINA).year
    existing = await session.exec(select(PledgeCampaign).where(PledgeCampaign.year == year))
    if existing.first() is None:
        created += await _pledge(session, settings, now, year)
    if (await session.exec(select(IntegrityTalk))).first() is None:
        created += await _talk(session, now)
    return created


async def _pledge(session: AsyncSession, settings: Settings, now: datetime, year: int) -> int:
    branch = (
        await session.exec(select(OrgUnit).where(OrgUnit.kind == OrgUnitKind.BRANCH.value))
    ).first()
    assert branch is not None and branch.id is not None
    deadline = datetime.combine(
        (now.astimezone(CHINA) + timedelta(days=14)).date(), datetime.min.time(), CHINA
    ) + timedelta(hours=18)
    draft = CampaignDraft(
        title=f"{year}年度廉洁承诺书",
        year=year,
        org_unit_id=branch.id,
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
        await signing.sign(
            session,
            campaign=campaign,
            person=person,
            version_number=campaign.current_version,
            channel=SignatureChannel.PAGE_OAUTH,
            now=now,
        )
    return 1


async def _talk(session: AsyncSession, now: datetime) -> int:
    person = (await session.exec(select(Person).where(Person.employee_no == "ST002"))).first()
    if person is None:
        return 0
    draft = integrity_talks.TalkDraft(
        person_id=person.id,
        category=TalkCategory.FINANCE.value,
        held_on=(now.astimezone(CHINA) - timedelta(days=10)).date(),
        held_by="王建国（党支部书记）",
        summary=(
            "围绕资金支付审批、票据审核和关联交易申报进行提醒谈话。"
            "本人表示将严格执行财务制度，定期自查，发现问题及时报告。"
        ),
    )
    await integrity_talks.record_talk(session, draft=draft, actor=DEMO_ACTOR, now=now)
    return 1
