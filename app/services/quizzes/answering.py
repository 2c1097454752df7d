"""Answering a test: reading a member's letters, scoring, and one submission per person.

A member answers on the page (all at once) or in the chat (one question at a time: the attempt
is kept with submitted_at None until the last answer scores and submits it). The first
submission stands; the unique (quiz, person) row settles two racing submissions.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from sqlalchemy.exc import IntegrityError
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.models import Person, Question, QuestionKind, Quiz, QuizAttempt
from app.services.quizzes import catalog

PAGE, CHAT = "page", "chat"

# What members type for 正确 / 错误 on a judge question, besides the letters A / B.
_JUDGE_WORDS = {
    **dict.fromkeys(("对", "正确", "√", "✓", "✔", "是"), "A"),
    **dict.fromkeys(("错", "错误", "×", "✗", "✘", "否"), "B"),
}
# Between letters ("A C", "A,C", "A、C") and around a word ("对。"); NFKC has already turned
# the full-width forms (，；．Ａ and the ideographic space) into these.
_SEPARATORS = " ,、;.。/|+"


class Outcome(StrEnum):
    """What became of an answer or a submission."""

    SUBMITTED = "submitted"  # scored and stored
    ANSWERED = "answered"  # chat: this answer is kept, more questions to go
    ALREADY = "already"  # submitted before: the first submission stands
    CLOSED = "closed"  # past the deadline, closed or cancelled: nothing recorded
    NOT_ASKED = "not_asked"  # not in the test's audience
    UNKNOWN_QUESTION = "unknown_question"  # an answer to a question not in the test
    INCOMPLETE = "incomplete"  # questions left unanswered: nothing recorded
    INVALID = "invalid"  # an answer that is not one for its question


@dataclass(frozen=True)
class Score:
    """How many of the questions were answered right, out of 100, and which were not."""

    correct: int
    total: int
    score: int
    wrong: list[int]  # question ids, in the test's order


@dataclass(frozen=True)
class SubmitResult:
    """The outcome, the attempt when there is one, and what was wrong with the answers."""

    outcome: Outcome
    attempt: QuizAttempt | None = None
    missing: list[int] = field(default_factory=list)  # question numbers (1-based) unanswered
    invalid: list[int] = field(default_factory=list)  # question numbers with an invalid answer
    unknown: list[int] = field(default_factory=list)  # question ids not in the test


@dataclass(frozen=True)
class NextQuestion:
    """The question to ask next in the chat: its number among the test's questions."""

    number: int
    total: int
    question: Question


@dataclass(frozen=True)
class Reviewed:
    """One question of a submitted attempt, as the member's result shows it."""

    number: int
    question: Question
    chosen: str  # the member's letters ("" when unanswered)
    right: str  # the right letters
    is_right: bool


def _letters(text: str) -> str:
    """The distinct letters A–Z in the text, in alphabetical order."""
    return "".join(sorted({c for c in text.upper() if "A" <= c <= "Z"}))


def last_letter(question: Question) -> str:
    """The letter of the question's last option ("D" for four options)."""
    return chr(ord("A") + max(len(question.options), 1) - 1)


def normalise(question: Question, text: str) -> str | None:
    """The member's letters for this question ("ca" → "AC"), or None when not a valid answer."""
    cleaned = unicodedata.normalize("NFKC", text or "").strip()
    if question.kind == QuestionKind.JUDGE.value:
        word = cleaned.strip(_SEPARATORS)
        if word in _JUDGE_WORDS:
            return _JUDGE_WORDS[word]
    chars = [c for c in cleaned.upper() if c not in _SEPARATORS and not c.isspace()]
    if not chars or any(not ("A" <= c <= "Z") for c in chars):
        return None
    chosen = sorted(set(chars))
    if chosen[-1] > last_letter(question) or not question.options:
        return None
    if question.kind != QuestionKind.MULTIPLE.value and len(chosen) != 1:
        return None
    return "".join(chosen)


