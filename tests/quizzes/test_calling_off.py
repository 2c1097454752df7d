"""Closing or cancelling a test stops its notice where it has not gone out yet."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import pytest
from sqlmodel import select

from app.models import Broadcast, BroadcastRecipient, Quiz
from app.services import audit
from app.services.quizzes import publishing
from tests.support.app import AppClient
from tests.support.chat import add_party_members, china
from tests.support.plugin import Clock
from tests.support.quizzes import SUPERVISION, add_questions, add_quiz

CallOff = Callable[..., Awaitable[None]]  # publishing.close or publishing.cancel


@pytest.mark.parametrize("call_off", [publishing.close, publishing.cancel])
async def test_a_queued_notice_is_stopped(
    client: AppClient, clock: Clock, call_off: CallOff
) -> None:
    clock.set(china(2026, 3, 2, 9))
    await add_party_members(client, 2)
    ids = await add_questions(client, SUPERVISION)
    quiz_id = await add_quiz(client, ids, deadline=china(2026, 3, 10, 18), status="draft")
    app = client.app
    async with app.state.sessions() as session:
        quiz = await session.get(Quiz, quiz_id)
        assert quiz is not None
        notice = await publishing.publish(
            session, quiz=quiz, settings=app.state.settings, actor=audit.SYSTEM, now=clock()
        )
        assert notice is not None and notice.total == 2
        await call_off(session, quiz=quiz, actor=audit.SYSTEM, now=clock())
        await session.commit()

    async with app.state.sessions() as session:
        [broadcast] = (await session.exec(select(Broadcast))).all()
        rows = (await session.exec(select(BroadcastRecipient.status))).all()
    assert broadcast.status == "cancelled" and set(rows) == {"cancelled"}
