"""Knowledge tests (知识测试): a question bank imported from .xlsx, tests, and members' answers."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Column, ForeignKey, Integer, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from app.models.types import JSONType, UTCDateTime, utcnow


class QuestionKind(StrEnum):
    """How a question is answered."""

    SINGLE = "single"  # 单选题: one letter
    MULTIPLE = "multiple"  # 多选题: every right letter and no other
    JUDGE = "judge"  # 判断题: options 正确 / 错误, answered A or B

    @property
    def label(self) -> str:
        """The Chinese name."""
        return QUESTION_KIND_LABELS[self]


QUESTION_KIND_LABELS = {
    QuestionKind.SINGLE: "单选题",
    QuestionKind.MULTIPLE: "多选题",
    QuestionKind.JUDGE: "判断题",
}


class QuizStatus(StrEnum):
    """Where a test stands."""

    DRAFT = "draft"
    OPEN = "open"  # published: answers are taken until the deadline
    CLOSED = "closed"  # closed early by an admin (the deadline closes it too, by itself)
    CANCELLED = "cancelled"

    @property
    def label(self) -> str:
        """The Chinese name."""
        return QUIZ_STATUS_LABELS[self]


QUIZ_STATUS_LABELS = {
    QuizStatus.DRAFT: "草稿",
    QuizStatus.OPEN: "进行中",
    QuizStatus.CLOSED: "已结束",
    QuizStatus.CANCELLED: "已取消",
}


class Question(SQLModel, table=True):
    """One question of the bank: its options, the right answer and why."""

    __tablename__ = "question"
    __table_args__ = (UniqueConstraint("bank", "stem_sha256", name="uq_question_bank_stem"),)

    id: int | None = Field(default=None, primary_key=True)
    bank: str = Field(max_length=50, index=True)  # 题库, e.g. 监察法 (one import file each)
    kind: str = Field(max_length=16)  # a QuestionKind value
    stem: str = Field(sa_column=Column(Text, nullable=False))
    stem_sha256: str = Field(max_length=64)  # re-importing a question updates it, never doubles
    options: list[str] = Field(default_factory=list, sa_column=Column(JSONType, nullable=False))
    answer: str = Field(max_length=16)  # the right letters in order: "B", "ACD"
    explanation: str | None = Field(default=None, sa_column=Column(Text))
    active: bool = True  # a retired question stays for the tests that used it
    imported_by: str | None = Field(default=None, max_length=64)
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False)
    )
    updated_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False)
    )


class Quiz(SQLModel, table=True):
    """A knowledge test: its questions, who takes it, the deadline and the pass mark."""

    __tablename__ = "quiz"

    id: int | None = Field(default=None, primary_key=True)
    title: str = Field(max_length=100)
    description: str | None = Field(default=None, sa_column=Column(Text))
    org_unit_id: int = Field(
        sa_column=Column(Integer, ForeignKey("org_unit.id", ondelete="RESTRICT"), nullable=False)
    )
    audience: str = Field(max_length=32)  # an AudienceKind value
    person_ids: list[int] = Field(default_factory=list, sa_column=Column(JSONType, nullable=False))
    deadline: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    pass_mark: int = 60  # out of 100
    status: str = Field(default=QuizStatus.DRAFT.value, max_length=16)
    published_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
    created_by: str | None = Field(default=None, max_length=64)
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False)
    )
    updated_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False)
    )


class QuizQuestion(SQLModel, table=True):
    """A question's place in a test."""

    __tablename__ = "quiz_question"

    quiz_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("quiz.id", ondelete="CASCADE"), primary_key=True, nullable=False
        )
    )
    question_id: int = Field(
        sa_column=Column(
            Integer,
            ForeignKey("question.id", ondelete="RESTRICT"),
            primary_key=True,
            nullable=False,
        )
    )
    position: int


class QuizAttempt(SQLModel, table=True):
    """One person's answers to a test: kept while answering in the chat, scored on submission."""

    __tablename__ = "quiz_attempt"
    __table_args__ = (UniqueConstraint("quiz_id", "person_id", name="uq_quiz_attempt_person"),)

    id: int | None = Field(default=None, primary_key=True)
    quiz_id: int = Field(
        sa_column=Column(Integer, ForeignKey("quiz.id", ondelete="CASCADE"), nullable=False)
    )
    person_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("person.id", ondelete="CASCADE"), nullable=False, index=True
        )
    )
    # {"<question id>": "AC"}: the letters chosen, as the member gave them (normalised).
    answers: dict[str, Any] = Field(
        default_factory=dict, sa_column=Column(JSONType, nullable=False)
    )
    channel: str = Field(default="page", max_length=16)  # page / chat
    started_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    submitted_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
    correct: int | None = None
    total: int | None = None
    score: int | None = None  # 0–100, rounded
    passed: bool | None = None
