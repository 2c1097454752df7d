"""A test's results: who took it and how they did, the questions most got wrong, the export."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.models import Person, Question, QuestionKind, Quiz, QuizAttempt
from app.models.types import CHINA, label_of
from app.services import audit, spreadsheets
from app.services.people import org_units as org_unit_service
from app.services.quizzes import catalog
from app.services.quizzes.bank_file import LETTERS

SUBMITTED, ANSWERING, NOT_TAKEN = "submitted", "answering", "not_taken"
STATE_LABELS = {SUBMITTED: "已提交", ANSWERING: "答题中", NOT_TAKEN: "未参加"}
CHANNEL_LABELS = {"page": "网页", "chat": "对话框"}


@dataclass(frozen=True, slots=True)
class TakerRow:
    """One person asked by the test (or who answered it and has since left its audience)."""

    person_id: int
    name: str
    employee_no: str
    unit: str
    state: str  # submitted / answering / not_taken
    asked: bool  # still in the test's audience today
    score: int | None = None
    correct: int | None = None
    total: int | None = None
    passed: bool | None = None
    channel: str | None = None
    at: datetime | None = None  # submitted (or, while answering, started)

    @property
    def state_label(self) -> str:
        """已提交, 答题中 or 未参加."""
        return STATE_LABELS[self.state]

    @property
    def channel_label(self) -> str:
        """网页 or 对话框 (empty when not taken)."""
        return CHANNEL_LABELS.get(self.channel or "", self.channel or "")


@dataclass(frozen=True, slots=True)
class Summary:
    """The test's figures: takers, submitted, passed, the pass rate and the average score."""

    takers: int
    submitted: int
    answering: int
    passed: int
    average: float | None  # of submitted scores

    @property
    def not_taken(self) -> int:
        """Asked but neither submitted nor answering."""
        return self.takers - self.submitted - self.answering

    @property
    def pass_rate(self) -> float | None:
        """Passed out of submitted, in percent (None before anyone submitted)."""
        return 100 * self.passed / self.submitted if self.submitted else None

    @property
    def submit_rate(self) -> float | None:
        """Submitted out of takers, in percent."""
        return 100 * self.submitted / self.takers if self.takers else None


@dataclass(frozen=True, slots=True)
class WrongOption:
    """The wrong option chosen most often on a question."""

    letter: str
    text: str
    count: int


@dataclass(frozen=True, slots=True)
class QuestionStat:
    """How one question went: answered, wrong, and the favourite wrong option."""

    position: int
    question: Question
    answered: int  # submitted attempts (a blank counts as wrong: it lost the mark)
    wrong: int
    top_wrong: WrongOption | None

    @property
    def wrong_rate(self) -> float:
        """Wrong out of answered, in percent (0 before anyone answered)."""
        return 100 * self.wrong / self.answered if self.answered else 0.0

    @property
    def kind_label(self) -> str:
        """单选题, 多选题 or 判断题."""
        return label_of(QuestionKind, self.question.kind)


@dataclass(slots=True)
class Results:
    """Everything the results page and the export show."""

    quiz: Quiz
    rows: list[TakerRow] = field(default_factory=list)
    stats: list[QuestionStat] = field(default_factory=list)
    summary: Summary = field(default_factory=lambda: Summary(0, 0, 0, 0, None))

    @property
    def taken(self) -> list[TakerRow]:
        """Those who submitted or are answering, by unit and name."""
        return [row for row in self.rows if row.state != NOT_TAKEN]

    @property
    def not_taken(self) -> list[TakerRow]:
        """Those asked who have not started, by unit and name."""
        return [row for row in self.rows if row.state == NOT_TAKEN]


def chosen_letters(value: object) -> str:
    """An answer as stored ("ca", "A,C") as its letters in order ("AC")."""
    return "".join(sorted({ch for ch in str(value or "").upper() if ch in LETTERS}))


async def _attempts(session: AsyncSession, quiz_id: int) -> list[QuizAttempt]:
    statement = select(QuizAttempt).where(QuizAttempt.quiz_id == quiz_id)
    return list((await session.exec(statement)).all())


async def _people(session: AsyncSession, ids: Iterable[int]) -> dict[int, Person]:
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    found = await session.exec(select(Person).where(col(Person.id).in_(wanted)))
    return {p.id: p for p in found.all() if p.id is not None}


def _row(person: Person, unit: str, attempt: QuizAttempt | None, asked: bool) -> TakerRow:
    assert person.id is not None
    if attempt is None:
        return TakerRow(person.id, person.name, person.employee_no, unit, NOT_TAKEN, asked)
    if attempt.submitted_at is None:
        return TakerRow(
            person.id,
            person.name,
            person.employee_no,
            unit,
            ANSWERING,
            asked,
            channel=attempt.channel,
            at=attempt.started_at,
        )
    return TakerRow(
        person.id,
        person.name,
        person.employee_no,
        unit,
        SUBMITTED,
        asked,
        score=attempt.score,
        correct=attempt.correct,
        total=attempt.total,
        passed=attempt.passed,
        channel=attempt.channel,
        at=attempt.submitted_at,
    )


def _summary(rows: Sequence[TakerRow]) -> Summary:
    submitted = [row for row in rows if row.state == SUBMITTED]
    scores = [row.score for row in submitted if row.score is not None]
    return Summary(
        takers=len(rows),
        submitted=len(submitted),
        answering=sum(1 for row in rows if row.state == ANSWERING),
        passed=sum(1 for row in submitted if row.passed),
        average=sum(scores) / len(scores) if scores else None,
    )


