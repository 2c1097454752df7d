"""Reading a member's letters and scoring: what counts as an answer, and what counts as right."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from app.models import Question, QuestionKind, QuizAttempt
from app.services.quizzes import answering


def _question(kind: QuestionKind, answer: str, options: int = 4, qid: int = 1) -> Question:
    labels = (
        ["正确", "错误"] if kind is QuestionKind.JUDGE else [f"选项{i}" for i in range(options)]
    )
    return Question(
        id=qid,
        bank="监察法",
        kind=kind.value,
        stem="题干",
        stem_sha256="x",
        options=labels,
        answer=answer,
    )


SINGLE = _question(QuestionKind.SINGLE, "B")
MULTIPLE = _question(QuestionKind.MULTIPLE, "ACD")
JUDGE = _question(QuestionKind.JUDGE, "A")


@pytest.mark.parametrize(
    ("text", "letters"),
    [("a", "A"), (" B ", "B"), ("Ｃ", "C"), ("d。", "D"), ("BB", "B")],
)
def test_a_single_choice_is_one_letter_however_typed(text: str, letters: str) -> None:
    assert answering.normalise(SINGLE, text) == letters


@pytest.mark.parametrize("text", ["", "  ", "E", "AB", "A C", "选A", "1", "对"])
def test_a_single_choice_refuses_anything_else(text: str) -> None:
    assert answering.normalise(SINGLE, text) is None


@pytest.mark.parametrize(
    ("text", "letters"),
    [("ac", "AC"), ("A C", "AC"), ("CA", "AC"), ("A、C", "AC"), ("Ａ，Ｃ，Ｄ", "ACD"), ("b", "B")],
)
def test_a_multiple_choice_takes_letters_in_any_order_and_separator(
    text: str, letters: str
) -> None:
    assert answering.normalise(MULTIPLE, text) == letters


@pytest.mark.parametrize("text", ["", "AE", "A1", "A C X", "全选"])
def test_a_multiple_choice_refuses_letters_beyond_its_options(text: str) -> None:
    assert answering.normalise(MULTIPLE, text) is None


@pytest.mark.parametrize(
    ("text", "letters"),
    [
        ("对", "A"),
        ("正确", "A"),
        ("√", "A"),
        ("是", "A"),
        ("a", "A"),
        ("错", "B"),
        ("错误。", "B"),
        ("×", "B"),
        ("否", "B"),
        ("B", "B"),
    ],
)
def test_a_judge_question_takes_its_words_and_symbols(text: str, letters: str) -> None:
    assert answering.normalise(JUDGE, text) == letters


@pytest.mark.parametrize("text", ["AB", "C", "不知道", "对错", ""])
def test_a_judge_question_refuses_two_answers_or_other_words(text: str) -> None:
    assert answering.normalise(JUDGE, text) is None


def test_multiple_choice_is_right_only_with_exactly_the_right_set() -> None:
    assert answering.is_right(MULTIPLE, "ACD")
    assert answering.is_right(MULTIPLE, "DCA")
    assert not answering.is_right(MULTIPLE, "AC")  # one missing
    assert not answering.is_right(MULTIPLE, "ABCD")  # one too many
    assert not answering.is_right(MULTIPLE, "")
    assert answering.is_right(SINGLE, "B") and not answering.is_right(SINGLE, "A")
    assert answering.is_right(JUDGE, answering.normalise(JUDGE, "对") or "")


def _judges(count: int) -> list[Question]:
    return [_question(QuestionKind.JUDGE, "A", qid=i) for i in range(1, count + 1)]


@pytest.mark.parametrize(
    ("correct", "total", "points"),
    [(5, 8, 63), (1, 8, 13), (3, 8, 38), (2, 3, 67), (1, 3, 33), (0, 4, 0), (4, 4, 100)],
)
def test_the_score_is_out_of_100_rounded_half_up(correct: int, total: int, points: int) -> None:
    questions = _judges(total)
    answers = {str(q.id): ("A" if i < correct else "B") for i, q in enumerate(questions)}
    result = answering.score(questions, answers)
    assert (result.correct, result.total, result.score) == (correct, total, points)
    assert result.wrong == [q.id for q in questions[correct:]]


def test_unanswered_questions_count_as_wrong_and_review_shows_each() -> None:
    questions = [SINGLE, _question(QuestionKind.MULTIPLE, "ACD", qid=2)]
    assert answering.score(questions, {"1": "B"}).wrong == [2]
    attempt = QuizAttempt(
        quiz_id=1, person_id=1, answers={"1": "B", "2": "AC"}, started_at=datetime.now(UTC)
    )
    rows = answering.review(questions, attempt)
    assert [(r.number, r.chosen, r.right, r.is_right) for r in rows] == [
        (1, "B", "B", True),
        (2, "AC", "ACD", False),
    ]
