"""The meeting form: create, edit and cancel a meeting."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from sqlmodel.ext.asyncio.session import AsyncSession
from starlette.datastructures import FormData

from app.api.deps import Session
from app.models import (
    Meeting,
    MeetingKind,
    MeetingStatus,
)
from app.models.types import CHINA
from app.services.accounts.admins import Principal
from app.services.meetings import invitees
from app.services.meetings import meetings as meeting_service
from app.services.meetings.meetings import MeetingDraft
from app.services.people.roster import people_options
from app.web.admin.deps import ConsoleWriter, actor, now
from app.web.admin.forms import Part, china_datetime, choice, parse_int, text_fields, validate
from app.web.admin.meetings.pages import meeting_in_scope
from app.web.admin.options import branch_options, unit_options
from app.web.admin.pages import flash, redirect, render

router = APIRouter(prefix="/meetings")

INVITE_MODES = {"unit": "本单位（含下级党小组）", "people": "指定人员"}
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
# The model's own messages are generic ("填写有误"); number fields say what range is allowed.
RANGE_MESSAGES = {
    "duration_minutes": "时长应在 10 到 720 分钟之间。",
    "checkin_before_minutes": "提前签到应在 0 到 240 分钟之间。",
    "day_of_month": "每月几日应在 1 到 31 之间。",
    "months_ahead": "提前安排应在 1 到 12 个月之间。",
    "weekday": "请从列表中选择。",
}


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


STARTS_AT = (
    Part("date", "请选择日期。", "日期格式应为 年-月-日，例如 2026-12-05。"),
    Part("start_time", "请选择开始时间。", "时间格式应为 时:分，例如 14:30。"),
)


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
    data["org_unit_id"] = choice(shown["org_unit_id"], units)
    if data["org_unit_id"] is None:
        errors["org_unit_id"] = "请从列表中选择主办单位。"
    data["starts_at"] = china_datetime(shown, errors, day=STARTS_AT[0], at=STARTS_AT[1])
    for name in ("duration_minutes", "checkin_before_minutes"):
        data[name] = _minutes(shown[name], name, errors)
    data["host_id"] = None
    if shown["host_id"]:
        data["host_id"] = choice(shown["host_id"], people)
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
        data["invite_unit_id"] = choice(shown["invite_unit_id"], units)
        if data["invite_unit_id"] is None:
            errors["invite_unit_id"] = "请从列表中选择参会单位。"
    data["person_ids"] = []
    if shown["invite_mode"] == "people":
        person_ids = [choice(v, people) for v in shown["person_ids"]]
        if None in person_ids:
            errors["person_ids"] = "请从列表中选择参会人员。"
        elif not person_ids:
            errors["person_ids"] = "请至少选择一位参会人员。"
        data["person_ids"] = sorted({pid for pid in person_ids if pid is not None})
    draft, model_errors = validate(MeetingDraft, data)
    for name, message in model_errors.items():
        # The form's own checks above say it better; the model's catch what is left.
        field = {"starts_at": "date", "__all__": "person_ids"}.get(name, name)
        errors.setdefault(field, RANGE_MESSAGES.get(field, message))
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
    branch = await branch_options(session, {uid for uid, _ in units})
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
    people = await people_options(session, me.unit_ids)
    return await _form_page(request, meeting=None, shown=shown, units=units, people=people)


@router.post("/new", response_class=HTMLResponse)
async def create_meeting(request: Request, session: Session, me: ConsoleWriter) -> Response:
    """Store a new meeting and invite its people; errors are shown next to their fields."""
    units = await unit_options(session, me)
    people = await people_options(session, me.unit_ids)
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
    return units, await people_options(session, me.unit_ids, keep)


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
