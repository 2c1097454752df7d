"""发展对象培训班: courses, their sessions (meetings), enrolment and who has passed."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from sqlmodel.ext.asyncio.session import AsyncSession

from app.api.deps import Session
from app.models import AdmissionCourse, PoliticalStage
from app.services.accounts.admins import Principal
from app.services.admission import course_standing, dossiers
from app.services.admission import courses as course_service
from app.services.admission.courses import CourseRefused
from app.services.admission.dossiers import Dossier
from app.services.admission.steps import Rules, StepRefused
from app.services.meetings import meetings as meeting_service
from app.services.people import org_units as org_unit_service
from app.services.quizzes import catalog
from app.services.quizzes import quizzes as quiz_service
from app.web.admin.deps import ConsoleUser, ConsoleWriter, actor, now
from app.web.admin.forms import Part, china_datetime, choice, parse_int, text_fields
from app.web.admin.options import branch_options, unit_options
from app.web.admin.pages import NotFound, flash, redirect, render, today

router = APIRouter(prefix="/admission")

_MISSING_COURSE = "没有找到这个培训班，或者它不在您负责的组织范围内。"
_MISSING_FILE = "这个人不在本培训班，或者不在您负责的组织范围内。"
_FORM_TEXT = ("title", "org_unit_id", "required_hours", "quiz_id")
_SESSION_TEXT = ("title", "day", "starts", "ends", "place", "hours")


async def course_in_scope(session: AsyncSession, me: Principal, course_id: int) -> AdmissionCourse:
    """The course if the user may see its unit; the same 404 for missing and out of scope."""
    course = await course_service.get(session, course_id=course_id)
    if course is None or not me.sees_unit(course.org_unit_id):
        raise NotFound(_MISSING_COURSE)
    return course


async def _file_in_scope(
    session: AsyncSession, me: Principal, file_id: int, *, missing: str = _MISSING_FILE
) -> Dossier:
    dossier = await dossiers.load(session, file_id=file_id)
    if dossier is None or not me.sees_unit(dossier.person.org_unit_id):
        raise NotFound(missing)
    return dossier


# --- the list -------------------------------------------------------------------------------


@router.get("/courses", response_class=HTMLResponse)
async def course_list(request: Request, session: Session, me: ConsoleUser) -> HTMLResponse:
    """The courses of the user's units, newest first: 学时 planned, people, who has passed."""
    names = await org_unit_service.path_names(session)
    rows = []
    for course in await course_service.in_units(session, unit_ids=me.unit_ids):
        view = await course_service.view(session, course=course)
        places = await course_standing.roster(session, course=course)
        rows.append(
            {
                "view": view,
                "unit": names.get(course.org_unit_id, ""),
                "enrolled": len(places),
                "passed": sum(1 for p in places if p.standing.passed),
            }
        )
    return render(request, "admin/admission/courses/list.html", {"nav": "admission", "rows": rows})


# --- the form -------------------------------------------------------------------------------


async def _quiz_options(session: AsyncSession, me: Principal) -> list[tuple[int, str]]:
    quizzes = await quiz_service.in_units(session, unit_ids=me.unit_ids)
    return [(q.id, f"{q.title}（{q.pass_mark} 分及格）") for q in quizzes if q.id is not None]


