"""Reading tests: a test, its questions in order, and whether it takes answers now."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.models import Person, Question, Quiz, QuizQuestion, QuizStatus
from app.services import audiences


async def get(session: AsyncSession, *, quiz_id: int) -> Quiz | None:
    """The test with this id."""
    return await session.get(Quiz, quiz_id)


async def questions_of(session: AsyncSession, *, quiz_id: int) -> list[Question]:
    """The test's questions in their order."""
    statement = (
        select(Question)
        .join(QuizQuestion, col(QuizQuestion.question_id) == col(Question.id))
        .where(QuizQuestion.quiz_id == quiz_id)
        .order_by(col(QuizQuestion.position))
    )
    return list((await session.exec(statement)).all())


def accepts_answers(quiz: Quiz, now: datetime) -> bool:
    """Published, not closed or cancelled, and before its deadline."""
    return quiz.status == QuizStatus.OPEN.value and now < quiz.deadline


async def takers(session: AsyncSession, *, quiz: Quiz) -> list[int]:
    """The people the test asks, today."""
    return await audiences.resolve(session, target=quiz)


async def asks(session: AsyncSession, *, quiz: Quiz, person: Person) -> bool:
    """Whether the test asks this person."""
    return await audiences.includes(session, target=quiz, person=person)


async def open_for(session: AsyncSession, *, person: Person, now: datetime) -> list[Quiz]:
    """The tests taking answers now that ask this person, earliest deadline first."""
    statement = (
        select(Quiz)
        .where(Quiz.status == QuizStatus.OPEN.value, col(Quiz.deadline) > now)
        .order_by(col(Quiz.deadline), col(Quiz.id))
    )
    return await audiences.asking(
        session, targets=(await session.exec(statement)).all(), person=person
    )
