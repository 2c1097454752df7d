"""A demo 廉政谈话 for `make run`: a talk with the finance manager ten days ago."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.dev.demo.common import DEMO_ACTOR
from app.models import IntegrityTalk, Person, TalkCategory
from app.models.types import CHINA
from app.services.talks import records as integrity_talks


async def seed_talks(session: AsyncSession, *, now: datetime) -> int:
    """One talk, unless there is one; return how many rows were created."""
    if (await session.exec(select(IntegrityTalk))).first() is not None:
        return 0
    return await _talk(session, now)


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
