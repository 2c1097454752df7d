"""知识测试 over REST: tests and their attempts and scores, read only (never ranked)."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter
from pydantic import BaseModel
from sqlmodel import col, select

from app.api.deps import CurrentPrincipal, Session
from app.api.errors import error_responses
from app.api.v1.common import IdPath, not_found
from app.models import Quiz
from app.models.quizzes import QUIZ_STATUS_LABELS, QuizStatus
from app.services.quizzes import results as results_service

router = APIRouter(prefix="/quizzes", tags=["quizzes"])

FOUND = error_responses(404)


class QuizSummary(BaseModel):
    """A test: its unit, deadline, pass mark and where it stands."""

    id: int
    title: str
    org_unit_id: int
    status: str
    status_label: str
    deadline: datetime
    pass_mark: int
    published_at: datetime | None


class AttemptPublic(BaseModel):
    """One person asked by the test and how they did (by unit and name, not by score)."""

    person_id: int
    person_name: str
    unit: str
    state: str
    state_label: str
    score: int | None
    correct: int | None
    total: int | None
    passed: bool | None
    at: datetime | None


class QuizDetail(QuizSummary):
    """A test with its figures and the attempts of the caller's units' people."""

    takers: int
    submitted: int
    passed: int
    average: float | None
    attempts: list[AttemptPublic]


def _summary(quiz: Quiz) -> QuizSummary:
    return QuizSummary(
        id=quiz.id or 0,
        title=quiz.title,
        org_unit_id=quiz.org_unit_id,
        status=quiz.status,
        status_label=QUIZ_STATUS_LABELS.get(QuizStatus(quiz.status), quiz.status),
        deadline=quiz.deadline,
        pass_mark=quiz.pass_mark,
        published_at=quiz.published_at,
    )


@router.get("")
async def list_quizzes(session: Session, principal: CurrentPrincipal) -> list[QuizSummary]:
    """The tests of your units, newest first."""
    statement = select(Quiz).order_by(col(Quiz.deadline).desc(), col(Quiz.id).desc())
    if principal.unit_ids is not None:
        statement = statement.where(col(Quiz.org_unit_id).in_(list(principal.unit_ids)))
    return [_summary(q) for q in (await session.exec(statement)).all()]


@router.get("/{quiz_id:int}", responses=FOUND)
async def get_quiz(quiz_id: IdPath, session: Session, principal: CurrentPrincipal) -> QuizDetail:
    """One test with its attempts and scores (a secretary sees their units' people only)."""
    quiz = await session.get(Quiz, quiz_id)
    if quiz is None or not principal.sees_unit(quiz.org_unit_id):
        raise not_found("没有找到该测试")
    found = await results_service.results(session, quiz=quiz, unit_ids=principal.unit_ids)
    return QuizDetail(
        **_summary(quiz).model_dump(),
        takers=found.summary.takers,
        submitted=found.summary.submitted,
        passed=found.summary.passed,
        average=found.summary.average,
        attempts=[
            AttemptPublic(
                person_id=row.person_id,
                person_name=row.name,
                unit=row.unit,
                state=row.state,
                state_label=row.state_label,
                score=row.score,
                correct=row.correct,
                total=row.total,
                passed=row.passed,
                at=row.at,
            )
            for row in found.rows
        ],
    )
