"""廉政谈话记录 (admins only, every view audited): list, record, edit, export."""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from sqlmodel.ext.asyncio.session import AsyncSession
from starlette.datastructures import FormData

from app.api.deps import Session
from app.models import IntegrityTalk, TalkCategory
from app.services.accounts.admins import Principal
from app.services.people import roster as people_service
from app.services.talks import export as talks_export
from app.services.talks import records as talk_service
from app.services.talks.records import TalkDraft, TalkFilter, TalkInvalid
from app.web.admin.deps import ConsoleAdmin, actor, now
from app.web.admin.downloads import download
from app.web.admin.forms import parse_int, text_fields
from app.web.admin.pages import NotFound, flash, redirect, render, today

router = APIRouter(prefix="/talks")

_FORM_TEXT = ("person_id", "category", "held_on", "held_by", "summary")
_MISSING = "没有找到这条谈话记录。"


def _categories() -> list[tuple[str, str]]:
    """The post categories as select options."""
    return [(c.value, c.label) for c in TalkCategory]


def _filter_of(person: object, category: object, year: object) -> tuple[TalkFilter, dict[str, str]]:
    """The filter from query or form values (anything odd is ignored), and the values shown."""
    person_id = parse_int(person) if isinstance(person, str) else None
    chosen: TalkCategory | None = None
    if isinstance(category, str) and category in {c.value for c in TalkCategory}:
        chosen = TalkCategory(category)
    number = parse_int(year) if isinstance(year, str) else None
    if number is not None and not 2000 <= number <= 2100:
        number = None
    shown = {
        "person": "" if person_id is None else str(person_id),
        "category": chosen.value if chosen else "",
        "year": "" if number is None else str(number),
    }
    return TalkFilter(person_id=person_id, category=chosen, year=number), shown


@router.get("", response_class=HTMLResponse)
async def talk_list(
    request: Request,
    session: Session,
    me: ConsoleAdmin,
    person: str = "",
    category: str = "",
    year: str = "",
) -> HTMLResponse:
    """The talks, newest first, filtered by person, category and year (audited as talk.list)."""
    talk_filter, shown = _filter_of(person, category, year)
    listing = await talk_service.list_talks(
        session, talk_filter=talk_filter, actor=actor(request, me)
    )
    context = {
        "nav": "talks",
        "listing": listing,
        "filters": shown,
        "filtered": any(shown.values()),
        "categories": _categories(),
    }
    return render(request, "admin/talks/list.html", context)


@router.post("/export")
async def talk_export(request: Request, session: Session, me: ConsoleAdmin) -> Response:
    """导出 the talks of the list's filter as .xlsx (audited as talk.export)."""
    form = await request.form()
    talk_filter, _ = _filter_of(form.get("person"), form.get("category"), form.get("year"))
    data = await talks_export.export_talks(
        session, talk_filter=talk_filter, actor=actor(request, me)
    )
    return download(data, f"廉政谈话-{today(request):%Y%m%d}.xlsx", fallback="talks.xlsx")


# --- the form -------------------------------------------------------------------------------


def _parsed(form: FormData) -> tuple[dict[str, Any], TalkDraft, dict[str, str]]:
    """What was typed (to show again), the draft, and the errors only the form can see."""
    shown: dict[str, Any] = text_fields(form, *_FORM_TEXT)
    errors: dict[str, str] = {}
    held_on: date | None = None
    if shown["held_on"]:
        try:
            held_on = date.fromisoformat(shown["held_on"])
        except ValueError:
            errors["held_on"] = "日期格式应为 年-月-日，例如 2026-03-05。"
    draft = TalkDraft(
        person_id=parse_int(shown["person_id"]) if shown["person_id"] else None,
        category=shown["category"],
        held_on=held_on,
        held_by=shown["held_by"],
        summary=shown["summary"],
    )
    return shown, draft, errors


def _shown_of(talk: IntegrityTalk) -> dict[str, Any]:
    """The stored talk as the form shows it."""
    return {
        "person_id": str(talk.person_id),
        "category": talk.category,
        "held_on": talk.held_on.isoformat(),
        "held_by": talk.held_by,
        "summary": talk.summary,
    }