def is_right(question: Question, letters: str) -> bool:
    """Exactly the right letters (a multiple-choice question needs every one and no other)."""
    right = _letters(question.answer)
    return bool(right) and _letters(letters) == right


def score(questions: Sequence[Question], answers: Mapping[str, str]) -> Score:
    """Score stored answers ({"<question id>": "AC"}); out of 100, rounded half up."""
    wrong = [
        q.id for q in questions if q.id is not None and not is_right(q, answers.get(str(q.id), ""))
    ]
    total = len(questions)
    correct = total - len(wrong)
    # Integer arithmetic: round(62.5) is 62 in Python (banker's rounding); a member expects 63.
    points = (200 * correct + total) // (2 * total) if total else 0
    return Score(correct=correct, total=total, score=points, wrong=wrong)


def review(questions: Sequence[Question], attempt: QuizAttempt) -> list[Reviewed]:
    """Each question with the member's answer and the right one, in the test's order."""
    rows: list[Reviewed] = []
    for number, question in enumerate(questions, 1):
        chosen = str(attempt.answers.get(str(question.id), ""))
        rows.append(
            Reviewed(
                number, question, chosen, _letters(question.answer), is_right(question, chosen)
            )
        )
    return rows


async def attempt_of(
    session: AsyncSession, *, quiz_id: int, person_id: int, lock: bool = False
) -> QuizAttempt | None:
    """The person's attempt at the test (in progress or submitted); `lock` to change it."""
    statement = select(QuizAttempt).where(
        QuizAttempt.quiz_id == quiz_id, QuizAttempt.person_id == person_id
    )
    if lock:
        # Two tabs, or the page and the chat at once: the second waits and then sees the first.
        statement = statement.with_for_update()
    return (await session.exec(statement)).first()


async def _claim(
    session: AsyncSession, *, quiz: Quiz, person: Person, channel: str, now: datetime
) -> QuizAttempt:
    """The person's attempt row, created now unless a concurrent request just created it."""
    assert quiz.id is not None and person.id is not None
    attempt = QuizAttempt(
        quiz_id=quiz.id, person_id=person.id, answers={}, channel=channel, started_at=now
    )
    try:
        async with session.begin_nested():
            session.add(attempt)
    except IntegrityError:
        # The unique (quiz, person) row exists since we looked: the other request's stands.
        found = await attempt_of(session, quiz_id=quiz.id, person_id=person.id, lock=True)
        assert found is not None
        return found
    return attempt


async def _finish(
    session: AsyncSession,
    *,
    quiz: Quiz,
    attempt: QuizAttempt,
    questions: Sequence[Question],
    answers: dict[str, str],
    channel: str,
    now: datetime,
) -> SubmitResult:
    """Score the answers and submit the attempt."""
    result = score(questions, answers)
    attempt.answers = answers
    attempt.channel = channel
    attempt.submitted_at = now
    attempt.correct, attempt.total, attempt.score = result.correct, result.total, result.score
    attempt.passed = result.score >= quiz.pass_mark
    session.add(attempt)
    await session.flush()
    return SubmitResult(Outcome.SUBMITTED, attempt)


async def _gate(
    session: AsyncSession, *, quiz: Quiz, person: Person, now: datetime
) -> SubmitResult | None:
    """Why no answer can be taken from this person now (None: it can)."""
    assert quiz.id is not None and person.id is not None
    if not catalog.accepts_answers(quiz, now):
        return SubmitResult(Outcome.CLOSED)
    if not await catalog.asks(session, quiz=quiz, person=person):
        return SubmitResult(Outcome.NOT_ASKED)
    return None


