"""A test's results: who took it, scores, the questions most got wrong, export."""

from __future__ import annotations

import re

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.api.deps import Session
from app.models import AudienceKind, Broadcast, BroadcastStatus, QuestionKind, Quiz, QuizStatus
from app.models.types import label_of
from app.services.people import org_units as org_unit_service
from app.services.quizzes import catalog
from app.services.quizzes import quizzes as quiz_service
from app.services.quizzes import results as result_service
from app.web.admin.deps import ConsoleUser, actor, now
from app.web.admin.downloads import download
from app.web.admin.pages import render
from app.web.admin.quizzes.pages import STATUS_TONES, quiz_in_scope

router = APIRouter(prefix="/quizzes")

# Characters Windows does not allow in a file name (the export's name carries the title).
_UNSAFE_NAME = re.compile(r'[\\/:*?"<>|\x00-\x1f\x7f]+')


def audience_text(quiz: Quiz, unit: str) -> str:
    """Who the test asks, in words."""
    kind = AudienceKind(quiz.audience)
    if kind is AudienceKind.PEOPLE:
        return f"指定人员（{len(quiz.person_ids)} 人）"
    return f"{unit}（含下级党小组）的{kind.label}"


async def _notices(session: AsyncSession, quiz: Quiz) -> list[dict[str, object]]:
    statement = (
        select(Broadcast)
        .where(Broadcast.subject_type == "quiz", Broadcast.subject_id == quiz.id)
        .order_by(col(Broadcast.created_at), col(Broadcast.id))
    )
    shown = []
    for broadcast in (await session.exec(statement)).all():
        status = label_of(BroadcastStatus, broadcast.status)
        shown.append({"broadcast": broadcast, "status": status})
    return shown


def percent(value: float | None) -> str:
    """ "66.7%", or "—" when there is nothing to divide."""
    return "—" if value is None else f"{value:.1f}%"


@router.get("/{quiz_id:int}", response_class=HTMLResponse)
async def quiz_detail(
    request: Request, quiz_id: int, session: Session, me: ConsoleUser
) -> HTMLResponse:
    """The test: settings, figures, each taker by unit and name, the questions most missed."""
    quiz = await quiz_in_scope(session, me, quiz_id)
    moment = now(request)
    names = await org_unit_service.path_names(session)
    unit = names.get(quiz.org_unit_id, "")
    found = await result_service.results(session, quiz=quiz, unit_ids=me.unit_ids)
    draft = quiz.status == QuizStatus.DRAFT.value
    context = {
        "nav": "quizzes",
        "quiz": quiz,
        "unit": unit,
        "audience": audience_text(quiz, unit),
        "status": quiz_service.status_label(quiz, moment),
        "tones": STATUS_TONES,
        "deadline": quiz_service.deadline_text(quiz),
        "accepts": catalog.accepts_answers(quiz, moment),
        "draft": draft,
        "can_close": quiz.status == QuizStatus.OPEN.value,
        "can_cancel": quiz.status in (QuizStatus.DRAFT.value, QuizStatus.OPEN.value),
        "questions": await catalog.questions_of(session, quiz_id=quiz_id),
        "results": found,
        "summary": found.summary,
        "percent": percent,
        "notices": await _notices(session, quiz),
        "scoped": me.unit_ids is not None,
        "letters": "ABCDEF",
        "kind_label": lambda value: QuestionKind(value).label,
    }
    return render(request, "admin/quizzes/detail.html", context)


def export_filename(quiz: Quiz) -> str:
    """ "测试成绩-监察法知识测试.xlsx"."""
    title = _UNSAFE_NAME.sub("_", quiz.title).strip(" ._") or "知识测试"
    return f"测试成绩-{title}.xlsx"


@router.get("/{quiz_id:int}/export")
async def export_results(
    request: Request, quiz_id: int, session: Session, me: ConsoleUser
) -> Response:
    """Download 成绩 and 错题统计 as .xlsx (a secretary's hold their units' people; audited)."""
    quiz = await quiz_in_scope(session, me, quiz_id)
    data = await result_service.export_results(
        session, quiz=quiz, actor=actor(request, me), unit_ids=me.unit_ids
    )
    return download(data, export_filename(quiz), fallback=f"quiz-{quiz_id}.xlsx")
