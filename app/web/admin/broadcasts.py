"""推送记录: every broadcast with its numbers, a live progress page, the export, 继续发送 of a
paused one (also 立即发送（忽略免打扰）) and 取消发送."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession
from starlette.background import BackgroundTask

from app.api.deps import Session
from app.models import Broadcast, BroadcastStatus, Person, RecipientStatus
from app.models.broadcasts import PauseKind
from app.services import audit
from app.services.accounts.admins import Principal
from app.services.broadcasts import budget_report, lifecycle, owners
from app.services.broadcasts import export as export_service
from app.services.broadcasts import progress as progress_service
from app.services.broadcasts import rows as row_service
from app.services.broadcasts.progress import (
    KINDS,
    RecipientLine,
    numbers,
    status_label,
)
from app.services.people import org_units as org_unit_service
from app.timing import QuietHours
from app.web.admin.deps import ConsoleUser, ConsoleWriter, actor, kick_senders, now
from app.web.admin.downloads import download
from app.web.admin.options import unit_options
from app.web.admin.pages import Forbidden, NotFound, flash, redirect, render

router = APIRouter(prefix="/broadcasts")
INT32_MAX = 2**31 - 1


async def _lines(
    session: AsyncSession, me: Principal, broadcast_id: int, status: str | None = None
) -> list[RecipientLine]:
    # Everyone's numbers are in the totals; only names within the user's units are listed.
    return await progress_service.recipients(
        session, broadcast_id=broadcast_id, status=status, unit_ids=me.unit_ids
    )


async def _broadcast(session: AsyncSession, broadcast_id: int) -> Broadcast:
    broadcast = await row_service.get(session, broadcast_id=broadcast_id)
    if broadcast is None:
        raise NotFound("没有找到这次推送。")
    return broadcast


async def _refusal(session: AsyncSession, me: Principal, broadcast: Broadcast) -> str | None:
    """Why this user may not act on the broadcast (None: they may): a secretary acts only on
    what their units send; the whole organisation's (a newsletter) is for admins."""
    if not me.can_write:
        return "只读账号只能查看，不能修改数据。如需修改，请联系管理员。"
    if me.is_admin:
        return None
    unit_id = await owners.unit_of(session, broadcast=broadcast)
    if unit_id is None:
        return "这是面向全组织的推送，只有管理员可以取消。"
    if not me.sees_unit(unit_id):
        return "这次推送属于其他组织，不在您负责的范围内，不能取消。"
    return None


@router.get("", response_class=HTMLResponse)
async def broadcast_list(request: Request, session: Session, me: ConsoleUser) -> HTMLResponse:
    """The newest broadcasts with their numbers."""
    entries = []
    for broadcast in await progress_service.recent(session):
        figures = numbers(await progress_service.progress(session, broadcast=broadcast))
        entries.append((broadcast, figures))
    context = {"nav": "broadcasts", "entries": entries, "kinds": KINDS}
    return render(request, "admin/broadcasts/list.html", context)


async def _budget_people(session: AsyncSession, me: Principal, unit: int | None) -> set[int] | None:
    """Whose months the user sees: the chosen unit (and those under it) within their scope."""
    units: set[int] | None = None if me.unit_ids is None else set(me.unit_ids)
    if unit is not None:
        if not me.sees_unit(unit):
            raise Forbidden("这个组织不在您负责的范围内。")
        units = await org_unit_service.subtree_ids(session, root_id=unit)
        if me.unit_ids is not None:
            units &= set(me.unit_ids)
    if units is None:
        return None
    found = await session.exec(select(Person.id).where(col(Person.org_unit_id).in_(units)))
    return {int(pid) for pid in found.all() if pid is not None}


@router.get("/budget", response_class=HTMLResponse)
async def push_budget(
    request: Request,
    session: Session,
    me: ConsoleUser,
    month: str = Query(default="", max_length=7),
    unit: str = Query(default="", max_length=10),
) -> HTMLResponse:
    """推送减负: per member and month, the pushes counted against the budget and the notices
    merged into the weekly digest (a secretary sees their units' people only)."""
    start = budget_report.parse_month(month, now=now(request))
    # The form's 全部 sends an empty unit; anything but a sane id is 全部 too.
    unit_id = int(unit) if unit.isdigit() and 0 < int(unit) <= INT32_MAX else None
    people = await _budget_people(session, me, unit_id)
    context = {
        "nav": "broadcasts",
        "month": f"{start:%Y-%m}",
        "unit": unit_id,
        "units": await unit_options(session, me),
        "budget": request.app.state.settings.push_budget_per_month,
        "members": await budget_report.month(session, start=start, person_ids=people),
    }
    return render(request, "admin/broadcasts/budget.html", context)


