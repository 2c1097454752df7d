"""知识测试: list, form, publish, close."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession
from starlette.background import BackgroundTask

from app.api.deps import Session
from app.models import Quiz, QuizQuestion, QuizStatus
from app.services.accounts.admins import Principal
from app.services.broadcasts import progress as broadcast_progress
from app.services.people import org_units as org_unit_service
from app.services.people.roster import people_options
from app.services.quizzes import bank as bank_service
from app.services.quizzes import catalog, publishing
from app.services.quizzes import quizzes as quiz_service
from app.services.quizzes import results as result_service
from app.services.quizzes.quizzes import DraftRejected, QuizStateError
from app.web.admin.deps import ConsoleUser, ConsoleWriter, actor, kick_senders, now
from app.web.admin.options import unit_options
from app.web.admin.pages import NotFound, flash, redirect, render
from app.web.admin.quizzes import form as quiz_form

router = APIRouter(prefix="/quizzes")

STATUS_TONES = {
    "草稿": "text-bg-light border",
    "进行中": "text-bg-primary",
    "已截止": "text-bg-warning",
    "已结束": "text-bg-secondary",
    "已取消": "text-bg-dark",
}


async def quiz_in_scope(session: AsyncSession, me: Principal, quiz_id: int) -> Quiz:
    """The test if the user may see its unit; the same 404 for missing and out of scope."""
    quiz = await catalog.get(session, quiz_id=quiz_id)
    if quiz is None or not me.sees_unit(quiz.org_unit_id):
        raise NotFound("没有找到这次测试，或者它不在您负责的组织范围内。")
    return quiz


async def _options(
    session: AsyncSession, me: Principal, keep: Sequence[int] = ()
) -> quiz_form.Options:
    return quiz_form.Options(
        units=await unit_options(session, me),
        people=await people_options(session, me.unit_ids, keep),
        banks=[b.name for b in await bank_service.banks(session)],
    )


async def _question_counts(session: AsyncSession, quiz_ids: list[int]) -> dict[int, int]:
    if not quiz_ids:
        return {}
    statement = (
        select(QuizQuestion.quiz_id, func.count())
        .where(col(QuizQuestion.quiz_id).in_(quiz_ids))
        .group_by(col(QuizQuestion.quiz_id))
    )
    return {int(qid): int(n) for qid, n in (await session.exec(statement)).all()}


@router.get("", response_class=HTMLResponse)
async def quiz_list(request: Request, session: Session, me: ConsoleUser) -> HTMLResponse:
    """The tests in the user's units, newest first, with status and 已交 / 应交."""
    moment = now(request)
    found = await quiz_service.in_units(session, unit_ids=me.unit_ids)
    counts = await _question_counts(session, [q.id for q in found if q.id is not None])
    names = await org_unit_service.path_names(session)
    rows: list[dict[str, Any]] = []
    for quiz in found:
        assert quiz.id is not None
        progress = None
        if quiz.status != QuizStatus.DRAFT.value:
            progress = await result_service.progress(session, quiz=quiz, unit_ids=me.unit_ids)
        rows.append(
            {
                "quiz": quiz,
                "unit": names.get(quiz.org_unit_id, ""),
                "status": quiz_service.status_label(quiz, moment),
                "questions": counts.get(quiz.id, 0),
                "deadline": quiz_service.deadline_text(quiz),
                "progress": progress,
            }
        )
    context = {"nav": "quizzes", "rows": rows, "tones": STATUS_TONES}
    return render(request, "admin/quizzes/list.html", context)


async def _submit(
    request: Request, session: AsyncSession, me: Principal, quiz: Quiz | None
) -> Response:
    """Save the form; or draw questions at random / show another bank without saving."""
    form = await request.form()
    keep = list(quiz.person_ids) if quiz else []
    options = await _options(session, me, keep)
    shown, draft, errors = quiz_form.read(form, options)
    action = form.get("action")
    if action in ("draw", "bank"):
        # Composing, not saving yet: only the draw's own problem is shown.
        notice = None
        problem = None
        if action == "draw":
            counts, problem = quiz_form.draw_counts(shown)
            if problem is None and shown["bank"] not in options.banks:
                problem = "请先选择题库。"
            if problem is None:
                try:
                    shown["question_ids"] = await quiz_service.random_pick(
                        session, bank=shown["bank"], counts=counts
                    )
                except ValueError as exc:
                    problem = str(exc)
            if problem is None:
                notice = (
                    f"已从「{shown['bank']}」随机抽取 {len(shown['question_ids'])} 题，"
                    "保存后生效；可再勾选调整。"
                )
        return await quiz_form.page(
            request,
            session,
            quiz=quiz,
            shown=shown,
            options=options,
            errors={"draw": problem} if problem else {},
            notice=notice,
            status_code=400 if problem else 200,
        )
    saved: Quiz | None = None
    if draft is not None:
        try:
            if quiz is None:
                saved = await quiz_service.create(
                    session, draft=draft, actor=actor(request, me), now=now(request)
                )
            else:
                saved = await quiz_service.update(
                    session, quiz=quiz, draft=draft, actor=actor(request, me), now=now(request)
                )
        except DraftRejected as exc:
            errors = exc.errors
        except QuizStateError as exc:
            flash(request, str(exc), "warning")
            return redirect(f"/admin/quizzes/{quiz.id if quiz else ''}")
    if saved is None:
        return await quiz_form.page(
            request,
            session,
            quiz=quiz,
            shown=shown,
            options=options,
            errors=errors,
            status_code=400,
        )
    flash(request, f"已保存测试：{saved.title}（草稿，发布后才会通知参加人员）。")
    return redirect(f"/admin/quizzes/{saved.id}")


