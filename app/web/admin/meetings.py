"""会议与学习日: the year's meetings, the meeting form, cancelling, the study-day rule, leave."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, time
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession
from starlette.background import BackgroundTask
from starlette.datastructures import FormData

from app.api.deps import Session
from app.models import (
    LeaveRequest,
    Meeting,
    MeetingKind,
    MeetingStatus,
    OrgUnit,
    OrgUnitKind,
    Person,
    PersonStatus,
    StudyDayRule,
)
from app.models.types import CHINA
from app.services import org_units as org_unit_service
from app.services import people as people_service
from app.services.admins import Principal
from app.services.meetings import attendance, calendar, invitees, reminders
from app.services.meetings import meetings as meeting_service
from app.services.meetings import sheet as sheet_service
from app.services.meetings.meetings import MeetingDraft, RuleDraft
from app.services.meetings.sheet import Presence
from app.web.admin.deps import ConsoleUser, ConsoleWriter, actor, now
from app.web.admin.forms import parse_int, text_fields, validate
from app.web.admin.pages import ConsoleError, NotFound, flash, redirect, render, safe_next

router = APIRouter(prefix="/meetings")

STATUS_TONES = {
    "已取消": "text-bg-secondary",
    "未开始": "text-bg-info",
    "进行中": "text-bg-primary",
    "已结束": "text-bg-light border",
}
INVITE_MODES = {"unit": "本单位（含下级党小组）", "people": "指定人员"}
RULE_MODES = {"weekday": "每月第几个星期几", "day": "每月几日"}
_FORM_TEXT = (
    "kind",
    "title",
    "topic",
    "org_unit_id",
    "date",
    "start_time",
    "duration_minutes",
    "place",
    "host_id",
    "lecturer",
    "materials",
    "invite_mode",
    "invite_unit_id",
    "checkin_before_minutes",
    "makeup_task",
)
_FORM_CHECKS = ("party_members_only", "remind", "follow_up")
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
# The model's own messages are generic ("填写有误"); number fields say what range is allowed.
_RANGE_MESSAGES = {
    "duration_minutes": "时长应在 10 到 720 分钟之间。",
    "checkin_before_minutes": "提前签到应在 0 到 240 分钟之间。",
    "day_of_month": "每月几日应在 1 到 31 之间。",
    "months_ahead": "提前安排应在 1 到 12 个月之间。",
    "weekday": "请从列表中选择。",
}


# --- shared ---------------------------------------------------------------------------------


def kind_label(kind: str) -> str:
    """A meeting kind in Chinese (an unknown value as it is stored)."""
    try:
        return MeetingKind(kind).label
    except ValueError:
        return kind


def status_of(meeting: Meeting, moment: datetime) -> str:
    """已取消, 未开始, 进行中 or 已结束, by the clock."""
    if meeting.status == MeetingStatus.CANCELLED.value:
        return "已取消"
    if moment < meeting.starts_at:
        return "未开始"
    if moment < meeting.ends_at:
        return "进行中"
    return "已结束"


async def meeting_in_scope(session: AsyncSession, me: Principal, meeting_id: int) -> Meeting:
    """The meeting if the user may see its unit; the same 404 for missing and out of scope."""
    meeting = await meeting_service.get(session, meeting_id=meeting_id)
    if meeting is None or not me.sees_unit(meeting.org_unit_id):
        raise NotFound("没有找到这次会议，或者它不在您负责的组织范围内。")
    return meeting


async def unit_options(session: AsyncSession, me: Principal) -> list[tuple[int, str]]:
    """The units the user may hold meetings in (and invite), by their full path."""
    names = await org_unit_service.path_names(session)
    return [(unit_id, name) for unit_id, name in names.items() if me.sees_unit(unit_id)]


async def people_options(
    session: AsyncSession, me: Principal, keep: Sequence[int] = ()
) -> list[tuple[int, str]]:
    """Active people in the user's scope, plus those the meeting already names (kept on edit)."""
    statement = people_service.in_scope(
        select(Person).where(Person.status == PersonStatus.ACTIVE.value), me.unit_ids
    )
    people = list((await session.exec(statement.order_by(col(Person.employee_no)))).all())
    seen = {p.id for p in people}
    missing = [pid for pid in keep if pid not in seen]
    if missing:
        extra = await session.exec(select(Person).where(col(Person.id).in_(missing)))
        people.extend(extra.all())
    return [(p.id, f"{p.name}（{p.employee_no}）") for p in people if p.id is not None]


