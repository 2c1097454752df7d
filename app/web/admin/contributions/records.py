"""One 岗位建功 in the console: record it for a person (with evidence), read it, edit it while it
waits, verify or reject it (with a note). A person outside the user's units is 404 alike."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from sqlmodel.ext.asyncio.session import AsyncSession
from starlette.background import BackgroundTask
from starlette.datastructures import FormData

from app.api.deps import Session
from app.models import ContributionStatus, Person
from app.services import attachments
from app.services.accounts.admins import Principal
from app.services.attachments import AttachmentRefused
from app.services.contributions import forms, listing, notices, records
from app.services.contributions.listing import Row
from app.services.contributions.records import AlreadyDecided, ContributionInvalid, Upload
from app.services.people import roster as people_service
from app.web.admin.deps import (
    ConsoleUser,
    ConsoleWriter,
    actor,
    kick_senders,
    now,
    person_in_scope,
)
from app.web.admin.forms import parse_int
from app.web.admin.pages import NotFound, flash, redirect, render, today
from app.web.media import attachment_response

router = APIRouter(prefix="/contributions")
_MISSING = "没有找到这项岗位建功，或者其登记人不在您负责的组织范围内。"


async def _row(session: AsyncSession, me: Principal, contribution_id: int) -> Row:
    """The contribution and its person, when the person is in the user's units (404 alike)."""
    row = await listing.one(session, contribution_id=contribution_id, unit_ids=me.unit_ids)
    if row is None:
        raise NotFound(_MISSING)
    return row


def _shown_of(row: Row) -> dict[str, str]:
    """The stored contribution as the form shows it."""
    c = row.contribution
    return {
        "person_id": str(c.person_id), "kind": c.kind, "title": c.title,
        "description": c.description, "done_on": c.done_on.isoformat(),
        "ended_on": c.ended_on.isoformat() if c.ended_on else "",
        "benefit": "" if c.benefit is None else str(c.benefit),
        "co_contributors": c.co_contributors or "",
    }  # fmt: skip