async def submit(
    session: AsyncSession,
    *,
    quiz: Quiz,
    person: Person,
    answers: Mapping[int, str],
    channel: str,
    now: datetime,
) -> SubmitResult:
    """Score and store every answer at once ({question id: letters as typed}); first one stands."""
    assert quiz.id is not None and person.id is not None
    if (refused := await _gate(session, quiz=quiz, person=person, now=now)) is not None:
        return refused
    attempt = await attempt_of(session, quiz_id=quiz.id, person_id=person.id, lock=True)
    if attempt is not None and attempt.submitted_at is not None:
        return SubmitResult(Outcome.ALREADY, attempt)
    questions = await catalog.questions_of(session, quiz_id=quiz.id)
    known = {q.id for q in questions}
    unknown = sorted(qid for qid in answers if qid not in known)
    if unknown:
        return SubmitResult(Outcome.UNKNOWN_QUESTION, unknown=unknown)
    letters: dict[str, str] = {}
    missing: list[int] = []
    invalid: list[int] = []
    for number, question in enumerate(questions, 1):
        assert question.id is not None
        text = answers.get(question.id, "")
        if not text.strip():
            missing.append(number)
        elif (value := normalise(question, text)) is None:
            invalid.append(number)
        else:
            letters[str(question.id)] = value
    if invalid:
        return SubmitResult(Outcome.INVALID, missing=missing, invalid=invalid)
    if missing:
        return SubmitResult(Outcome.INCOMPLETE, missing=missing)
    if attempt is None:
        attempt = await _claim(session, quiz=quiz, person=person, channel=channel, now=now)
        if attempt.submitted_at is not None:
            return SubmitResult(Outcome.ALREADY, attempt)
    return await _finish(
        session,
        quiz=quiz,
        attempt=attempt,
        questions=questions,
        answers=letters,
        channel=channel,
        now=now,
    )


async def next_question(
    session: AsyncSession, *, quiz: Quiz, person: Person
) -> NextQuestion | None:
    """The first question the person has not answered yet (None: all answered, or submitted)."""
    assert quiz.id is not None and person.id is not None
    questions = await catalog.questions_of(session, quiz_id=quiz.id)
    attempt = await attempt_of(session, quiz_id=quiz.id, person_id=person.id)
    if attempt is not None and attempt.submitted_at is not None:
        return None
    answered = attempt.answers if attempt is not None else {}
    for number, question in enumerate(questions, 1):
        if str(question.id) not in answered:
            return NextQuestion(number, len(questions), question)
    return None


async def record_answer(
    session: AsyncSession,
    *,
    quiz: Quiz,
    person: Person,
    question: Question,
    letters: str,
    now: datetime,
) -> SubmitResult:
    """Keep one chat answer (as typed; normalised here); the last one scores and submits."""
    assert quiz.id is not None and person.id is not None
    if (refused := await _gate(session, quiz=quiz, person=person, now=now)) is not None:
        return refused
    attempt = await attempt_of(session, quiz_id=quiz.id, person_id=person.id, lock=True)
    if attempt is not None and attempt.submitted_at is not None:
        return SubmitResult(Outcome.ALREADY, attempt)
    questions = await catalog.questions_of(session, quiz_id=quiz.id)
    numbers = {q.id: n for n, q in enumerate(questions, 1)}
    if question.id not in numbers:
        return SubmitResult(Outcome.UNKNOWN_QUESTION, unknown=[question.id or 0])
    value = normalise(question, letters)
    if value is None:
        return SubmitResult(Outcome.INVALID, attempt, invalid=[numbers[question.id]])
    if attempt is None:
        attempt = await _claim(session, quiz=quiz, person=person, channel=CHAT, now=now)
        if attempt.submitted_at is not None:
            return SubmitResult(Outcome.ALREADY, attempt)
    # A new dict: the JSON column notices an assignment, not an in-place change.
    answers = {str(k): str(v) for k, v in attempt.answers.items()} | {str(question.id): value}
    if all(str(q.id) in answers for q in questions):
        return await _finish(
            session,
            quiz=quiz,
            attempt=attempt,
            questions=questions,
            answers={str(q.id): answers[str(q.id)] for q in questions},
            channel=CHAT,
            now=now,
        )
    attempt.answers = answers
    attempt.channel = CHAT
    session.add(attempt)
    await session.flush()
    return SubmitResult(Outcome.ANSWERED, attempt)
