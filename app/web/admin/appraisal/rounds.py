"""民主评议 rounds in the console: the list, a new round, opening it, the round's page."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from sqlmodel.ext.asyncio.session import AsyncSession
from starlette.background import BackgroundTask

from app.api.deps import Session
from app.models import AppraisalRating, AppraisalRound, AppraisalStatus, Person
from app.models.types import CHINA
from app.services.accounts.admins import Principal
from app.services.appraisal import rounds, voting
from app.services.appraisal.rounds import RoundError, Windows
from app.web.admin.deps import ConsoleUser, ConsoleWriter, actor, kick_senders, now
from app.web.admin.forms import choice, parse_int, text_fields
from app.web.admin.options import unit_options
from app.web.admin.pages import NotFound, flash, redirect, render

router = APIRouter(prefix="/appraisal")
WINDOW_FIELDS = ("self_opens_at", "self_closes_at", "vote_opens_at", "vote_closes_at")
WINDOW_LABELS = {
    "self_opens_at": "自评开始",
    "self_closes_at": "自评截止",
    "vote_opens_at": "互评开始",
    "vote_closes_at": "互评截止",
}


async def round_in_scope(session: AsyncSession, me: Principal, round_id: int) -> AppraisalRound:
    """The round if its unit is the user's; 404 alike for missing and out of scope."""
    appraisal = await rounds.get(session, round_id=round_id)
    if appraisal is None or not me.sees_unit(appraisal.unit_id):
        raise NotFound("没有找到这次民主评议，或者它不在您负责的组织范围内。")
    return appraisal


@router.get("", response_class=HTMLResponse)
async def round_list(request: Request, session: Session, me: ConsoleUser) -> HTMLResponse:
    """Rounds of the user's units, newest first."""
    names = dict(await unit_options(session, me))
    found = await rounds.listed(session, unit_ids=me.unit_ids)
    return render(
        request,
        "admin/appraisal/list.html",
        {"nav": "appraisal", "rounds": found, "units": names, "labels": AppraisalStatus},
    )


def _moment(raw: str) -> datetime | None:
    """A datetime-local input's value, typed in China time."""
    try:
        return datetime.fromisoformat(raw).replace(tzinfo=CHINA, second=0, microsecond=0)
    except ValueError:
        return None


async def _form(
    request: Request,
    session: AsyncSession,
    me: Principal,
    shown: dict[str, Any],
    error: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    """The new-round form, with what was typed and why it was refused."""
    context = {
        "nav": "appraisal",
        "form": shown,
        "error": error,
        "units": await unit_options(session, me),
        "windows": WINDOW_LABELS,
    }
    return render(request, "admin/appraisal/new.html", context, status_code)


@router.get("/new", response_class=HTMLResponse)
async def new_round(request: Request, session: Session, me: ConsoleWriter) -> HTMLResponse:
    """新建民主评议: the year, the unit, the two windows."""
    return await _form(request, session, me, {"year": now(request).astimezone(CHINA).year})


@router.post("/new", response_class=HTMLResponse)
async def create_round(request: Request, session: Session, me: ConsoleWriter) -> Response:
    """Create the round (not open yet); refused with the reason, the input kept."""
    shown = text_fields(await request.form(), "year", "unit_id", *WINDOW_FIELDS)
    unit_id = choice(shown["unit_id"], await unit_options(session, me))
    year = parse_int(shown["year"])
    moments = {name: _moment(shown[name]) for name in WINDOW_FIELDS}
    problem, status_code = None, 400
    if unit_id is None:
        problem = "请选择组织。"
    elif year is None:
        problem = "请填写年度。"
    elif missing := [WINDOW_LABELS[k] for k, v in moments.items() if v is None]:
        problem = f"请填写{'、'.join(missing)}时间。"
    if problem is None and unit_id is not None and year is not None:
        windows = Windows(**{k: v for k, v in moments.items() if v is not None})
        try:
            appraisal = await rounds.create(
                session,
                year=year,
                unit_id=unit_id,
                windows=windows,
                actor=actor(request, me),
                now=now(request),
            )
        except RoundError as exc:
            problem, status_code = str(exc), 422
        else:
            flash(request, f"已新建 {year} 年度民主评议，请核对后开启。")
            return redirect(f"/admin/appraisal/{appraisal.id}")
    return await _form(request, session, me, shown, problem, status_code)


@router.get("/{round_id:int}", response_class=HTMLResponse)
async def round_page(
    request: Request, round_id: int, session: Session, me: ConsoleUser
) -> HTMLResponse:
    """The round: participants and self-assessments; tallies and verdicts only once closed."""
    appraisal = await round_in_scope(session, me, round_id)
    return await page_of(request, session, me, appraisal)


async def page_of(
    request: Request,
    session: AsyncSession,
    me: Principal,
    appraisal: AppraisalRound,
    *,
    error: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    """The round's console page (also after a refused verdict)."""
    assert appraisal.id is not None
    closed = appraisal.status == AppraisalStatus.CLOSED.value
    counts = await voting.tallies(session, round_id=appraisal.id) if closed else {}
    places = await rounds.participants(session, round_id=appraisal.id)
    lines: list[dict[str, Any]] = []
    for place in places:
        person = await session.get(Person, place.person_id)
        if person is not None:
            mine = counts.get(place.person_id, {})
            lines.append(
                {
                    "place": place,
                    "person": person,
                    "counts": [mine.get(r.value, 0) for r in AppraisalRating],
                    "verdict": AppraisalRating(place.verdict).label if place.verdict else None,
                }
            )
    names = dict(await unit_options(session, me))
    context = {
        "nav": "appraisal",
        "appraisal": appraisal,
        "status": AppraisalStatus(appraisal.status).label,
        "unit": names.get(appraisal.unit_id, ""),
        "lines": lines,
        "closed": closed,
        "ratings": list(AppraisalRating),
        "voters": sum(1 for place in places if place.votes),
        "voted": await rounds.voter_count(session, round_id=appraisal.id),
        "self_window": rounds.window_label(appraisal.self_opens_at, appraisal.self_closes_at),
        "vote_window": rounds.window_label(appraisal.vote_opens_at, appraisal.vote_closes_at),
        "eligible": len(await rounds.eligible(session, unit_id=appraisal.unit_id))
        if appraisal.status == AppraisalStatus.DRAFT.value
        else None,
        "error": error,
    }
    return render(request, "admin/appraisal/round.html", context, status_code)


@router.post("/{round_id:int}/open")
async def open_round(
    request: Request, round_id: int, session: Session, me: ConsoleWriter
) -> Response:
    """开启: fix the participants and tell each of them once."""
    appraisal = await round_in_scope(session, me, round_id)
    try:
        places = await rounds.open_round(
            session,
            appraisal=appraisal,
            settings=request.app.state.settings,
            actor=actor(request, me),
            now=now(request),
        )
    except RoundError as exc:
        return await page_of(request, session, me, appraisal, error=str(exc), status_code=409)
    flash(request, f"已开启，{len(places)} 人参加，已通知每位参加人。")
    back = redirect(f"/admin/appraisal/{round_id}")
    back.background = BackgroundTask(kick_senders, request)
    return back