@router.get("/{broadcast_id:int}", response_class=HTMLResponse)
async def broadcast_detail(
    request: Request, broadcast_id: int, session: Session, me: ConsoleUser, status: str = ""
) -> HTMLResponse:
    """One broadcast: live numbers, channels, reasons, and each person's row (by status)."""
    broadcast = await _broadcast(session, broadcast_id)
    progress = await progress_service.progress(session, broadcast=broadcast)
    chosen = status if status in {s.value for s in RecipientStatus} else ""
    may_act = await _refusal(session, me, broadcast) is None
    context = {
        "nav": "broadcasts",
        "broadcast": broadcast,
        "figures": numbers(progress),
        "progress": progress,
        "lines": await _lines(session, me, broadcast_id, chosen or None),
        "status_filter": chosen,
        "statuses": list(RecipientStatus),
        "status_label": export_service.status_label,
        "channel_label": export_service.channel_label,
        "kinds": KINDS,
        # One rule for every action on a broadcast: what the user's units send (or an admin).
        "cancellable": broadcast.status in lifecycle.ACTIVE and may_act,
        "resumable": broadcast.status == BroadcastStatus.PAUSED.value and may_act,
    }
    return render(request, "admin/broadcasts/detail.html", context)


@router.get("/{broadcast_id:int}/progress.json")
async def broadcast_progress(broadcast_id: int, session: Session, me: ConsoleUser) -> Response:
    """The numbers alone, polled every second by the progress page."""
    broadcast = await _broadcast(session, broadcast_id)
    figures = numbers(await progress_service.progress(session, broadcast=broadcast))
    return JSONResponse(figures, headers={"Cache-Control": "no-store"})


@router.get("/{broadcast_id:int}/export.xlsx")
async def broadcast_export(
    request: Request, broadcast_id: int, session: Session, me: ConsoleUser
) -> Response:
    """Download the per-person rows and the summary (audited as broadcast.export)."""
    broadcast = await _broadcast(session, broadcast_id)
    progress = await progress_service.progress(session, broadcast=broadcast)
    lines = await _lines(session, me, broadcast_id)
    zone = ZoneInfo(request.app.state.settings.timezone)
    data = export_service.workbook(progress, lines, title=broadcast.title, zone=zone)
    await audit.record(
        session,
        actor=actor(request, me),
        action="broadcast.export",
        target_type="broadcast",
        target_id=broadcast_id,
        summary=f"导出推送明细：{broadcast.title}（{len(lines)} 人）",
    )
    return download(
        data, f"推送明细-{broadcast_id}.xlsx", fallback=f"broadcast-{broadcast_id}.xlsx"
    )


@router.post("/{broadcast_id:int}/cancel")
async def broadcast_cancel(
    request: Request, broadcast_id: int, session: Session, me: ConsoleWriter
) -> Response:
    """取消发送: whoever has not been sent to yet gets nothing (audited)."""
    broadcast = await _broadcast(session, broadcast_id)
    refusal = await _refusal(session, me, broadcast)
    if refusal is not None:
        raise Forbidden(refusal)
    if broadcast.status not in lifecycle.ACTIVE:
        flash(request, f"这次推送{status_label(broadcast.status)}，不能再取消。", "warning")
        return redirect(f"/admin/broadcasts/{broadcast_id}")
    stopped = await lifecycle.cancel(
        session, broadcast_id=broadcast_id, now=now(request), by=me.username
    )
    await audit.record(
        session,
        actor=actor(request, me),
        action="broadcast.cancel",
        target_type="broadcast",
        target_id=broadcast_id,
        summary=f"取消发送：{broadcast.title}（{stopped} 人未发出）",
    )
    flash(request, f"已取消发送，{stopped} 人的消息不再发出；已经发出的无法撤回。")
    return redirect(f"/admin/broadcasts/{broadcast_id}")


@router.post("/{broadcast_id:int}/resume")
async def broadcast_resume(
    request: Request, broadcast_id: int, session: Session, me: ConsoleWriter
) -> Response:
    """继续发送 a paused broadcast now; with ignore_quiet, 立即发送（忽略免打扰） (audited).

    A secretary may do it only for what their units send (the rule of 取消发送)."""
    broadcast = await _broadcast(session, broadcast_id)
    refusal = await _refusal(session, me, broadcast)
    if refusal is not None:
        raise Forbidden(refusal)
    ignore_quiet = (await request.form()).get("ignore_quiet") == "1"
    back = redirect(f"/admin/broadcasts/{broadcast_id}")
    if not await lifecycle.resume(session, broadcast_id=broadcast_id, ignore_quiet=ignore_quiet):
        flash(request, f"这次推送{status_label(broadcast.status)}，不需要继续发送。", "warning")
        return back
    how = "立即发送（忽略免打扰）" if ignore_quiet else "继续发送"
    await audit.record(
        session,
        actor=actor(request, me),
        action="broadcast.resume",
        target_type="broadcast",
        target_id=broadcast_id,
        summary=f"{how}：{broadcast.title}（原暂停原因：{broadcast.pause_reason or '无'}）",
    )
    quiet = QuietHours.parse(request.app.state.settings.quiet_hours)
    until = None if ignore_quiet else lifecycle.quiet_until(broadcast, quiet, now(request))
    if quiet is not None and until is not None:
        # Still quiet hours: it stays paused, saying until when by the settings of now.
        reason = lifecycle.quiet_reason(quiet, until)
        await lifecycle.pause(
            session, broadcast_id=broadcast_id, until=until, reason=reason, kind=PauseKind.QUIET
        )
        flash(
            request,
            f"仍然暂停：{reason}。要现在发出，请点「立即发送（忽略免打扰）」。",
            "warning",
        )
    else:
        flash(request, f"已{how}：{broadcast.title}。")
    back.background = BackgroundTask(kick_senders, request)
    return back
