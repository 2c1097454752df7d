"""Knowledge tests: compose one (its questions, audience, deadline, pass mark), list them."""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from pydantic import field_validator, model_validator
from sqlmodel import Field, SQLModel, col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.models import (
    AudienceKind,
    Question,
    QuestionKind,
    Quiz,
    QuizQuestion,
    QuizStatus,
)
from app.models.people import _storable
from app.models.types import CHINA, china_moment, label_of
from app.services import audit

MAX_QUESTIONS = 200


class QuizDraft(SQLModel):
    """What an admin fills in for a test."""

    title: str = Field(min_length=1, max_length=100)
    description: str | None = Field(default=None, max_length=2000)
    org_unit_id: int
    audience: AudienceKind = AudienceKind.PARTY_MEMBERS
    person_ids: list[int] = Field(default_factory=list)
    deadline: datetime
    pass_mark: int = Field(default=60, ge=1, le=100)
    question_ids: list[int] = Field(default_factory=list, max_length=MAX_QUESTIONS)

    @field_validator("deadline")
    @classmethod
    def _aware_minute(cls, value: datetime) -> datetime:
        # A naive time is China time (what admins type).
        if value.tzinfo is None:
            value = value.replace(tzinfo=CHINA)
        return value.replace(second=0, microsecond=0).astimezone(UTC)

    @field_validator("title", "description")
    @classmethod
    def _text_storable(cls, value: str | None) -> str | None:
        if value is None:
            return None
        stripped = str(_storable(value)).strip()
        return stripped or None

    @model_validator(mode="after")
    def _consistent(self) -> QuizDraft:
        if self.audience is AudienceKind.PEOPLE and not self.person_ids:
            raise ValueError("请至少选择一位参加测试的人员")
        if self.audience is not AudienceKind.PEOPLE:
            self.person_ids = []
        # The same question twice would be scored twice: keep its first place only.
        self.question_ids = list(dict.fromkeys(self.question_ids))
        self.person_ids = sorted(set(self.person_ids))
        return self


class DraftRejected(ValueError):
    """The draft cannot be saved: the reasons by form field, in Chinese."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(errors.values()))
        self.errors = errors


class QuizStateError(ValueError):
    """The test is not in a state that allows this (the message is Chinese and shown as is)."""


def status_label(quiz: Quiz, now: datetime) -> str:
    """草稿, 进行中, 已截止 (open past its deadline), 已结束 or 已取消."""
    if quiz.status == QuizStatus.OPEN.value and now >= quiz.deadline:
        return "已截止"
    return label_of(QuizStatus, quiz.status)


def deadline_text(quiz: Quiz) -> str:
    """ "12月5日 18:00" in China time."""
    return china_moment(quiz.deadline)


async def question_ids_of(session: AsyncSession, *, quiz_id: int) -> list[int]:
    """The test's question ids in their order."""
    statement = (
        select(QuizQuestion.question_id)
        .where(QuizQuestion.quiz_id == quiz_id)
        .order_by(col(QuizQuestion.position))
    )
    return list((await session.exec(statement)).all())


def draft_of(quiz: Quiz, question_ids: Sequence[int]) -> QuizDraft:
    """The draft an edit form starts from."""
    return QuizDraft(
        title=quiz.title,
        description=quiz.description,
        org_unit_id=quiz.org_unit_id,
        audience=AudienceKind(quiz.audience),
        person_ids=list(quiz.person_ids),
        deadline=quiz.deadline,
        pass_mark=quiz.pass_mark,
        question_ids=list(question_ids),
    )


async def problems(
    session: AsyncSession, *, draft: QuizDraft, now: datetime, quiz: Quiz | None = None
) -> dict[str, str]:
    """What keeps the draft from being saved, by form field (empty: it may be saved)."""
    errors: dict[str, str] = {}
    if draft.deadline <= now:
        errors["deadline"] = "截止时间应晚于现在。"
    if not draft.question_ids:
        errors["question_ids"] = "请至少选择一道题。"
        return errors
    found = {
        q.id: q
        for q in (
            await session.exec(select(Question).where(col(Question.id).in_(draft.question_ids)))
        ).all()
    }
    # A question retired after it was put in this draft may stay; new picks must be in use.
    kept = (
        set()
        if quiz is None or quiz.id is None
        else set(await question_ids_of(session, quiz_id=quiz.id))
    )
    missing = [qid for qid in draft.question_ids if qid not in found]
    retired = [
        qid
        for qid in draft.question_ids
        if qid in found and not found[qid].active and qid not in kept
    ]
    if missing:
        errors["question_ids"] = f"有 {len(missing)} 道题已不存在，请重新选择。"
    elif retired:
        errors["question_ids"] = f"有 {len(retired)} 道题已停用，不能再选入测试。"
    return errors


async def _set_questions(session: AsyncSession, quiz: Quiz, question_ids: Sequence[int]) -> None:
    assert quiz.id is not None
    current = {
        row.question_id: row
        for row in (
            await session.exec(select(QuizQuestion).where(QuizQuestion.quiz_id == quiz.id))
        ).all()
    }
    for position, question_id in enumerate(question_ids, start=1):
        row = current.pop(question_id, None)
        if row is None:
            row = QuizQuestion(quiz_id=quiz.id, question_id=question_id, position=position)
        row.position = position
        session.add(row)
    for row in current.values():
        await session.delete(row)
    await session.flush()