# --- the year's list ------------------------------------------------------------------------


def _summary(found: sheet_service.Sheet) -> str:
    return (
        f"签到 {found.count(Presence.PRESENT)}/{found.invited} · "
        f"请假 {found.count(Presence.ON_LEAVE)} · 补学 {found.made_up}"
    )


@router.get("", response_class=HTMLResponse)
async def meeting_list(
    request: Request, session: Session, me: ConsoleUser, year: str = "", kind: str = ""
) -> HTMLResponse:
    """This China year's meetings by month, with their status and (once ended) attendance."""
    moment = now(request)
    this_year = moment.astimezone(CHINA).year
    chosen_year = parse_int(year)
    if chosen_year is None or not 2000 <= chosen_year <= 2100:
        chosen_year = this_year
    chosen_kind = kind if kind in {k.value for k in MeetingKind} else ""
    start, end = meeting_service.year_bounds(chosen_year)
    found = await meeting_service.between(
        session,
        start=start,
        end=end,
        unit_ids=me.unit_ids,
        kinds=[MeetingKind(chosen_kind)] if chosen_kind else None,
    )
    names = await org_unit_service.path_names(session)
    months: dict[int, list[dict[str, Any]]] = {}
    for meeting in found:
        status = status_of(meeting, moment)
        summary = None
        if status == "已结束":
            summary = _summary(await sheet_service.sheet(session, meeting=meeting, now=moment))
        months.setdefault(meeting.starts_at.astimezone(CHINA).month, []).append(
            {
                "meeting": meeting,
                "time": meeting_service.local_time(meeting),
                "kind": kind_label(meeting.kind),
                "unit": names.get(meeting.org_unit_id, ""),
                "status": status,
                "summary": summary,
            }
        )
    pending = await attendance.pending_leaves(session, unit_ids=me.unit_ids)
    context = {
        "nav": "meetings",
        "year": chosen_year,
        "kind": chosen_kind,
        "kinds": [(k.value, k.label) for k in MeetingKind],
        "months": sorted(months.items()),
        "total": len(found),
        "pending": len(pending),
        "tones": STATUS_TONES,
    }
    return render(request, "admin/meetings/list.html", context)


# --- the meeting form -----------------------------------------------------------------------


def parse_materials(text: str) -> tuple[list[dict[str, Any]], str | None]:
    """One material a line, "标题 链接" or just a link; the reason when a line is not one."""
    materials: list[dict[str, Any]] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        parts = line.rsplit(None, 1)
        url = parts[-1]
        if not url.startswith(("http://", "https://")) or len(url) <= len("https://"):
            return [], f"第 {number} 行的链接应以 http:// 或 https:// 开头。"
        title = parts[0].strip() if len(parts) == 2 else url
        materials.append({"title": title[:100], "url": url})
    return materials, None


def materials_text(materials: Sequence[dict[str, Any]]) -> str:
    """The materials as the textarea shows them, one a line."""
    lines = []
    for item in materials:
        url, title = str(item.get("url") or ""), str(item.get("title") or "")
        if url:
            lines.append(url if not title or title == url else f"{title} {url}")
    return "\n".join(lines)


def _keep_issue_links(
    materials: list[dict[str, Any]], old: Sequence[dict[str, Any]]
) -> list[dict[str, Any]]:
    # A material that came from a newsletter issue keeps its issue id while its link stays.
    issues = {item.get("url"): item["issue_id"] for item in old if item.get("issue_id")}
    return [
        {**item, "issue_id": issues[item["url"]]} if item["url"] in issues else item
        for item in materials
    ]


