"""The test form's fields: reading them back, picking questions by hand or at random, the page."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession
from starlette.datastructures import FormData

from app.models import AudienceKind, Question, QuestionKind, Quiz
from app.models.types import CHINA
from app.services.quizzes import bank as bank_service
from app.services.quizzes import quizzes as quiz_service
from app.services.quizzes.quizzes import QuizDraft
from app.web.admin.forms import Part, china_datetime, choice, parse_int, text_fields, validate
from app.web.admin.pages import render

_TEXT = (
    "title",
    "description",
    "org_unit_id",
    "audience",
    "deadline_date",
    "deadline_time",
    "pass_mark",
    "bank",
    "draw_single",
    "draw_multiple",
    "draw_judge",
    "draw_total",
)
DRAWS = {
    "draw_single": QuestionKind.SINGLE,
    "draw_multiple": QuestionKind.MULTIPLE,
    "draw_judge": QuestionKind.JUDGE,
    "draw_total": None,
}
# Fields the model checks say it in its own generic words; these say what is allowed.
MESSAGES = {
    "pass_mark": "合格线应为 1 到 100 之间的整数。",
    "title": "请填写测试名称（最多 100 字）。",
    "description": "说明最多 2000 字。",
}


@dataclass
class Options:
    """What the form offers: units, people, banks."""

    units: list[tuple[int, str]]
    people: list[tuple[int, str]]
    banks: list[str]


# One message for the pair, beside the deadline.
_DAY = "请选择截止日期（年-月-日）。"
_TIME = "请填写截止时间（时:分），例如 18:00。"
DEADLINE = (
    Part("deadline_date", _DAY, _DAY, error_key="deadline"),
    Part("deadline_time", _TIME, _TIME, error_key="deadline"),
)


def read(
    form: FormData, options: Options
) -> tuple[dict[str, Any], QuizDraft | None, dict[str, str]]:
    """What was typed (to show again), the draft, and the errors by field."""
    shown: dict[str, Any] = text_fields(form, *_TEXT)
    shown["person_ids"] = [str(v).strip() for v in form.getlist("person_ids") if str(v).strip()]
    shown["question_ids"] = [
        qid for v in form.getlist("question_ids") if (qid := parse_int(str(v))) is not None
    ]
    errors: dict[str, str] = {}
    data: dict[str, Any] = {
        "title": shown["title"],
        "description": shown["description"] or None,
        "question_ids": shown["question_ids"],
    }
    data["org_unit_id"] = choice(shown["org_unit_id"], options.units)
    if data["org_unit_id"] is None:
        errors["org_unit_id"] = "请从列表中选择组织单位。"
    try:
        data["audience"] = AudienceKind(shown["audience"])
    except ValueError:
        errors["audience"] = "请选择测试对象。"
    data["person_ids"] = []
    if shown["audience"] == AudienceKind.PEOPLE.value:
        person_ids = [choice(v, options.people) for v in shown["person_ids"]]
        if None in person_ids:
            errors["person_ids"] = "请从列表中选择参加测试的人员。"
        elif not person_ids:
            errors["person_ids"] = "请至少选择一位参加测试的人员。"
        data["person_ids"] = [pid for pid in person_ids if pid is not None]
    data["deadline"] = china_datetime(shown, errors, day=DEADLINE[0], at=DEADLINE[1])
    mark = parse_int(shown["pass_mark"])
    if mark is None or not 1 <= mark <= 100:
        errors["pass_mark"] = MESSAGES["pass_mark"]
    data["pass_mark"] = mark
    draft, model_errors = validate(QuizDraft, data)
    for name, message in model_errors.items():
        field = {"__all__": "person_ids"}.get(name, name)
        errors.setdefault(field, MESSAGES.get(field, message))
    return shown, (draft if not errors else None), errors


def draw_counts(shown: dict[str, Any]) -> tuple[dict[QuestionKind | None, int], str | None]:
    """How many to draw of each kind (None: of any kind), or why the numbers are not numbers."""
    counts: dict[QuestionKind | None, int] = {}
    for name, kind in DRAWS.items():
        if not shown[name]:
            continue
        number = parse_int(shown[name])
        if number is None or not 0 <= number <= quiz_service.MAX_QUESTIONS:
            return {}, f"抽取的题数应为 0 到 {quiz_service.MAX_QUESTIONS} 之间的整数。"
        counts[kind] = number
    return counts, None


async def question_lists(
    session: AsyncSession, *, selected: Sequence[int], bank: str
) -> tuple[list[Question], list[Question]]:
    """The chosen questions in their order, and the bank's other questions in use."""
    found: dict[int, Question] = {}
    if selected:
        rows = await session.exec(select(Question).where(col(Question.id).in_(list(selected))))
        found = {q.id: q for q in rows.all() if q.id is not None}
    chosen = [found[qid] for qid in selected if qid in found]
    rest: list[Question] = []
    if bank:
        taken = set(found)
        rest = [
            q
            for q in await bank_service.list_questions(session, bank=bank, active=True)
            if q.id not in taken
        ]
    return chosen, rest


def empty(options: Options, now: datetime) -> dict[str, Any]:
    """A new test's form: a week to answer (18:00 China time), 60 to pass, Party members asked."""
    deadline = (now.astimezone(CHINA) + timedelta(days=7)).date()
    return {
        "org_unit_id": str(options.units[0][0]) if options.units else "",
        "audience": AudienceKind.PARTY_MEMBERS.value,
        "person_ids": [],
        "deadline_date": deadline.isoformat(),
        "deadline_time": "18:00",
        "pass_mark": "60",
        "bank": options.banks[0] if options.banks else "",
        "question_ids": [],
    }


def shown_of(quiz: Quiz, question_ids: Sequence[int], bank: str) -> dict[str, Any]:
    """An edit form's values, from the stored test."""
    deadline = quiz.deadline.astimezone(CHINA)
    return {
        "title": quiz.title,
        "description": quiz.description or "",
        "org_unit_id": str(quiz.org_unit_id),
        "audience": quiz.audience,
        "person_ids": [str(pid) for pid in quiz.person_ids],
        "deadline_date": deadline.date().isoformat(),
        "deadline_time": f"{deadline:%H:%M}",
        "pass_mark": str(quiz.pass_mark),
        "bank": bank,
        "question_ids": list(question_ids),
    }


async def page(
    request: Request,
    session: AsyncSession,
    *,
    quiz: Quiz | None,
    shown: dict[str, Any],
    options: Options,
    errors: dict[str, str] | None = None,
    notice: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    """The form, with the chosen questions first and the chosen bank's others below."""
    bank = shown.get("bank") or ""
    if bank not in options.banks:
        bank = ""
    chosen, rest = await question_lists(
        session, selected=shown.get("question_ids") or [], bank=bank
    )
    context = {
        "nav": "quizzes",
        "quiz": quiz,
        "form": {**shown, "bank": bank},
        "errors": errors or {},
        "notice": notice,
        "units": options.units,
        "people": options.people,
        "banks": options.banks,
        "audiences": [(a.value, a.label) for a in AudienceKind],
        "chosen": chosen,
        "rest": rest,
        "kind_label": lambda value: QuestionKind(value).label,
        "letters": "ABCDEF",
    }
    return render(request, "admin/quizzes/form.html", context, status_code)
