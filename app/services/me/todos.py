"""What a member still has to do (sign a pledge, take a test), and what they did: for 我的."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from app.models import Person
from app.models.types import CHINA
from app.services.pledges import campaigns, signing
from app.services.quizzes import answering, catalog


@dataclass(frozen=True, slots=True)
class Todo:
    """One line of the member's list: what, by when or how it went, and where to do it."""

    text: str
    path: str | None  # a member page, when there is something to do there
    done: bool


def _day(moment: datetime) -> str:
    local = moment.astimezone(CHINA)
    return f"{local.month}月{local.day}日"


async def todos(session: AsyncSession, *, person: Person, now: datetime) -> list[Todo]:
    """Open pledges and tests that ask the person: what is left first, then what is done."""
    assert person.id is not None
    left: list[Todo] = []
    done: list[Todo] = []
    for campaign in await campaigns.open_for(session, person=person, now=now):
        assert campaign.id is not None
        path = f"/m/pledges/{campaign.id}"
        signature = await signing.standing(session, campaign_id=campaign.id, person_id=person.id)
        if signature is None:
            deadline = campaigns.deadline_label(campaign)
            left.append(Todo(f"签署《{campaign.title}》（{deadline} 截止）", path, False))
        else:
            day = _day(signature.signed_at)
            done.append(Todo(f"已签署《{campaign.title}》（{day}）", path, True))
    for quiz in await catalog.open_for(session, person=person, now=now):
        path = f"/m/quizzes/{quiz.id}"
        assert quiz.id is not None
        attempt = await answering.attempt_of(session, quiz_id=quiz.id, person_id=person.id)
        if attempt is None or attempt.submitted_at is None:
            deadline = f"{_day(quiz.deadline)} {quiz.deadline.astimezone(CHINA):%H:%M}"
            left.append(Todo(f"参加测试「{quiz.title}」（{deadline} 截止）", path, False))
        else:
            verdict = "合格" if attempt.passed else "不合格"
            done.append(Todo(f"测试「{quiz.title}」：{attempt.score} 分（{verdict}）", path, True))
    return left + done
