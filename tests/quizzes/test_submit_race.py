"""Two submissions racing (two tabs): the unique row keeps one, the other is told ALREADY."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from app.models import Person
from app.services.quizzes import answering, catalog
from app.services.quizzes.answering import Outcome
from tests.support.app import AppClient
from tests.support.chat import add_party_members, china
from tests.support.plugin import Backend, Clock
from tests.support.quizzes import SUPERVISION, add_questions, add_quiz, attempts


async def test_a_submission_racing_another_one_is_already(
    client: AppClient, clock: Clock, backend: Backend
) -> None:
    if backend.name != "postgresql":
        pytest.skip("row locks and concurrent inserts are what PostgreSQL does; SQLite serialises")
    clock.set(china(2026, 3, 2, 9))
    [member] = await add_party_members(client, 1)
    ids = await add_questions(client, SUPERVISION)
    quiz_id = await add_quiz(client, ids, deadline=china(2026, 3, 10, 18))
    sessions = client.sessions

    async def submit(session: Any, judge: str) -> answering.SubmitResult:
        quiz = await catalog.get(session, quiz_id=quiz_id)
        person = await session.get(Person, member.person_id)
        assert quiz is not None and person is not None
        answers = {ids[0]: "A", ids[1]: "ABC", ids[2]: judge}
        return await answering.submit(
            session, quiz=quiz, person=person, answers=answers, channel="page", now=clock()
        )

    async with sessions() as first, sessions() as second:
        # Both looked before either stored: the first inserts, the second's insert waits on it.
        mine = await submit(first, "A")
        assert mine.outcome is Outcome.SUBMITTED
        theirs = asyncio.create_task(submit(second, "B"))
        await asyncio.sleep(0.3)
        assert not theirs.done()  # blocked on the first one's uncommitted row
        await first.commit()
        result = await asyncio.wait_for(theirs, 5)
        assert result.outcome is Outcome.ALREADY
        assert result.attempt is not None and result.attempt.score == 100
        await second.commit()

    [attempt] = await attempts(client, quiz_id)
    assert attempt.score == 100 and attempt.answers[str(ids[2])] == "A"