@router.get("/new", response_class=HTMLResponse)
async def new_quiz(request: Request, session: Session, me: ConsoleWriter) -> HTMLResponse:
    """The empty form: a week to answer, 60 to pass, the first bank's questions to pick from."""
    options = await _options(session, me)
    shown = quiz_form.empty(options, now(request))
    return await quiz_form.page(request, session, quiz=None, shown=shown, options=options)


@router.post("/new", response_class=HTMLResponse)
async def create_quiz(request: Request, session: Session, me: ConsoleWriter) -> Response:
    """Store a new draft test; errors are shown next to their fields."""
    return await _submit(request, session, me, None)


def _editable(request: Request, quiz: Quiz) -> Response | None:
    """A redirect (with the reason) once the test is no longer a draft."""
    if quiz.status != QuizStatus.DRAFT.value:
        flash(request, "只有草稿状态的测试可以修改；已发布的测试不能再改题目和设置。", "warning")
        return redirect(f"/admin/quizzes/{quiz.id}")
    return None


@router.get("/{quiz_id:int}/edit", response_class=HTMLResponse)
async def edit_quiz(
    request: Request, quiz_id: int, session: Session, me: ConsoleWriter
) -> Response:
    """The form with the draft's current values."""
    quiz = await quiz_in_scope(session, me, quiz_id)
    refused = _editable(request, quiz)
    if refused is not None:
        return refused
    options = await _options(session, me, quiz.person_ids)
    question_ids = await quiz_service.question_ids_of(session, quiz_id=quiz_id)
    questions, _ = await quiz_form.question_lists(session, selected=question_ids, bank="")
    bank = questions[0].bank if questions else (options.banks[0] if options.banks else "")
    shown = quiz_form.shown_of(quiz, question_ids, bank)
    return await quiz_form.page(request, session, quiz=quiz, shown=shown, options=options)


@router.post("/{quiz_id:int}/edit", response_class=HTMLResponse)
async def update_quiz(
    request: Request, quiz_id: int, session: Session, me: ConsoleWriter
) -> Response:
    """Save the draft's changes."""
    quiz = await quiz_in_scope(session, me, quiz_id)
    refused = _editable(request, quiz)
    if refused is not None:
        return refused
    return await _submit(request, session, me, quiz)


@router.post("/{quiz_id:int}/publish")
async def publish_quiz(
    request: Request, quiz_id: int, session: Session, me: ConsoleWriter
) -> Response:
    """发布: the test opens and its notice goes to the takers (once, however often clicked)."""
    quiz = await quiz_in_scope(session, me, quiz_id)
    back = f"/admin/quizzes/{quiz_id}"
    if quiz.status == QuizStatus.OPEN.value:
        flash(request, "这次测试已经发布过了，通知不会重复发送。", "info")
        return redirect(back)
    try:
        notice = await publishing.publish(
            session,
            quiz=quiz,
            settings=request.app.state.settings,
            actor=actor(request, me),
            now=now(request),
        )
    except QuizStateError as exc:
        flash(request, str(exc), "warning")
        return redirect(back)
    told = (
        await broadcast_progress.told(session, broadcast=notice, what="发送答题通知")
        if notice is not None
        else ""
    )
    flash(request, f"已发布测试：{quiz.title}。{told}")
    response = redirect(back)
    if notice is not None:
        # After the response: by then the notice is committed and the sender can claim it.
        response.background = BackgroundTask(kick_senders, request)
    return response


@router.post("/{quiz_id:int}/close")
async def close_quiz(
    request: Request, quiz_id: int, session: Session, me: ConsoleWriter
) -> Response:
    """提前结束: no more answers are taken (those given stay)."""
    quiz = await quiz_in_scope(session, me, quiz_id)
    try:
        await publishing.close(session, quiz=quiz, actor=actor(request, me), now=now(request))
    except QuizStateError as exc:
        flash(request, str(exc), "warning")
    else:
        flash(request, f"已结束测试：{quiz.title}。不再接受答题。")
    return redirect(f"/admin/quizzes/{quiz_id}")


@router.post("/{quiz_id:int}/cancel")
async def cancel_quiz(
    request: Request, quiz_id: int, session: Session, me: ConsoleWriter
) -> Response:
    """取消 a draft or an open test (answers given so far are kept)."""
    quiz = await quiz_in_scope(session, me, quiz_id)
    try:
        await publishing.cancel(session, quiz=quiz, actor=actor(request, me), now=now(request))
    except QuizStateError as exc:
        flash(request, str(exc), "warning")
    else:
        flash(request, f"已取消测试：{quiz.title}。")
    return redirect(f"/admin/quizzes/{quiz_id}")