def question_stats(
    questions: Sequence[Question], attempts: Sequence[QuizAttempt]
) -> list[QuestionStat]:
    """Each question's figures from the submitted attempts, the most often wrong first."""
    done = [a for a in attempts if a.submitted_at is not None]
    stats: list[QuestionStat] = []
    for position, question in enumerate(questions, start=1):
        key = str(question.id)
        wrong = 0
        wrong_letters: Counter[str] = Counter()
        for attempt in done:
            given = chosen_letters(attempt.answers.get(key))
            if given == question.answer:
                continue
            wrong += 1
            wrong_letters.update(letter for letter in given if letter not in question.answer)
        top = None
        if wrong_letters:
            # Ties go to the earlier letter, so the page does not change from one load to the next.
            letter = min(wrong_letters, key=lambda ch: (-wrong_letters[ch], ch))
            index = LETTERS.index(letter)
            text = question.options[index] if index < len(question.options) else ""
            top = WrongOption(letter, text, wrong_letters[letter])
        stats.append(QuestionStat(position, question, len(done), wrong, top))
    return sorted(stats, key=lambda s: (-s.wrong_rate, s.position))


async def _taker_rows(
    session: AsyncSession, quiz: Quiz, unit_ids: frozenset[int] | None
) -> tuple[list[TakerRow], dict[int, QuizAttempt]]:
    """The rows by unit and name (within `unit_ids`), and every attempt by person."""
    assert quiz.id is not None
    attempts = {a.person_id: a for a in await _attempts(session, quiz.id)}
    asked = set(await catalog.takers(session, quiz=quiz))
    people = await _people(session, asked | set(attempts))
    names = await org_unit_service.path_names(session)
    rows = [
        _row(person, names.get(person.org_unit_id or 0, ""), attempts.get(pid), pid in asked)
        for pid, person in people.items()
        if unit_ids is None or person.org_unit_id in unit_ids
    ]
    rows.sort(key=lambda r: (r.unit, r.name, r.employee_no))
    return rows, attempts


async def results(
    session: AsyncSession, *, quiz: Quiz, unit_ids: frozenset[int] | None = None
) -> Results:
    """The test's takers by unit and name (never ranked by score), its figures and questions.

    A secretary (`unit_ids`) sees only the people of their units, and figures of those alone.
    """
    assert quiz.id is not None
    rows, attempts = await _taker_rows(session, quiz, unit_ids)
    shown = {row.person_id for row in rows}
    questions = await catalog.questions_of(session, quiz_id=quiz.id)
    stats = question_stats(questions, [a for pid, a in attempts.items() if pid in shown])
    return Results(quiz=quiz, rows=rows, stats=stats, summary=_summary(rows))


async def progress(
    session: AsyncSession, *, quiz: Quiz, unit_ids: frozenset[int] | None = None
) -> tuple[int, int]:
    """(submitted, takers) for the list: "已交 8 / 20" (no questions or statistics read)."""
    summary = _summary((await _taker_rows(session, quiz, unit_ids))[0])
    return summary.submitted, summary.takers


def _local(moment: datetime | None) -> str:
    return f"{moment.astimezone(CHINA):%Y-%m-%d %H:%M}" if moment else ""


def workbook(found: Results) -> bytes:
    """成绩 (each taker by unit and name) and 错题统计 (most often wrong first) as .xlsx bytes."""
    book = spreadsheets.Book()
    book.sheet(
        "成绩",
        ["单位", "姓名", "工号", "状态", "得分", "答对", "题数", "是否合格", "答题方式", "时间"],
        widths=(28, *(14,) * 9),
    ).rows(
        (
            [
                row.unit,
                row.name,
                row.employee_no,
                row.state_label,
                row.score,
                row.correct,
                row.total,
                "" if row.passed is None else ("合格" if row.passed else "不合格"),
                row.channel_label,
                _local(row.at),
            ]
            for row in found.rows
        ),
    )
    book.sheet(
        "错题统计",
        ["题号", "题型", "题干", "正确答案", "作答人数", "答错人数", "错误率", "最多选的错误选项"],
        widths=(14, 14, 60, 14, 14, 14, 14, 30),
    ).rows(
        (
            [
                stat.position,
                stat.kind_label,
                stat.question.stem,
                stat.question.answer,
                stat.answered,
                stat.wrong,
                f"{stat.wrong_rate:.1f}%",
                (
                    f"{stat.top_wrong.letter}. {stat.top_wrong.text}（{stat.top_wrong.count} 人）"
                    if stat.top_wrong
                    else ""
                ),
            ]
            for stat in found.stats
        ),
    )
    return book.to_bytes()


async def export_results(
    session: AsyncSession,
    *,
    quiz: Quiz,
    actor: audit.Actor,
    unit_ids: frozenset[int] | None = None,
) -> bytes:
    """The results as .xlsx bytes (a secretary's hold their units' people); audited."""
    found = await results(session, quiz=quiz, unit_ids=unit_ids)
    data = workbook(found)
    scope = "" if unit_ids is None else "，仅含负责单位的人员"
    await audit.record(
        session,
        actor=actor,
        action="quiz.export",
        target_type="quiz",
        target_id=quiz.id,
        summary=f"导出测试成绩：{quiz.title}（{found.summary.takers} 人{scope}）",
    )
    return data
