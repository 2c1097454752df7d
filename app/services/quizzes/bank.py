"""The question bank (题库): import from .xlsx (all or nothing), browse, retire and restore."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import func
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.db import execute
from app.models import Question, QuestionKind, Quiz, QuizQuestion, QuizStatus
from app.services import audit, spreadsheets
from app.services.quizzes import bank_file
from app.services.quizzes.bank_file import BankFileError, RowProblem

BANK_MAX = 50

__all__ = [
    "BankFileError",
    "BankSummary",
    "ImportReport",
    "RowProblem",
    "banks",
    "import_questions",
    "list_questions",
    "restore",
    "retire",
    "template",
]


@dataclass(slots=True)
class ImportReport:
    """What an import did; when `problems` is non-empty nothing at all was written."""

    bank: str
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    # Updated questions that published tests already use: their scores are not recomputed.
    in_published: int = 0
    problems: list[RowProblem] = field(default_factory=list)
    file_error: str | None = None  # a background import's unreadable file (BankFileError)

    def to_json(self) -> dict[str, Any]:
        """The report as stored with a background import."""
        return {
            "bank": self.bank,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "in_published": self.in_published,
            "done": self.created + self.updated + self.unchanged,
            "problems": [{"row": p.row, "message": p.message} for p in self.problems],
            "file_error": self.file_error,
        }

    @classmethod
    def from_json(cls, stored: dict[str, Any]) -> ImportReport:
        """The report a background import stored."""
        return cls(
            bank=str(stored.get("bank", "")),
            created=int(stored.get("created", 0)),
            updated=int(stored.get("updated", 0)),
            unchanged=int(stored.get("unchanged", 0)),
            in_published=int(stored.get("in_published", 0)),
            problems=[RowProblem(**p) for p in stored.get("problems", [])],
            file_error=stored.get("file_error"),
        )


# Rows done, of the total: a background import reports how far it is.
Progress = Callable[[int, int], Awaitable[None]]
PROGRESS_EVERY = 100  # rows between two progress reports


@dataclass(frozen=True, slots=True)
class BankSummary:
    """A bank's name and how many questions it holds (in use, and retired)."""

    name: str
    active: int
    retired: int

    @property
    def total(self) -> int:
        """Every question of the bank."""
        return self.active + self.retired


def template() -> bytes:
    """The blank bank file with its header row and one example of each kind."""
    return bank_file.template()


def check_bank_name(raw: str) -> tuple[str, str | None]:
    """The bank's name as stored, and the reason when it cannot be one."""
    name = " ".join(raw.split())
    if not name:
        return name, "请填写题库名称，例如「监察法」。"
    if len(name) > BANK_MAX:
        return name, f"题库名称最多 {BANK_MAX} 个字。"
    if "\x00" in raw:
        return name, "题库名称中不能包含空字符。"
    return name, None


async def _in_published(session: AsyncSession, question_ids: list[int]) -> set[int]:
    """Which of these questions a published (or closed) test uses."""
    if not question_ids:
        return set()
    statement = (
        select(QuizQuestion.question_id)
        .join(Quiz, col(Quiz.id) == col(QuizQuestion.quiz_id))
        .where(
            col(QuizQuestion.question_id).in_(question_ids),
            col(Quiz.status).in_([QuizStatus.OPEN.value, QuizStatus.CLOSED.value]),
        )
    )
    return set((await session.exec(statement)).all())


async def _insert_new(
    session: AsyncSession,
    *,
    bank: str,
    row: bank_file.ParsedQuestion,
    actor: audit.Actor,
    now: datetime,
) -> bool:
    """Add a new stem unless it is there already (a concurrent import): whether it was added.

    INSERT … ON CONFLICT DO NOTHING on uq_question_bank_stem, so two imports of the same new
    question at once end with one row, and neither fails.
    """
    question = Question(
        bank=bank,
        kind=row.kind.value,
        stem=row.stem,
        stem_sha256=row.stem_sha256,
        options=row.options,
        answer=row.answer,
        explanation=row.explanation,
        imported_by=actor.name,
        created_at=now,
        updated_at=now,
    )
    dialect = (await session.connection()).dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = (
        insert(Question)
        .values(**question.model_dump(exclude={"id"}))
        .on_conflict_do_nothing(index_elements=["bank", "stem_sha256"])
    )
    return bool((await execute(session, statement)).rowcount)


async def _by_stem(session: AsyncSession, *, bank: str, stem_sha256: str) -> Question:
    statement = select(Question).where(Question.bank == bank, Question.stem_sha256 == stem_sha256)
    question = (await session.exec(statement.execution_options(populate_existing=True))).first()
    assert question is not None  # the insert just found it there
    return question


