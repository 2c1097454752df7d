"""Shared by knowledge-test tests: questions and tests stored straight through the models."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import col, select

from app.models import AudienceKind, Question, QuestionKind, Quiz, QuizAttempt, QuizQuestion
from app.services.member_links import LINK_TTL, MemberLinks
from tests.support.app import AppClient
from tests.support.chat import branch_id


@dataclass(frozen=True)
class Q:
    """A question to store: its kind, stem, options, right letters and explanation."""

    kind: QuestionKind
    stem: str
    options: Sequence[str]
    answer: str
    explanation: str | None = None


def single(stem: str, options: Sequence[str], answer: str, explanation: str | None = None) -> Q:
    """A 单选题."""
    return Q(QuestionKind.SINGLE, stem, options, answer, explanation)


def multiple(stem: str, options: Sequence[str], answer: str, explanation: str | None = None) -> Q:
    """A 多选题."""
    return Q(QuestionKind.MULTIPLE, stem, options, answer, explanation)


def judge(stem: str, answer: str, explanation: str | None = None) -> Q:
    """A 判断题 (A 正确, B 错误)."""
    return Q(QuestionKind.JUDGE, stem, ["正确", "错误"], answer, explanation)


# A small 监察法 test: one of each kind.
SUPERVISION = [
    single(
        "监察委员会依照法律规定独立行使监察权，不受谁的干涉？",
        ["行政机关、社会团体和个人", "人民法院", "人民检察院", "上级监察委员会"],
        "A",
        "《监察法》第四条：不受行政机关、社会团体和个人的干涉。",
    ),
    multiple(
        "监察机关对涉嫌职务违法的人员可以采取哪些措施？",
        ["谈话", "询问", "查询", "罚款"],
        "ABC",
        "罚款不是监察措施。",
    ),
    judge("监察机关可以对所有行使公权力的公职人员进行监察。", "A", "监察全覆盖。"),
]


async def add_questions(client: AppClient, questions: Sequence[Q]) -> list[int]:
    """Store questions in the 监察法 bank; their ids in the same order."""
    async with client.sessions() as session:
        rows = [
            Question(
                bank="监察法",
                kind=q.kind.value,
                stem=q.stem,
                stem_sha256=hashlib.sha256(q.stem.encode()).hexdigest(),
                options=list(q.options),
                answer=q.answer,
                explanation=q.explanation,
            )
            for q in questions
        ]
        session.add_all(rows)
        await session.commit()
        return [row.id for row in rows if row.id is not None]


async def add_quiz(
    client: AppClient,
    question_ids: Sequence[int],
    *,
    deadline: datetime,
    status: str = "open",
    title: str = "监察法知识测试",
    pass_mark: int = 60,
    audience: AudienceKind = AudienceKind.PARTY_MEMBERS,
    org_unit_id: int | None = None,
    person_ids: Sequence[int] = (),
) -> int:
    """A test of these questions (in this order) for the branch's Party members; its id."""
    unit = org_unit_id or await branch_id(client)
    async with client.sessions() as session:
        quiz = Quiz(
            title=title,
            org_unit_id=unit,
            audience=audience.value,
            person_ids=list(person_ids),
            deadline=deadline,
            pass_mark=pass_mark,
            status=status,
        )
        session.add(quiz)
        await session.flush()
        assert quiz.id is not None
        for position, question_id in enumerate(question_ids, 1):
            session.add(QuizQuestion(quiz_id=quiz.id, question_id=question_id, position=position))
        await session.commit()
        return quiz.id


async def attempts(client: AppClient, quiz_id: int | None = None) -> list[QuizAttempt]:
    """The stored attempts (of one test), oldest first."""
    async with client.sessions() as session:
        statement = select(QuizAttempt).order_by(col(QuizAttempt.id))
        if quiz_id is not None:
            statement = statement.where(QuizAttempt.quiz_id == quiz_id)
        return list((await session.exec(statement)).all())


def link_token(client: AppClient, quiz_id: int, person_id: int, **when: Any) -> str:
    """The signed `t` a push's link carries for this person (valid for LINK_TTL from now)."""
    app = client.app
    links = MemberLinks(app.state.settings.secret_key.get_secret_value())
    expires = when.get("expires") or app.state.clock() + LINK_TTL
    return str(
        links.token(page="quizzes", subject_id=quiz_id, person_id=person_id, expires=expires)
    )


def phone(client: AppClient) -> AppClient:
    """Another phone (its own cookies) on the same app."""
    return AppClient(client.app)