def _apply(quiz: Quiz, draft: QuizDraft) -> None:
    quiz.title = draft.title
    quiz.description = draft.description
    quiz.org_unit_id = draft.org_unit_id
    quiz.audience = draft.audience.value
    quiz.person_ids = list(draft.person_ids)
    quiz.deadline = draft.deadline
    quiz.pass_mark = draft.pass_mark


def _view(quiz: Quiz, question_ids: Sequence[int]) -> dict[str, Any]:
    """The test for the audit trail, with its questions."""
    return {**(audit.snapshot(quiz) or {}), "question_ids": list(question_ids)}


async def create(
    session: AsyncSession, *, draft: QuizDraft, actor: audit.Actor, now: datetime
) -> Quiz:
    """Store a new draft test with its questions. Raises DraftRejected."""
    errors = await problems(session, draft=draft, now=now)
    if errors:
        raise DraftRejected(errors)
    quiz = Quiz(
        title=draft.title,
        org_unit_id=draft.org_unit_id,
        audience=draft.audience.value,
        deadline=draft.deadline,
        created_by=actor.name,
        created_at=now,
        updated_at=now,
    )
    _apply(quiz, draft)
    session.add(quiz)
    await session.flush()
    await _set_questions(session, quiz, draft.question_ids)
    await audit.record(
        session,
        actor=actor,
        action="quiz.create",
        target_type="quiz",
        target_id=quiz.id,
        summary=f"{quiz.title}（{len(draft.question_ids)} 题）",
        after=_view(quiz, draft.question_ids),
    )
    return quiz


async def update(
    session: AsyncSession, *, quiz: Quiz, draft: QuizDraft, actor: audit.Actor, now: datetime
) -> Quiz:
    """Change a draft test. Raises QuizStateError once published, DraftRejected when invalid."""
    if quiz.status != QuizStatus.DRAFT.value:
        raise QuizStateError("只有草稿状态的测试可以修改；已发布的测试不能再改题目和设置。")
    errors = await problems(session, draft=draft, now=now, quiz=quiz)
    if errors:
        raise DraftRejected(errors)
    assert quiz.id is not None
    before = _view(quiz, await question_ids_of(session, quiz_id=quiz.id))
    _apply(quiz, draft)
    quiz.updated_at = now
    session.add(quiz)
    await _set_questions(session, quiz, draft.question_ids)
    await audit.record(
        session,
        actor=actor,
        action="quiz.update",
        target_type="quiz",
        target_id=quiz.id,
        summary=f"{quiz.title}（{len(draft.question_ids)} 题）",
        before=before,
        after=_view(quiz, draft.question_ids),
    )
    return quiz


async def random_pick(
    session: AsyncSession,
    *,
    bank: str,
    counts: Mapping[QuestionKind | None, int],
    rng: random.Random | None = None,
) -> list[int]:
    """N active questions of the bank drawn at random, per kind (None: any kind), kind by kind.

    Raises ValueError (Chinese) when the bank has too few.
    """
    chooser = rng or random.SystemRandom()
    pool = list(
        (
            await session.exec(
                select(Question).where(Question.bank == bank, col(Question.active).is_(True))
            )
        ).all()
    )
    picked: list[Question] = []
    for kind in (QuestionKind.SINGLE, QuestionKind.MULTIPLE, QuestionKind.JUDGE):
        wanted = counts.get(kind, 0)
        if wanted <= 0:
            continue
        of_kind = [q for q in pool if q.kind == kind.value]
        if len(of_kind) < wanted:
            raise ValueError(
                f"题库「{bank}」只有 {len(of_kind)} 道可用的{kind.label}，不够抽取 {wanted} 道。"
            )
        picked.extend(chooser.sample(of_kind, wanted))
    anything = counts.get(None, 0)
    if anything > 0:
        taken = {q.id for q in picked}
        rest = [q for q in pool if q.id not in taken]
        if len(rest) < anything:
            raise ValueError(f"题库「{bank}」只有 {len(rest)} 道可用的题，不够抽取 {anything} 道。")
        picked.extend(chooser.sample(rest, anything))
    if not picked:
        raise ValueError("请填写要抽取的题数。")
    # Laid out kind by kind (单选, 多选, 判断), as a paper test is; random within each kind.
    order = {QuestionKind.SINGLE.value: 0, QuestionKind.MULTIPLE.value: 1}
    picked.sort(key=lambda q: order.get(q.kind, 2))
    return [q.id for q in picked if q.id is not None]


async def in_units(session: AsyncSession, *, unit_ids: frozenset[int] | None) -> list[Quiz]:
    """The tests of these units (None: all), newest first."""
    statement = select(Quiz)
    if unit_ids is not None:
        statement = statement.where(col(Quiz.org_unit_id).in_(unit_ids))
    statement = statement.order_by(col(Quiz.created_at).desc(), col(Quiz.id).desc())
    return list((await session.exec(statement)).all())