async def import_questions(
    session: AsyncSession,
    *,
    bank: str,
    data: bytes,
    filename: str,
    actor: audit.Actor,
    now: datetime,
    progress: Progress | None = None,
) -> ImportReport:
    """Import a file into a bank: new stems added, known ones updated, or nothing if any row is bad.

    Raises BankFileError for a file it cannot read at all (and ValueError for a bad bank name).
    """
    name, error = check_bank_name(bank)
    if error is not None:
        raise ValueError(error)
    parsed = await spreadsheets.off_loop(bank_file.parse, data, filename=filename)
    report = ImportReport(bank=name, problems=parsed.problems)
    if parsed.problems:
        return report
    hashes = [q.stem_sha256 for q in parsed.questions]
    existing = {
        q.stem_sha256: q
        for q in (
            await session.exec(
                select(Question).where(Question.bank == name, col(Question.stem_sha256).in_(hashes))
            )
        ).all()
    }
    changed: list[int] = []
    for done, row in enumerate(parsed.questions):
        if progress is not None and done % PROGRESS_EVERY == 0:
            await progress(done, len(parsed.questions))
        question = existing.get(row.stem_sha256)
        if question is None:
            if await _insert_new(session, bank=name, row=row, actor=actor, now=now):
                report.created += 1
                continue
            # Another import added this stem since we looked: update it like any known stem.
            question = await _by_stem(session, bank=name, stem_sha256=row.stem_sha256)
        fresh = (row.kind.value, row.stem, row.options, row.answer, row.explanation)
        stored = (
            question.kind,
            question.stem,
            list(question.options),
            question.answer,
            question.explanation,
        )
        if fresh == stored:
            report.unchanged += 1
            continue
        # Retired stays retired: re-importing a file must not undo a deliberate 停用.
        question.kind, question.stem, question.options = row.kind.value, row.stem, row.options
        question.answer, question.explanation = row.answer, row.explanation
        question.imported_by, question.updated_at = actor.name, now
        session.add(question)
        report.updated += 1
        if question.id is not None:
            changed.append(question.id)
    await session.flush()
    report.in_published = len(await _in_published(session, changed))
    await audit.record(
        session,
        actor=actor,
        action="question.import",
        target_type="question",
        summary=(
            f"导入题库「{name}」（{filename}）：新增 {report.created} 题，"
            f"更新 {report.updated} 题，未变 {report.unchanged} 题"
        ),
        after={
            "bank": name,
            "filename": filename,
            "created": report.created,
            "updated": report.updated,
            "unchanged": report.unchanged,
        },
    )
    return report


async def list_questions(
    session: AsyncSession,
    *,
    bank: str | None = None,
    kind: QuestionKind | None = None,
    active: bool | None = None,
) -> list[Question]:
    """The bank's questions (or every bank's) in the order they were imported."""
    statement = select(Question)
    if bank is not None:
        statement = statement.where(Question.bank == bank)
    if kind is not None:
        statement = statement.where(Question.kind == kind.value)
    if active is not None:
        statement = statement.where(Question.active == active)
    statement = statement.order_by(col(Question.bank), col(Question.id))
    return list((await session.exec(statement)).all())


async def banks(session: AsyncSession) -> list[BankSummary]:
    """Every bank by name, with its questions in use and retired."""
    statement = (
        select(Question.bank, Question.active, func.count())
        .group_by(col(Question.bank), col(Question.active))
        .order_by(col(Question.bank))
    )
    counts: dict[str, list[int]] = {}
    for name, active, count in (await session.exec(statement)).all():
        counts.setdefault(name, [0, 0])[0 if active else 1] += int(count)
    return [BankSummary(name, a, r) for name, (a, r) in sorted(counts.items())]


async def get(session: AsyncSession, *, question_id: int) -> Question | None:
    """The question with this id."""
    return await session.get(Question, question_id)


def short_stem(question: Question, limit: int = 40) -> str:
    """The stem cut to fit a line (audit summaries, flash messages)."""
    stem = " ".join(question.stem.split())
    return stem if len(stem) <= limit else stem[: limit - 1] + "…"


async def _set_active(
    session: AsyncSession, *, question: Question, active: bool, actor: audit.Actor, now: datetime
) -> None:
    before = {"active": question.active}
    question.active = active
    question.updated_at = now
    session.add(question)
    await session.flush()
    await audit.record(
        session,
        actor=actor,
        action="question.restore" if active else "question.retire",
        target_type="question",
        target_id=question.id,
        summary=f"{'启用' if active else '停用'}试题（{question.bank}）：{short_stem(question)}",
        before=before,
        after={"active": active},
    )


async def retire(
    session: AsyncSession, *, question: Question, actor: audit.Actor, now: datetime
) -> None:
    """停用: no longer offered for new tests (the tests that use it keep it)."""
    await _set_active(session, question=question, active=False, actor=actor, now=now)


async def restore(
    session: AsyncSession, *, question: Question, actor: audit.Actor, now: datetime
) -> None:
    """启用 a retired question again."""
    await _set_active(session, question=question, active=True, actor=actor, now=now)
