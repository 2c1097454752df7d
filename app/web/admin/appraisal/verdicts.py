"""The branch's verdict per person, and the round's .xlsx."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from app.api.deps import Session
from app.services.appraisal import rounds, verdicts
from app.services.appraisal.verdicts import VerdictRefused
from app.web.admin.appraisal.rounds import page_of, round_in_scope
from app.web.admin.deps import ConsoleUser, ConsoleWriter, actor, now
from app.web.admin.downloads import download
from app.web.admin.forms import text_fields
from app.web.admin.pages import NotFound, flash, redirect

router = APIRouter(prefix="/appraisal")


@router.get("/{round_id:int}.xlsx")
async def export(request: Request, round_id: int, session: Session, me: ConsoleUser) -> Response:
    """Per person: self-assessment handed in or not, tallies (once closed), verdict (audited)."""
    appraisal = await round_in_scope(session, me, round_id)
    data = await verdicts.export(session, appraisal=appraisal, actor=actor(request, me))
    return download(
        data, f"民主评议-{appraisal.year}-{round_id}.xlsx", fallback=f"appraisal-{round_id}.xlsx"
    )


@router.post("/{round_id:int}/verdicts/{person_id:int}")
async def record_verdict(
    request: Request, round_id: int, person_id: int, session: Session, me: ConsoleWriter
) -> Response:
    """Record the branch's verdict on one person once (不合格 with its handling)."""
    appraisal = await round_in_scope(session, me, round_id)
    place = await rounds.participant(session, round_id=round_id, person_id=person_id)
    if place is None:
        raise NotFound("这个人不在本次民主评议中。")
    shown = text_fields(await request.form(), "verdict", "note")
    try:
        await verdicts.record(
            session,
            appraisal=appraisal,
            participant=place,
            verdict=shown["verdict"],
            note=shown["note"],
            actor=actor(request, me),
            now=now(request),
        )
    except VerdictRefused as exc:
        return await page_of(request, session, me, appraisal, error=str(exc), status_code=409)
    flash(request, "已记录支部评定。")
    return redirect(f"/admin/appraisal/{round_id}#p{person_id}")