def _shown_of(draft: MeetingDraft) -> dict[str, Any]:
    start = draft.starts_at.astimezone(CHINA)
    return {
        "kind": draft.kind.value,
        "title": draft.title,
        "topic": draft.topic or "",
        "org_unit_id": str(draft.org_unit_id),
        "date": start.date().isoformat(),
        "start_time": f"{start:%H:%M}",
        "duration_minutes": str(draft.duration_minutes),
        "place": draft.place or "",
        "host_id": str(draft.host_id or ""),
        "lecturer": draft.lecturer or "",
        "materials": materials_text(draft.materials),
        "invite_mode": draft.invite_mode,
        "invite_unit_id": str(draft.invite_unit_id or ""),
        "party_members_only": draft.party_members_only,
        "person_ids": [str(pid) for pid in draft.person_ids],
        "checkin_before_minutes": str(draft.checkin_before_minutes),
        "remind": draft.remind,
        "follow_up": draft.follow_up,
        "makeup_task": draft.makeup_task or "",
    }


def _minutes(value: str, name: str, errors: dict[str, str]) -> int | None:
    if not value:
        errors[name] = "请填写分钟数。"
        return None
    number = parse_int(value)
    if number is None:
        errors[name] = "请填写整数（分钟）。"
    return number


def _choice(value: str, options: list[tuple[int, str]]) -> int | None:
    """The chosen id if it is one of the options (None otherwise)."""
    number = parse_int(value)
    return number if number in {oid for oid, _ in options} else None


def _starts_at(shown: dict[str, Any], errors: dict[str, str]) -> datetime | None:
    day: date | None = None
    at: time | None = None
    if not shown["date"]:
        errors["date"] = "请选择日期。"
    else:
        try:
            day = date.fromisoformat(shown["date"])
        except ValueError:
            errors["date"] = "日期格式应为 年-月-日，例如 2026-12-05。"
    if not shown["start_time"]:
        errors["start_time"] = "请选择开始时间。"
    else:
        try:
            at = time.fromisoformat(shown["start_time"])
        except ValueError:
            errors["start_time"] = "时间格式应为 时:分，例如 14:30。"
    if day is None or at is None:
        return None
    # What admins type is China time.
    return datetime.combine(day, at.replace(second=0, microsecond=0), CHINA)


def _check(
    form: FormData,
    *,
    meeting: Meeting | None,
    units: list[tuple[int, str]],
    people: list[tuple[int, str]],
) -> tuple[dict[str, Any], MeetingDraft | None, dict[str, str]]:
    """What was typed (to show again), the draft, and the errors by field."""
    shown: dict[str, Any] = text_fields(form, *_FORM_TEXT)
    for name in _FORM_CHECKS:
        shown[name] = form.get(name) == "on"
    shown["person_ids"] = [str(v).strip() for v in form.getlist("person_ids") if str(v).strip()]
    errors: dict[str, str] = {}
    data: dict[str, Any] = {name: shown[name] for name in _FORM_CHECKS}
    try:
        kind: MeetingKind | None = MeetingKind(shown["kind"])
    except ValueError:
        kind = None
        errors["kind"] = "请从列表中选择会议类型。"
    data["kind"] = shown["kind"]
    # A title left empty is the kind's name ("支委会").
    data["title"] = shown["title"] or (kind.label if kind else "")
    for name in ("topic", "place", "lecturer", "makeup_task"):
        data[name] = shown[name] or None
    data["org_unit_id"] = _choice(shown["org_unit_id"], units)
    if data["org_unit_id"] is None:
        errors["org_unit_id"] = "请从列表中选择主办单位。"
    data["starts_at"] = _starts_at(shown, errors)
    for name in ("duration_minutes", "checkin_before_minutes"):
        data[name] = _minutes(shown[name], name, errors)
    data["host_id"] = None
    if shown["host_id"]:
        data["host_id"] = _choice(shown["host_id"], people)
        if data["host_id"] is None:
            errors["host_id"] = "请从列表中选择主持人。"
    materials, material_error = parse_materials(shown["materials"])
    if material_error:
        errors["materials"] = material_error
    data["materials"] = _keep_issue_links(materials, meeting.materials if meeting else ())
    if shown["invite_mode"] not in INVITE_MODES:
        errors["invite_mode"] = "请选择参会范围。"
    data["invite_mode"] = shown["invite_mode"]
    data["invite_unit_id"] = None
    if shown["invite_unit_id"]:
        data["invite_unit_id"] = _choice(shown["invite_unit_id"], units)
        if data["invite_unit_id"] is None:
            errors["invite_unit_id"] = "请从列表中选择参会单位。"
    data["person_ids"] = []
    if shown["invite_mode"] == "people":
        person_ids = [_choice(v, people) for v in shown["person_ids"]]
        if None in person_ids:
            errors["person_ids"] = "请从列表中选择参会人员。"
        elif not person_ids:
            errors["person_ids"] = "请至少选择一位参会人员。"
        data["person_ids"] = sorted({pid for pid in person_ids if pid is not None})
    draft, model_errors = validate(MeetingDraft, data)
    for name, message in model_errors.items():
        # The form's own checks above say it better; the model's catch what is left.
        field = {"starts_at": "date", "__all__": "person_ids"}.get(name, name)
        errors.setdefault(field, _RANGE_MESSAGES.get(field, message))
    return shown, (draft if not errors else None), errors


