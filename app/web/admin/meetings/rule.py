"""固定学习日: the study-day rule of a branch and its coming occurrences."""

from __future__ import annotations

from datetime import datetime, time
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession
from starlette.datastructures import FormData

from app.api.deps import Session
from app.models import (
    Meeting,
    StudyDayRule,
)
from app.services.accounts.admins import Principal
from app.services.meetings import calendar, study_days
from app.services.meetings import meetings as meeting_service
from app.services.meetings.study_days import RuleDraft
from app.web.admin.deps import ConsoleUser, ConsoleWriter, actor, now
from app.web.admin.forms import parse_int, text_fields, validate
from app.web.admin.meetings.form import RANGE_MESSAGES
from app.web.admin.meetings.pages import STATUS_TONES, status_of
from app.web.admin.options import branch_options
from app.web.admin.pages import NotFound, flash, redirect, render

router = APIRouter(prefix="/meetings")

RULE_MODES = {"weekday": "每月第几个星期几", "day": "每月几日"}
_RULE_TEXT = (
    "title",
    "mode",
    "week_of_month",
    "weekday",
    "day_of_month",
    "start_time",
    "duration_minutes",
    "place",
    "months_ahead",
)


# --- the study-day rule ---------------------------------------------------------------------


async def _rule_unit(
    session: AsyncSession, me: Principal, raw: str
) -> tuple[int | None, list[tuple[int, str]]]:
    """The branch asked for (or the first the user may see), and every branch they may see."""
    branches = await branch_options(session, set(me.unit_ids) if me.unit_ids is not None else None)
    if not raw:
        return (branches[0][0] if branches else None), branches
    unit_id = parse_int(raw)
    if unit_id not in {uid for uid, _ in branches}:
        raise NotFound("没有找到这个党支部，或者它不在您负责的组织范围内。")
    return unit_id, branches


def _rule_shown(rule: StudyDayRule | None) -> dict[str, Any]:
    values = rule if rule is not None else RuleDraft()
    return {
        "title": values.title,
        "mode": values.mode,
        "week_of_month": str(values.week_of_month if values.week_of_month is not None else 1),
        "weekday": str(values.weekday if values.weekday is not None else 4),
        "day_of_month": str(values.day_of_month or ""),
        "start_time": f"{values.start_time:%H:%M}",
        "duration_minutes": str(values.duration_minutes),
        "place": values.place or "",
        "months_ahead": str(values.months_ahead),
        "active": values.active,
    }


def _check_rule(form: FormData) -> tuple[dict[str, Any], RuleDraft | None, dict[str, str]]:
    """What was typed, the rule draft, and the errors by field."""
    shown: dict[str, Any] = text_fields(form, *_RULE_TEXT)
    shown["active"] = form.get("active") == "on"
    errors: dict[str, str] = {}
    mode = shown["mode"]
    if mode not in RULE_MODES:
        errors["mode"] = "请选择学习日的排法。"
    data: dict[str, Any] = {
        "title": shown["title"] or RuleDraft().title,
        "mode": mode,
        "place": shown["place"] or None,
        "active": shown["active"],
        "week_of_month": parse_int(shown["week_of_month"]),
        "weekday": parse_int(shown["weekday"]),
        "day_of_month": parse_int(shown["day_of_month"]),
    }
    if mode == "day" and not shown["day_of_month"]:
        errors["day_of_month"] = "请填写每月几日。"
    elif mode == "day" and data["day_of_month"] is None:
        errors["day_of_month"] = "每月几日应为 1 到 31 的整数。"
    if mode == "weekday" and data["weekday"] is None:
        errors["weekday"] = "请从列表中选择星期几。"
    if mode == "weekday":
        data["day_of_month"] = None  # the other mode's field is not part of this rule
    try:
        data["start_time"] = time.fromisoformat(shown["start_time"]).replace(second=0)
    except ValueError:
        errors["start_time"] = (
            "时间格式应为 时:分，例如 14:30。" if shown["start_time"] else "请选择开始时间。"
        )
    for name in ("duration_minutes", "months_ahead"):
        data[name] = parse_int(shown[name])
        if data[name] is None:
            errors[name] = "请填写整数。"
    draft, model_errors = validate(
        RuleDraft, {key: value for key, value in data.items() if value is not None}
    )
    for name, message in model_errors.items():
        field = (
            name if name != "__all__" else ("day_of_month" if mode == "day" else "week_of_month")
        )
        if field == "week_of_month":
            message = "第几个只能是第一个到第四个，或最后一个。"
        errors.setdefault(field, RANGE_MESSAGES.get(field, message))
    return shown, (draft if not errors else None), errors


