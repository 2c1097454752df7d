"""People who join an open test's takers after it was published get its notice once."""

from __future__ import annotations

from sqlmodel import col, select

from app.models import Broadcast, BroadcastRecipient, JobOutcome, Quiz
from app.services import audit
from app.services.quizzes import publishing
from tests.support.app import AppClient
from tests.support.chat import add_party_members, china, run_job
from tests.support.plugin import Clock
from tests.support.quizzes import SUPERVISION, add_questions, add_quiz

DEADLINE = china(2026, 3, 10, 18)


async def _notices(client: AppClient, quiz_id: int) -> list[set[int]]:
    """Each notice of the test (oldest first) as the people it is for."""
    async with client.sessions() as session:
        found = (
            await session.exec(
                select(Broadcast)
                .where(Broadcast.subject_type == "quiz", Broadcast.subject_id == quiz_id)
                .order_by(col(Broadcast.id))
            )
        ).all()
        people = []
        for broadcast in found:
            assert broadcast.kind == "quiz_notice"
            rows = select(BroadcastRecipient.person_id).where(
                BroadcastRecipient.broadcast_id == broadcast.id
            )
            people.append({pid for pid in (await session.exec(rows)).all() if pid is not None})
        return people


async def test_newcomers_to_an_open_test_get_its_notice_once(
    client: AppClient, clock: Clock
) -> None:
    clock.set(china(2026, 3, 2, 9))
    first = await add_party_members(client, 20, prefix="a")
    quiz_id = await add_quiz(
        client, await add_questions(client, SUPERVISION), deadline=DEADLINE, status="draft"
    )
    async with client.sessions() as session:
        quiz = await session.get(Quiz, quiz_id)
        assert quiz is not None
        await publishing.publish(
            session, quiz=quiz, settings=client.settings, actor=audit.SYSTEM, now=clock()
        )
        await session.commit()
    clock.set(china(2026, 3, 3, 9))
    newcomers = await add_party_members(client, 2, prefix="n")  # now 22 are expected

    run = await run_job(client, "quizzes.newcomers")
    assert run.outcome == JobOutcome.OK.value and "2 人" in (run.detail or "")
    assert await _notices(client, quiz_id) == [
        {m.person_id for m in first},
        {m.person_id for m in newcomers},
    ]
    clock.set(china(2026, 3, 3, 9, 10))
    assert (await run_job(client, "quizzes.newcomers")).outcome == JobOutcome.IDLE.value
    assert len(await _notices(client, quiz_id)) == 2