async def _form_page(
    request: Request,
    *,
    meeting: Meeting | None,
    shown: dict[str, Any],
    units: list[tuple[int, str]],
    people: list[tuple[int, str]],
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    context = {
        "nav": "meetings",
        "meeting": meeting,
        "form": shown,
        "errors": errors or {},
        "kinds": [(k.value, k.label) for k in MeetingKind],
        "units": units,
        "people": people,
        "modes": INVITE_MODES,
    }
    return render(request, "admin/meetings/form.html", context, status_code)


async def _default_unit(session: AsyncSession, units: list[tuple[int, str]]) -> int | None:
    """The first branch among the options, else the first option."""
    branch = await _branches(session, {uid for uid, _ in units})
    if branch:
        return branch[0][0]
    return units[0][0] if units else None


@router.get("/new", response_class=HTMLResponse)
async def new_meeting(request: Request, session: Session, me: ConsoleWriter) -> HTMLResponse:
    """The empty form (the first branch in scope holds it, its Party members invited)."""
    units = await unit_options(session, me)
    shown: dict[str, Any] = {
        "kind": MeetingKind.GENERAL.value,
        "org_unit_id": str(await _default_unit(session, units) or ""),
        "start_time": "14:30",
        "duration_minutes": "120",
        "invite_mode": "unit",
        "party_members_only": True,
        "person_ids": [],
        "checkin_before_minutes": "30",
        "remind": True,
        "follow_up": True,
    }
    people = await people_options(session, me)
    return await _form_page(request, meeting=None, shown=shown, units=units, people=people)


@router.post("/new", response_class=HTMLResponse)
async def create_meeting(request: Request, session: Session, me: ConsoleWriter) -> Response:
    """Store a new meeting and invite its people; errors are shown next to their fields."""
    units = await unit_options(session, me)
    people = await people_options(session, me)
    shown, draft, errors = _check(await request.form(), meeting=None, units=units, people=people)
    if draft is None:
        return await _form_page(
            request,
            meeting=None,
            shown=shown,
            units=units,
            people=people,
            errors=errors,
            status_code=400,
        )
    meeting = await meeting_service.create(
        session, draft=draft, actor=actor(request, me), now=now(request)
    )
    flash(request, f"已新建会议：{meeting_service.name_of(meeting)}。")
    return redirect(f"/admin/meetings/{meeting.id}")


async def _named(session: AsyncSession, meeting: Meeting) -> list[int]:
    """Who the meeting invites by name (only a list of names counts: unit rows follow the unit)."""
    if meeting.invite_mode != "people":
        return []
    assert meeting.id is not None
    rows = await invitees.rows(session, meeting_id=meeting.id)
    return sorted(row.person_id for row in rows if row.named)


def _editable(request: Request, meeting: Meeting) -> Response | None:
    """A redirect (with the reason) when the meeting may not be edited."""
    if meeting.status == MeetingStatus.CANCELLED.value:
        flash(request, "这次会议已经取消，不能再修改。", "warning")
        return redirect(f"/admin/meetings/{meeting.id}")
    return None


async def _edit_options(
    session: AsyncSession, me: Principal, meeting: Meeting, named: Sequence[int]
) -> tuple[list[tuple[int, str]], list[tuple[int, str]]]:
    units = await unit_options(session, me)
    keep = [*named, *([meeting.host_id] if meeting.host_id else [])]
    return units, await people_options(session, me, keep)


@router.get("/{meeting_id:int}/edit", response_class=HTMLResponse)
async def edit_meeting(
    request: Request, meeting_id: int, session: Session, me: ConsoleWriter
) -> Response:
    """The form with the meeting's current values (not for a cancelled meeting)."""
    meeting = await meeting_in_scope(session, me, meeting_id)
    refused = _editable(request, meeting)
    if refused is not None:
        return refused
    named = await _named(session, meeting)
    units, people = await _edit_options(session, me, meeting, named)
    shown = _shown_of(meeting_service.draft_of(meeting, named))
    return await _form_page(request, meeting=meeting, shown=shown, units=units, people=people)


@router.post("/{meeting_id:int}/edit", response_class=HTMLResponse)
async def update_meeting(
    request: Request, meeting_id: int, session: Session, me: ConsoleWriter
) -> Response:
    """Save the changes; a study-day occurrence given a new time is marked as moved."""
    meeting = await meeting_in_scope(session, me, meeting_id)
    refused = _editable(request, meeting)
    if refused is not None:
        return refused
    units, people = await _edit_options(session, me, meeting, await _named(session, meeting))
    shown, draft, errors = _check(await request.form(), meeting=meeting, units=units, people=people)
    if draft is None:
        return await _form_page(
            request,
            meeting=meeting,
            shown=shown,
            units=units,
            people=people,
            errors=errors,
            status_code=400,
        )
    await meeting_service.update(
        session, meeting=meeting, draft=draft, actor=actor(request, me), now=now(request)
    )
    flash(request, f"已保存会议：{meeting_service.name_of(meeting)}。")
    return redirect(f"/admin/meetings/{meeting.id}")


@router.post("/{meeting_id:int}/cancel", response_class=HTMLResponse)
async def cancel_meeting(
    request: Request, meeting_id: int, session: Session, me: ConsoleWriter
) -> Response:
    """取消会议: no reminders, check-in or follow-up from now on (the records stay)."""
    meeting = await meeting_in_scope(session, me, meeting_id)
    if meeting.status == MeetingStatus.CANCELLED.value:
        flash(request, "这次会议已经取消过了。", "info")
    else:
        await meeting_service.cancel(
            session, meeting=meeting, actor=actor(request, me), now=now(request)
        )
        notice = await reminders.notify_cancelled(
            session,
            meeting=meeting,
            settings=request.app.state.settings,
            now=now(request),
            by=me.username,
        )
        told = f"已通知收到过提醒的 {notice.total} 人。" if notice is not None else ""
        flash(request, f"已取消会议：{meeting_service.name_of(meeting)}。{told}")
        if notice is not None:
            response = redirect(f"/admin/meetings/{meeting.id}")
            response.background = BackgroundTask(_kick, request)
            return response
    return redirect(f"/admin/meetings/{meeting.id}")


# --- the study-day rule ---------------------------------------------------------------------


async def _branches(session: AsyncSession, allowed: set[int] | None) -> list[tuple[int, str]]:
    """The branches among `allowed` (None: all), by their full path."""
    names = await org_unit_service.path_names(session)
    statement = (
        select(OrgUnit)
        .where(OrgUnit.kind == OrgUnitKind.BRANCH.value)
        .order_by(col(OrgUnit.sort_order), col(OrgUnit.id))
    )
    return [
        (unit.id, names.get(unit.id, unit.name))
        for unit in (await session.exec(statement)).all()
        if unit.id is not None and (allowed is None or unit.id in allowed)
    ]


async def _rule_unit(
    session: AsyncSession, me: Principal, raw: str
) -> tuple[int | None, list[tuple[int, str]]]:
    """The branch asked for (or the first the user may see), and every branch they may see."""
    branches = await _branches(session, set(me.unit_ids) if me.unit_ids is not None else None)
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
        errors.setdefault(field, _RANGE_MESSAGES.get(field, message))
    return shown, (draft if not errors else None), errors


async def _occurrences(session: AsyncSession, rule: StudyDayRule, moment: datetime) -> list[Any]:
    statement = (
        select(Meeting)
        .where(Meeting.rule_id == rule.id, col(Meeting.starts_at) >= moment)
        .order_by(col(Meeting.starts_at))
    )
    return [
        {"meeting": m, "time": meeting_service.local_time(m), "status": status_of(m, moment)}
        for m in (await session.exec(statement)).all()
    ]


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
    rule = await meeting_service.rule_for(session, unit_id=unit_id) if unit_id else None
    context = {
        "nav": "meetings",
        "unit_id": unit_id,
        "branches": branches,
        "rule": rule,
        "described": calendar.describe(rule) if rule else None,
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
    rule = await meeting_service.save_rule(
        session, unit_id=chosen, draft=draft, actor=actor(request, me), now=now(request)
    )
    if rule.active:
        flash(request, f"已保存固定学习日：{calendar.describe(rule)}。")
    else:
        flash(request, "已停用固定学习日，之后尚未单独调整的学习日已取消。")
    return redirect(f"/admin/meetings/rule?unit_id={chosen}")


# --- leave requests -------------------------------------------------------------------------


@router.get("/leaves", response_class=HTMLResponse)
async def leave_list(request: Request, session: Session, me: ConsoleUser) -> HTMLResponse:
    """Leave requests waiting for a decision, oldest first (only the user's units' people)."""
    names = await org_unit_service.path_names(session)
    rows = [
        {
            "leave": leave,
            "meeting": meeting,
            "meeting_name": meeting_service.name_of(meeting),
            # A group secretary sees their members' leave for a branch meeting they cannot open.
            "linked": me.sees_unit(meeting.org_unit_id),
            "person": person,
            "unit": names.get(person.org_unit_id or 0, ""),
        }
        for leave, meeting, person in await attendance.pending_leaves(session, unit_ids=me.unit_ids)
    ]
    return render(request, "admin/meetings/leaves.html", {"nav": "meetings", "rows": rows})


async def _kick(request: Request) -> None:
    """Start the in-process sender (run after the response, so the notice is committed)."""
    request.app.state.broadcasts.kick()


@router.post("/leaves/{leave_id:int}/decide", response_class=HTMLResponse)
async def decide_leave(
    request: Request, leave_id: int, session: Session, me: ConsoleWriter
) -> Response:
    """准假 or 不准假, with an optional note; the member is told by a notice."""
    form = await request.form()
    fields = text_fields(form, "decision", "note", "next")
    back = safe_next(fields["next"], "/admin/meetings/leaves")
    leave = await session.get(LeaveRequest, leave_id)
    person = await people_service.get(session, person_id=leave.person_id) if leave else None
    # Leave is scoped by the member's unit, as the pending list is.
    if leave is None or person is None or not me.sees_unit(person.org_unit_id):
        raise NotFound("没有找到这条请假，或者它不在您负责的组织范围内。")
    if fields["decision"] not in ("approve", "reject"):
        raise ConsoleError("请选择准假或不准假。")
    meeting = await session.get(Meeting, leave.meeting_id)
    assert meeting is not None  # the foreign key cascades: a request never outlives its meeting
    moment = now(request)
    approve = fields["decision"] == "approve"
    decided = await attendance.decide_leave(
        session,
        request=leave,
        approve=approve,
        note=fields["note"] or None,
        actor=actor(request, me),
        now=moment,
    )
    if not decided:
        flash(request, "这条请假已经处理过了。", "info")
        return redirect(back)
    await reminders.notify_leave_decision(
        session,
        request=leave,
        meeting=meeting,
        settings=request.app.state.settings,
        now=moment,
    )
    verdict = "已准假" if approve else "未准假"
    flash(request, f"{person.name}的请假{verdict}，已通知本人。")
    response = redirect(back)
    # The sender reads the notice from the database: start it once this request has committed.
    response.background = BackgroundTask(_kick, request)
    return response
