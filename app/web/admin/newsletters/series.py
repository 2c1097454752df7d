"""刊物系列 (admins): the series there are, and a form to add another."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel, Field, field_validator
from sqlmodel.ext.asyncio.session import AsyncSession

from app.api.deps import Session
from app.models import NewsletterSeries
from app.services import audit
from app.services.newsletters import issues as newsletter_service
from app.web.admin.deps import ConsoleAdmin, actor, now
from app.web.admin.forms import blank_to_none, text_fields, validate
from app.web.admin.pages import flash, redirect, render

router = APIRouter(prefix="/newsletters")


class SeriesCreate(BaseModel):
    """A new newsletter title."""

    code: str = Field(min_length=1, max_length=32)
    name: str = Field(min_length=1, max_length=50)
    description: str | None = Field(default=None, max_length=200)
    menu_key: str | None = Field(default=None, max_length=64)

    @field_validator("code")
    @classmethod
    def _code(cls, value: str) -> str:
        if not all(ch.isascii() and (ch.isalnum() or ch in "-_") for ch in value):
            raise ValueError("只能用英文字母、数字、- 和 _")
        return value.lower()

    @field_validator("menu_key")
    @classmethod
    def _menu_key(cls, value: str | None) -> str | None:
        allowed = all(ch.isascii() and (ch.isalnum() or ch == "_") for ch in value or "")
        if not allowed:
            raise ValueError("只能用英文字母、数字和 _（与菜单里按钮的 key 一致）")
        return value.upper() if value else value


async def _series_page(
    request: Request,
    session: AsyncSession,
    *,
    shown: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    context = {
        "nav": "newsletters",
        "all_series": await newsletter_service.all_series(session),
        "form": shown or {},
        "errors": errors or {},
    }
    return render(request, "admin/newsletters/series.html", context, status_code)


async def _series_clashes(session: AsyncSession, data: SeriesCreate) -> dict[str, str]:
    """Code, name and menu key are each unique among the series."""
    errors: dict[str, str] = {}
    for other in await newsletter_service.all_series(session):
        for field in ("code", "name", "menu_key"):
            value = getattr(data, field)
            if value is not None and getattr(other, field) == value:
                errors.setdefault(field, "已被另一个刊物使用")
    return errors


@router.get("/series", response_class=HTMLResponse)
async def series_form(request: Request, session: Session, me: ConsoleAdmin) -> HTMLResponse:
    """The series and the form for another one (admins)."""
    return await _series_page(request, session)


@router.post("/series", response_class=HTMLResponse)
async def create_series(request: Request, session: Session, me: ConsoleAdmin) -> Response:
    """Add a series (code, name and menu key unique); audited."""
    shown = text_fields(await request.form(), "code", "name", "description", "menu_key")
    data, errors = validate(SeriesCreate, blank_to_none(shown, keep=("code", "name")))
    if data is not None and not errors:
        errors.update(await _series_clashes(session, data))
    if data is None or errors:
        return await _series_page(request, session, shown=shown, errors=errors, status_code=400)
    series = NewsletterSeries(**data.model_dump(), created_at=now(request))
    session.add(series)
    await session.flush()
    await audit.record(
        session,
        actor=actor(request, me),
        action="newsletter.series_create",
        target_type="newsletter_series",
        target_id=series.id,
        summary=f"新增刊物 {series.name}",
        after=audit.snapshot(series),
    )
    flash(request, f"已新增刊物 {series.name}。")
    return redirect("/admin/newsletters/series")
