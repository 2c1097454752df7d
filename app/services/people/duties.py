"""One person's pledges and tests over the years, for their page in the console."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.models import (
    CampaignStatus,
    Person,
    PledgeCampaign,
    Quiz,
    QuizStatus,
)
from app.models.types import CHINA
from app.services import audiences
from app.services.pledges import signing
from app.services.quizzes import answering

SHOWN = 12  # of each kind, newest first: a person's page is not an archive


@dataclass(frozen=True, slots=True)
class Duty:
    """A pledge or a test that asked the person, and how it stands for them."""

    kind: str  # 承诺书 / 测试
    title: str
    path: str  # its console page
    state: str  # 已签署 · 12月3日 / 未签署 / 85 分 · 合格 / 未参加 / 答题中
    done: bool


def _day(moment: datetime) -> str:
    return f"{moment.astimezone(CHINA):%Y-%m-%d}"


async def duties(session: AsyncSession, *, person: Person, now: datetime) -> list[Duty]:
    """Published pledges and tests that ask the person (or that they answered), newest first."""
    assert person.id is not None
    found: list[Duty] = []
    campaigns = select(PledgeCampaign).where(PledgeCampaign.status != CampaignStatus.DRAFT.value)
    for campaign in (
        await session.exec(campaigns.order_by(col(PledgeCampaign.deadline).desc()).limit(SHOWN))
    ).all():
        assert campaign.id is not None
        signature = await signing.standing(session, campaign_id=campaign.id, person_id=person.id)
        if signature is None and not await audiences.includes(
            session, target=campaign, person=person
        ):
            continue
        state = (
            f"已签署 · 第 {signature.version_number} 版 · {_day(signature.signed_at)}"
            if signature
            else "未签署"
        )
        path = f"/admin/pledges/{campaign.id}"
        found.append(Duty("承诺书", campaign.title, path, state, signature is not None))
    quizzes = select(Quiz).where(Quiz.status != QuizStatus.DRAFT.value)
    for quiz in (
        await session.exec(quizzes.order_by(col(Quiz.deadline).desc()).limit(SHOWN))
    ).all():
        assert quiz.id is not None
        attempt = await answering.attempt_of(session, quiz_id=quiz.id, person_id=person.id)
        if attempt is None and not await audiences.includes(session, target=quiz, person=person):
            continue
        if attempt is not None and attempt.submitted_at is not None:
            state = f"{attempt.score} 分 · {'合格' if attempt.passed else '不合格'}"
        elif attempt is not None:
            state = "答题中"
        else:
            state = "未参加" if quiz.deadline <= now else "尚未作答"
        done = attempt is not None and attempt.submitted_at is not None
        found.append(Duty("测试", quiz.title, f"/admin/quizzes/{quiz.id}", state, done))
    return found