async def _form_page(
    request: Request,
    session: AsyncSession,
    me: Principal,
    *,
    row: Row | None,
    shown: dict[str, str],
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    """The record form (new or edit), with the person picker and the errors by field."""
    chosen = parse_int(shown.get("person_id") or "")
    context: dict[str, Any] = {
        "nav": "contributions",
        "row": row,
        "form": shown,
        "errors": errors or {},
        "people": await people_service.people_options(
            session, me.unit_ids, [chosen] if chosen is not None else [], department=True
        ),
        "kinds": records.kinds(),
        "title_max": records.TITLE_MAX,
        "description_max": records.DESCRIPTION_MAX,
        "co_max": records.CO_MAX,
        "max_files": records.MAX_FILES,
        "max_mb": attachments.MAX_BYTES // (1024 * 1024),
        "today": today(request).isoformat(),
    }
    return render(request, "admin/contributions/form.html", context, status_code)


async def _sent(form: FormData) -> tuple[dict[str, str], list[Upload] | str]:
    """The typed fields, and the files (or why they are refused)."""
    shown = {name: str(form.get(name) or "").strip() for name in ("person_id", *forms.FIELDS)}
    try:
        return shown, await forms.uploads_of(form.getlist("files"))
    except AttachmentRefused as refused:
        return shown, str(refused)


@router.get("/new", response_class=HTMLResponse)
async def new_contribution(request: Request, session: Session, me: ConsoleWriter) -> HTMLResponse:
    """登记岗位建功 for a person of the user's units: the empty form."""
    shown = {"kind": "technical", "done_on": today(request).isoformat()}
    return await _form_page(request, session, me, row=None, shown=shown)


@router.post("/new", response_class=HTMLResponse)
async def create_contribution(request: Request, session: Session, me: ConsoleWriter) -> Response:
    """Store it (waiting for verification) with its evidence; errors next to their fields."""
    shown, uploads = await _sent(await request.form())
    person_id = parse_int(shown["person_id"])
    person: Person | None = None
    if person_id is not None:
        person = await person_in_scope(session, me, person_id)  # 404 outside the user's units
    draft, errors = forms.draft_of(shown, person_id=person_id)
    if person is None:
        errors["person_id"] = "请选择登记对象。"
    if isinstance(uploads, str):
        errors["files"] = uploads
    if not errors and person is not None and not isinstance(uploads, str):
        try:
            created = await records.record(
                session,
                person=person,
                draft=draft,
                uploads=uploads,
                via="console",
                actor=actor(request, me),
                now=now(request),
            )
        except ContributionInvalid as invalid:
            errors = invalid.errors
        except AttachmentRefused as refused:
            errors = {"files": str(refused)}
        else:
            flash(request, "已登记岗位建功，待核实。")
            return redirect(f"/admin/contributions/{created.id}")
    else:
        found, _ = records.check(draft, now=now(request))
        errors = {**found, **errors}
    return await _form_page(
        request, session, me, row=None, shown=shown, errors=errors, status_code=400
    )


async def _detail(
    request: Request,
    session: AsyncSession,
    row: Row,
    *,
    error: str | None = None,
    note: str = "",
    status_code: int = 200,
) -> HTMLResponse:
    """The contribution page: its facts, evidence, and verification or the buttons for it."""
    assert row.contribution.id is not None
    files = await attachments.of(session, owner_kind=records.OWNER, owner_ids=[row.contribution.id])
    context = {
        "nav": "contributions",
        "row": row,
        "files": files[row.contribution.id],
        "pending": row.contribution.status == ContributionStatus.PENDING.value,
        "benefit": records.benefit_label(row.contribution.benefit),
        "error": error,
        "note": note,
        "note_max": records.NOTE_MAX,
    }
    return render(request, "admin/contributions/detail.html", context, status_code)


@router.get("/{contribution_id:int}", response_class=HTMLResponse)
async def contribution_page(
    request: Request, contribution_id: int, session: Session, me: ConsoleUser
) -> HTMLResponse:
    """One contribution: what, when, benefit, evidence, and its verification (or the buttons)."""
    return await _detail(request, session, await _row(session, me, contribution_id))


@router.get("/{contribution_id:int}/evidence/{attachment_id:int}")
async def evidence(
    contribution_id: int, attachment_id: int, session: Session, me: ConsoleUser
) -> Response:
    """One evidence file (images inline, documents as downloads)."""
    await _row(session, me, contribution_id)
    found = await attachments.get(
        session, attachment_id=attachment_id, owner_kind=records.OWNER, owner_id=contribution_id
    )
    return attachment_response(found)


@router.post("/{contribution_id:int}/evidence/{attachment_id:int}/delete")
async def delete_evidence(
    request: Request, contribution_id: int, attachment_id: int, session: Session, me: ConsoleWriter
) -> Response:
    """Remove a wrong evidence file while the contribution waits for verification."""
    row = await _row(session, me, contribution_id)
    try:
        name = await records.remove_evidence(
            session,
            contribution=row.contribution,
            person=row.person,
            attachment_id=attachment_id,
            actor=actor(request, me),
        )
    except AlreadyDecided as decided:
        return await _detail(request, session, row, error=str(decided), status_code=409)
    if name is None:
        raise NotFound("没有找到这份证明材料。")
    flash(request, f"已删除证明材料：{name}。")
    return redirect(f"/admin/contributions/{contribution_id}")


@router.get("/{contribution_id:int}/edit", response_class=HTMLResponse)
async def edit_contribution(
    request: Request, contribution_id: int, session: Session, me: ConsoleWriter
) -> Response:
    """The form with its current values (only while it waits for verification)."""
    row = await _row(session, me, contribution_id)
    if row.contribution.status != ContributionStatus.PENDING.value:
        flash(request, "已经核实过的岗位建功不能再修改。", "warning")
        return redirect(f"/admin/contributions/{contribution_id}")
    return await _form_page(request, session, me, row=row, shown=_shown_of(row))


@router.post("/{contribution_id:int}/edit", response_class=HTMLResponse)
async def update_contribution(
    request: Request, contribution_id: int, session: Session, me: ConsoleWriter
) -> Response:
    """Save the changes and any added evidence (audited with before and after)."""
    row = await _row(session, me, contribution_id)
    shown, uploads = await _sent(await request.form())
    shown["person_id"] = str(row.person.id)  # the person stays: record another for someone else
    draft, errors = forms.draft_of(shown, person_id=row.person.id)
    if isinstance(uploads, str):
        errors["files"] = uploads
    if not errors and not isinstance(uploads, str):
        try:
            await records.edit(
                session,
                contribution=row.contribution,
                person=row.person,
                draft=draft,
                uploads=uploads,
                actor=actor(request, me),
                now=now(request),
            )
        except ContributionInvalid as invalid:
            errors = invalid.errors
        except AttachmentRefused as refused:
            errors = {"files": str(refused)}
        except AlreadyDecided as decided:
            return await _detail(request, session, row, error=str(decided), status_code=409)
        else:
            flash(request, "已保存。")
            return redirect(f"/admin/contributions/{contribution_id}")
    else:
        found, _ = records.check(draft, now=now(request))
        errors = {**found, **errors}
    return await _form_page(
        request, session, me, row=row, shown=shown, errors=errors, status_code=400
    )


async def _decide(
    request: Request, session: AsyncSession, me: Principal, contribution_id: int, verified: bool
) -> Response:
    """Verify or reject in scope; the member is told once, the senders are started after."""
    row = await _row(session, me, contribution_id)
    note = str((await request.form()).get("note") or "")
    try:
        await records.decide(
            session,
            contribution=row.contribution,
            person=row.person,
            verified=verified,
            note=note,
            actor=actor(request, me),
            now=now(request),
        )
    except ContributionInvalid as invalid:
        return await _detail(
            request, session, row, error=invalid.errors["note"], note=note, status_code=400
        )
    except AlreadyDecided as decided:
        return await _detail(request, session, row, error=str(decided), status_code=409)
    await notices.tell_member(
        session, contribution=row.contribution, settings=request.app.state.settings,
        now=now(request),
    )  # fmt: skip
    flash(request, "已核实，已通知本人。" if verified else "已标记为未通过，已通知本人。")
    back = redirect(f"/admin/contributions/{contribution_id}")
    back.background = BackgroundTask(kick_senders, request)
    return back


@router.post("/{contribution_id:int}/verify", response_class=HTMLResponse)
async def verify(
    request: Request, contribution_id: int, session: Session, me: ConsoleWriter
) -> Response:
    """已核实 (a note optional): once, whoever clicks second is told who did it first."""
    return await _decide(request, session, me, contribution_id, True)


@router.post("/{contribution_id:int}/reject", response_class=HTMLResponse)
async def reject(
    request: Request, contribution_id: int, session: Session, me: ConsoleWriter
) -> Response:
    """未通过, with the reason (required)."""
    return await _decide(request, session, me, contribution_id, False)