async def _occurrences(session: AsyncSession, rule: StudyDayRule, moment: datetime) -> list[Any]:
    statement = (
        select(Meeting)
        .where(Meeting.rule_id == rule.id, col(Meeting.starts_at) >= moment)
        .order_by(col(Meeting.starts_at))
    )
    rows = []
    for m in (await session.exec(statement)).all():
        # A date the rule gave on a public holiday was moved to the next working day: say so.
        move = None
        if m.occurrence_month is not None and not m.moved:
            move = calendar.holiday_move(rule, m.occurrence_month)
        holiday = f"原定 {move[0].month}月{move[0].day}日是{move[1]}，已顺延" if move else None
        rows.append(
            {
                "meeting": m,
                "time": meeting_service.local_time(m),
                "status": status_of(m, moment),
                "holiday": holiday,
            }
        )
    return rows


async def _rule_page(
    request: Request,
    session: AsyncSession,
    *,
    unit_id: int | None,
    branches: list[tuple[int, str]],
    shown: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    rule = await study_days.rule_for(session, unit_id=unit_id) if unit_id else None
    context = {
        "nav": "meetings",
        "unit_id": unit_id,
        "branches": branches,
        "rule": rule,
        "described": calendar.describe(rule) if rule else None,
        "holiday_rule": calendar.HOLIDAY_RULE,
        "occurrences": await _occurrences(session, rule, now(request)) if rule else [],
        "form": shown if shown is not None else _rule_shown(rule),
        "errors": errors or {},
        "modes": RULE_MODES,
        "weeks": list(calendar.WEEK_LABELS.items()),
        "weekdays": list(enumerate(calendar.WEEKDAY_LABELS)),
        "tones": STATUS_TONES,
    }
    return render(request, "admin/meetings/rule.html", context, status_code)


@router.get("/rule", response_class=HTMLResponse)
async def rule_page(
    request: Request, session: Session, me: ConsoleUser, unit_id: str = ""
) -> HTMLResponse:
    """The branch's fixed study day, in words, and its coming occurrences."""
    chosen, branches = await _rule_unit(session, me, unit_id)
    return await _rule_page(request, session, unit_id=chosen, branches=branches)


@router.post("/rule", response_class=HTMLResponse)
async def save_rule(
    request: Request, session: Session, me: ConsoleWriter, unit_id: str = ""
) -> Response:
    """Save the rule: occurrences are created ahead, and unmoved future ones follow it."""
    form = await request.form()
    raw = form.get("unit_id")
    chosen, branches = await _rule_unit(session, me, raw if isinstance(raw, str) else unit_id)
    if chosen is None:
        raise NotFound("您负责的组织中没有党支部，无法设置固定学习日。")
    shown, draft, errors = _check_rule(form)
    if draft is None:
        return await _rule_page(
            request,
            session,
            unit_id=chosen,
            branches=branches,
            shown=shown,
            errors=errors,
            status_code=400,
        )
    rule = await study_days.save_rule(
        session, unit_id=chosen, draft=draft, actor=actor(request, me), now=now(request)
    )
    if rule.active:
        flash(request, f"已保存固定学习日：{calendar.describe(rule)}。")
    else:
        flash(request, "已停用固定学习日，之后尚未单独调整的学习日已取消。")
    return redirect(f"/admin/meetings/rule?unit_id={chosen}")