async def _form_page(
    request: Request,
    session: AsyncSession,
    me: Principal,
    *,
    shown: dict[str, Any],
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    context = {
        "nav": "admission",
        "form": shown,
        "errors": errors or {},
        "units": await unit_options(session, me),
        "quizzes": await _quiz_options(session, me),
    }
    return render(request, "admin/admission/courses/form.html", context, status_code)


@router.get("/courses/new", response_class=HTMLResponse)
async def new_course(request: Request, session: Session, me: ConsoleWriter) -> HTMLResponse:
    """新建培训班: the empty form (24 学时, the first branch in scope)."""
    units = await unit_options(session, me)
    branches = await branch_options(session, {uid for uid, _ in units})
    unit = branches[0][0] if branches else (units[0][0] if units else "")
    year = today(request).year
    shown = {
        "title": f"{year}年发展对象培训班",
        "org_unit_id": str(unit),
        "required_hours": "24",
        "quiz_id": "",
    }
    return await _form_page(request, session, me, shown=shown)


@router.post("/courses/new", response_class=HTMLResponse)
async def create_course(request: Request, session: Session, me: ConsoleWriter) -> Response:
    """Store the course; errors are shown by their fields and nothing is stored."""
    shown = text_fields(await request.form(), *_FORM_TEXT)
    errors: dict[str, str] = {}
    if not shown["title"]:
        errors["title"] = "请填写培训班名称。"
    unit = choice(shown["org_unit_id"], await unit_options(session, me))
    if unit is None:
        errors["org_unit_id"] = "请从列表中选择单位。"
    hours = parse_int(shown["required_hours"])
    low, high = course_service.REQUIRED_HOURS
    if hours is None or not low <= hours <= high:
        errors["required_hours"] = f"学时应在 {low} 到 {high} 之间。"
    quiz: int | None = None
    if shown["quiz_id"]:
        quiz = choice(shown["quiz_id"], await _quiz_options(session, me))
        if quiz is None:
            errors["quiz_id"] = "请从列表中选择结业考试。"
    if not errors and unit is not None and hours is not None:
        try:
            course = await course_service.create(
                session,
                title=shown["title"],
                org_unit_id=unit,
                required_hours=hours,
                quiz_id=quiz,
                actor=actor(request, me),
            )
        except CourseRefused as exc:
            errors["__all__"] = str(exc)
        else:
            flash(request, f"已新建培训班「{course.title}」。请安排课程并选择参训的发展对象。")
            return redirect(f"/admin/admission/courses/{course.id}")
    return await _form_page(request, session, me, shown=shown, errors=errors, status_code=400)


# --- one course -----------------------------------------------------------------------------


@router.get("/courses/{course_id:int}", response_class=HTMLResponse)
async def course_page(
    request: Request, course_id: int, session: Session, me: ConsoleUser
) -> HTMLResponse:
    """The sessions (meetings), 学时 planned vs required, the exam, and each candidate's
    attended 学时, exam score, 已结业 / 未结业 with what is missing."""
    course = await course_in_scope(session, me, course_id)
    view = await course_service.view(session, course=course)
    places = await course_standing.roster(session, course=course)
    asked: dict[int, bool] = {}
    if view.quiz is not None:
        for place in places:
            asked[place.dossier.id] = await catalog.asks(
                session, quiz=view.quiz, person=place.dossier.person
            )
    enrolled = {p.dossier.id for p in places}
    candidates = [
        d
        for d in await dossiers.open_files(session, unit_ids=me.unit_ids)
        if d.person.stage == PoliticalStage.CANDIDATE.value
        and d.id not in enrolled
        and "training" not in d.steps
    ]
    names = await org_unit_service.path_names(session)
    context = {
        "nav": "admission",
        "view": view,
        "unit": names.get(course.org_unit_id, ""),
        "places": places,
        "asked": asked,
        "candidates": candidates,
        "local_time": meeting_service.local_time,
        "today": today(request),
        "hours_range": course_service.HOURS_PER_SESSION,
    }
    return render(request, "admin/admission/courses/detail.html", context)


SESSION_DAY = Part("day", "请选择上课日期。", "日期格式应为 年-月-日，例如 2026-03-05。", "when")
SESSION_STARTS = Part("starts", "请填写开始时间。", "时间格式应为 时:分，例如 09:00。", "when")
SESSION_ENDS = Part("ends", "请填写结束时间。", "时间格式应为 时:分，例如 17:00。", "when")


@router.post("/courses/{course_id:int}/sessions", response_class=HTMLResponse)
async def add_session(
    request: Request, course_id: int, session: Session, me: ConsoleWriter
) -> Response:
    """安排课程: a meeting inviting the enrolled candidates, with its 学时."""
    course = await course_in_scope(session, me, course_id)
    back = redirect(f"/admin/admission/courses/{course_id}")
    shown: dict[str, Any] = text_fields(await request.form(), *_SESSION_TEXT)
    errors: dict[str, str] = {}
    starts = china_datetime(shown, errors, day=SESSION_DAY, at=SESSION_STARTS)
    ends = china_datetime(shown, errors, day=SESSION_DAY, at=SESSION_ENDS)
    hours = parse_int(shown["hours"])
    if hours is None:
        errors["hours"] = "请填写本次课的学时。"
    if errors or starts is None or ends is None or hours is None:
        flash(request, "未能安排课程：" + "".join(dict.fromkeys(errors.values())), "warning")
        return back
    try:
        row = await course_service.add_session(
            session,
            course=course,
            title=shown["title"],
            starts_at=starts,
            ends_at=ends,
            place=shown["place"],
            hours=hours,
            actor=actor(request, me),
            now=now(request),
        )
    except CourseRefused as exc:
        flash(request, f"未能安排课程：{exc}。", "warning")
        return back
    flash(request, f"已安排课程（{row.hours} 学时），签到和出勤在会议页面。")
    return back


@router.post("/courses/{course_id:int}/enrol", response_class=HTMLResponse)
async def enrol(request: Request, course_id: int, session: Session, me: ConsoleWriter) -> Response:
    """报名: a 发展对象 in the user's units joins the course and its sessions still to come."""
    course = await course_in_scope(session, me, course_id)
    back = redirect(f"/admin/admission/courses/{course_id}")
    file_id = parse_int(text_fields(await request.form(), "file_id")["file_id"])
    if file_id is None or file_id < 1:
        flash(request, "请从列表中选择发展对象。", "warning")
        return back
    dossier = await _file_in_scope(
        session, me, file_id, missing="没有找到这份发展档案，或者它不在您负责的组织范围内。"
    )
    try:
        await course_service.enrol(
            session, course=course, dossier=dossier, actor=actor(request, me), now=now(request)
        )
    except CourseRefused as exc:
        flash(request, f"未能报名：{exc}。", "warning")
        return back
    flash(request, f"{dossier.person.name} 已参加培训班「{course.title}」。")
    return back


@router.post(
    "/courses/{course_id:int}/enrolments/{file_id:int}/remove", response_class=HTMLResponse
)
async def unenrol(
    request: Request, course_id: int, file_id: int, session: Session, me: ConsoleWriter
) -> Response:
    """移出: the person leaves the course (their check-ins stay on the meetings)."""
    course = await course_in_scope(session, me, course_id)
    dossier = await _file_in_scope(session, me, file_id)
    if course.id not in dossier.course_ids:
        raise NotFound(_MISSING_FILE)
    await course_service.unenrol(
        session, course=course, dossier=dossier, actor=actor(request, me), now=now(request)
    )
    flash(request, f"已将 {dossier.person.name} 移出培训班「{course.title}」。")
    return redirect(f"/admin/admission/courses/{course_id}")


@router.post(
    "/courses/{course_id:int}/enrolments/{file_id:int}/record-training",
    response_class=HTMLResponse,
)
async def record_training(
    request: Request, course_id: int, file_id: int, session: Session, me: ConsoleWriter
) -> Response:
    """记录集中培训: step 11 from the course's dates and the person's 学时; a refusal says why."""
    course = await course_in_scope(session, me, course_id)
    dossier = await _file_in_scope(session, me, file_id)
    if course.id not in dossier.course_ids:
        raise NotFound(_MISSING_FILE)
    settings = request.app.state.settings
    rules = Rules(today=today(request), review_valid_months=settings.political_review_valid_months)
    view = await course_service.view(session, course=course)
    back = redirect(f"/admin/admission/courses/{course_id}")
    try:
        step = await course_standing.record_training(
            session, course=view, dossier=dossier, actor=actor(request, me), rules=rules
        )
    except (CourseRefused, StepRefused) as exc:
        flash(request, f"{dossier.person.name}：不能记录集中培训。{exc}。", "warning")
        return back
    flash(
        request,
        f"已为 {dossier.person.name} 记录第 11 步「开展集中培训」（{step.done_on.isoformat()}）。",
    )
    return back