async def _form_page(
    request: Request,
    session: AsyncSession,
    me: Principal,
    *,
    talk_id: int | None,
    shown: dict[str, Any],
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    """The talk form, with the person picker and the errors by field."""
    chosen = parse_int(str(shown.get("person_id") or ""))
    context = {
        "nav": "talks",
        "talk_id": talk_id,
        "form": shown,
        "errors": errors or {},
        "people": await people_service.people_options(
            session, me.unit_ids, [chosen] if chosen is not None else [], department=True
        ),
        "categories": _categories(),
        "summary_max": talk_service.SUMMARY_MAX,
        "today": today(request).isoformat(),
    }
    return render(request, "admin/talks/form.html", context, status_code)


@router.get("/new", response_class=HTMLResponse)
async def new_talk(request: Request, session: Session, me: ConsoleAdmin) -> HTMLResponse:
    """登记谈话: the empty form (dated today)."""
    shown = {"category": TalkCategory.FINANCE.value, "held_on": today(request).isoformat()}
    return await _form_page(request, session, me, talk_id=None, shown=shown)


@router.post("/new", response_class=HTMLResponse)
async def create_talk(request: Request, session: Session, me: ConsoleAdmin) -> Response:
    """Store a new talk; errors are shown next to their fields and nothing is stored."""
    shown, draft, errors = _parsed(await request.form())
    if not errors:
        try:
            talk = await talk_service.record_talk(
                session, draft=draft, actor=actor(request, me), now=now(request)
            )
        except TalkInvalid as exc:
            errors = exc.errors
        else:
            flash(request, "已登记谈话记录。")
            return redirect(f"/admin/talks/{talk.id}")
    else:
        found = await talk_service.problems(session, draft=draft, now=now(request))
        errors = {**found, **errors}
    return await _form_page(
        request, session, me, talk_id=None, shown=shown, errors=errors, status_code=400
    )


@router.get("/{talk_id:int}", response_class=HTMLResponse)
async def talk_page(
    request: Request, talk_id: int, session: Session, me: ConsoleAdmin
) -> HTMLResponse:
    """One talk in full, with who looked at it lately (the view itself is audited)."""
    row = await talk_service.get_talk(session, talk_id=talk_id, actor=actor(request, me))
    if row is None:
        raise NotFound(_MISSING)
    context = {
        "nav": "talks",
        "row": row,
        "log": await talk_service.access_log(session, talk_id=talk_id),
    }
    return render(request, "admin/talks/detail.html", context)


@router.get("/{talk_id:int}/edit", response_class=HTMLResponse)
async def edit_talk(
    request: Request, talk_id: int, session: Session, me: ConsoleAdmin
) -> HTMLResponse:
    """The form with the talk's current values (it shows the summary, so it is audited too)."""
    row = await talk_service.get_talk(
        session, talk_id=talk_id, actor=actor(request, me), for_edit=True
    )
    if row is None:
        raise NotFound(_MISSING)
    return await _form_page(request, session, me, talk_id=talk_id, shown=_shown_of(row.talk))


@router.post("/{talk_id:int}/edit", response_class=HTMLResponse)
async def update_talk(
    request: Request, talk_id: int, session: Session, me: ConsoleAdmin
) -> Response:
    """Save the changes (audited with before and after, the summary text left out)."""
    shown, draft, errors = _parsed(await request.form())
    if not errors:
        try:
            talk = await talk_service.update_talk(
                session, talk_id=talk_id, draft=draft, actor=actor(request, me), now=now(request)
            )
        except TalkInvalid as exc:
            errors = exc.errors
        else:
            if talk is None:
                raise NotFound(_MISSING)
            flash(request, "已保存谈话记录。")
            return redirect(f"/admin/talks/{talk_id}")
    else:
        if not await talk_service.exists(session, talk_id=talk_id):
            raise NotFound(_MISSING)
        found = await talk_service.problems(session, draft=draft, now=now(request))
        errors = {**found, **errors}
    return await _form_page(
        request, session, me, talk_id=talk_id, shown=shown, errors=errors, status_code=400
    )
