"""Assessment schemes in the console (admins): each period kind's items, weights and levels."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from sqlmodel.ext.asyncio.session import AsyncSession
from starlette.datastructures import FormData

from app.api.deps import Session
from app.models import PeriodKind
from app.services.assessments import schemes
from app.services.assessments.rules import RULES
from app.services.assessments.schemes import Item, SchemeRefused
from app.web.admin.deps import ConsoleAdmin, ConsoleUser, actor
from app.web.admin.pages import NotFound, flash, redirect, render, today

router = APIRouter(prefix="/assessments/schemes")
BLANK_ROWS = 2  # empty rows offered for new items
MAX_ROWS = 30


async def _page(
    request: Request,
    session: AsyncSession,
    *,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    """The schemes page, with the error of a refused save."""
    kinds = []
    for kind in PeriodKind:
        versions = await schemes.versions(session, kind=kind)
        items = schemes.items_of(versions[0]) if versions else list(schemes.DEFAULT_ITEMS)
        kinds.append({"kind": kind, "versions": versions, "items": items})
    context = {
        "nav": "assessments",
        "kinds": kinds,
        "headings": schemes.HEADINGS,
        "rules": [(code, rule.title) for code, rule in RULES.items()],
        "blank": BLANK_ROWS,
        "errors": errors or {},
    }
    return render(request, "admin/assessments/schemes.html", context, status_code)


@router.get("", response_class=HTMLResponse)
async def scheme_page(request: Request, session: Session, me: ConsoleUser) -> HTMLResponse:
    """Each kind's scheme in force (or the default offered) and its versions."""
    return await _page(request, session)


def _number(value: str) -> float | None:
    """A form's number, None when blank or not a number."""
    try:
        return float(value) if value.strip() else None
    except ValueError:
        return None


def items_from(form: FormData) -> list[Item]:
    """The items of the submitted rows (rows without a title are left out)."""
    items: list[Item] = []
    for index in range(MAX_ROWS):
        title = str(form.get(f"title_{index}") or "").strip()
        if not title:
            continue
        rule = str(form.get(f"rule_{index}") or "")
        thresholds = {
            level: number
            for level in schemes.LEVELS[:-1]
            if (number := _number(str(form.get(f"{level}_{index}") or ""))) is not None
        }
        items.append(
            Item(
                code=str(form.get(f"code_{index}") or "").strip()[:32] or f"item{index + 1}",
                heading=str(form.get(f"heading_{index}") or ""),
                title=title[:50],
                rule=rule or None,
                weight=_number(str(form.get(f"weight_{index}") or "")) or 0.0,
                thresholds=thresholds,
            )
        )
    return items


@router.post("/{kind}", response_class=HTMLResponse)
async def save(request: Request, kind: str, session: Session, me: ConsoleAdmin) -> Response:
    """Save a new version of the kind's scheme; it applies from the next period."""
    try:
        period_kind = PeriodKind(kind)
    except ValueError:
        raise NotFound("没有这种考核周期。") from None
    items = items_from(await request.form())
    try:
        scheme = await schemes.save(
            session, kind=period_kind, items=items, today=today(request), actor=actor(request, me)
        )
    except SchemeRefused as refused:
        return await _page(request, session, errors={kind: str(refused)}, status_code=400)
    flash(
        request,
        f"已保存{period_kind.label}考核方案第 {scheme.version} 版，"
        f"自 {scheme.effective_from} 起使用。",
    )
    return redirect("/admin/assessments/schemes")
