"""A meeting's check-in QR code in the console: generate or renew it, its image, a print page."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import structlog
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from jinja2 import pass_context
from sqlmodel.ext.asyncio.session import AsyncSession

from app.api.deps import Session
from app.models import Meeting
from app.services import audit
from app.services.accounts.admins import Principal
from app.services.meetings import meetings as meeting_service
from app.services.meetings import qr as qr_service
from app.services.meetings.qr import QrState, QrUnavailable
from app.web.admin.deps import ConsoleUser, ConsoleWriter, actor, now
from app.web.admin.meetings.pages import kind_label, meeting_in_scope
from app.web.admin.pages import SECURITY_HEADERS, NotFound, flash, redirect, render, templates
from app.wechat.errors import (
    PermanentError,
    QuotaError,
    TokenInvalidError,
    TransientError,
    WeChatError,
)

log = structlog.get_logger("app.web.admin.meetings.qr")

router = APIRouter(prefix="/meetings")

# WeChat refuses parametric codes to accounts without the right (unverified, subscription).
API_UNAUTHORIZED = 48001
# The image only: nothing in it may run or load anything, even opened on its own.
SVG_HEADERS = {
    "Cache-Control": "private, no-cache",
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'",
    "X-Content-Type-Options": SECURITY_HEADERS["X-Content-Type-Options"],
}


@dataclass(frozen=True)
class QrPanel:
    """What the meeting page's QR card shows: the stored code's state and what may be done."""

    state: QrState
    expires_at: datetime | None
    reason: str | None  # why no new code can be made (cancelled, check-in over)

    @property
    def usable(self) -> bool:
        """Whether there is a code to show and print."""
        return self.state in (QrState.SHORT, QrState.VALID)

    @property
    def can_generate(self) -> bool:
        """Whether 生成 / 重新生成 makes sense: no working code until check-in closes yet."""
        return self.reason is None and self.state is not QrState.VALID


def panel(meeting: Meeting, moment: datetime) -> QrPanel:
    """The QR card of a meeting at `moment`."""
    found = qr_service.status(meeting, moment)
    return QrPanel(found.state, found.expires_at, qr_service.unavailable_reason(meeting, moment))


@pass_context
def _panel_for_template(context: Any, meeting: Meeting) -> QrPanel:
    request: Request = context["request"]
    return panel(meeting, now(request))


# The meeting page (another module's) includes admin/meetings/_qr.html with only `meeting` in
# its context; the card needs the clock too, so it asks through this global.
templates.env.globals["meeting_qr_panel"] = _panel_for_template


def wechat_reason(exc: WeChatError) -> str:
    """Why WeChat made no code, in words an admin can act on."""
    if isinstance(exc, TransientError):
        return "微信暂时没有响应，请稍后再试。"
    if isinstance(exc, QuotaError):
        return "公众号今天调用生成二维码的次数已用完，请明天再试。"
    if isinstance(exc, TokenInvalidError):
        return "公众号的接口凭证无效，请检查公众号的 AppID 和 AppSecret 配置。"
    if isinstance(exc, PermanentError) and exc.errcode == API_UNAUTHORIZED:
        return "公众号没有生成带参数二维码的权限（需要已认证的服务号）。"
    return f"微信拒绝了生成二维码的请求（错误码 {exc.errcode}）。"


def _zone(request: Request) -> ZoneInfo:
    return ZoneInfo(request.app.state.settings.timezone)


@router.post("/{meeting_id:int}/qr")
async def generate_qr(
    request: Request, meeting_id: int, session: Session, me: ConsoleWriter
) -> Response:
    """生成签到二维码: keep a code that works until check-in closes, else make a new one."""
    meeting = await meeting_in_scope(session, me, meeting_id)
    back = f"/admin/meetings/{meeting_id}#qr"
    moment = now(request)
    before = (meeting.qr_ticket, meeting.qr_expires_at)
    try:
        await qr_service.ensure_qr(
            session, client=request.app.state.wechat, meeting=meeting, now=moment
        )
    except QrUnavailable as exc:
        flash(request, str(exc), "warning")
        return redirect(back)
    except WeChatError as exc:
        log.warning("meeting_qr_failed", meeting=meeting_id, errcode=exc.errcode, call=exc.call)
        flash(request, f"没有生成签到二维码：{wechat_reason(exc)}", "danger")
        return redirect(back)
    if (meeting.qr_ticket, meeting.qr_expires_at) == before:
        flash(request, "签到二维码仍然有效，可以直接打印。", "info")
        return redirect(back)
    await audit.record(
        session,
        actor=actor(request, me),
        action="meeting.qr",
        target_type="meeting",
        target_id=meeting.id,
        summary=meeting_service.name_of(meeting),
    )
    expires = meeting.qr_expires_at
    assert expires is not None
    local = expires.astimezone(_zone(request))
    flash(request, f"已生成签到二维码，有效期至 {local:%Y-%m-%d %H:%M}。")
    return redirect(back)


async def _usable(
    request: Request, session: AsyncSession, me: Principal, meeting_id: int
) -> Meeting:
    meeting = await meeting_in_scope(session, me, meeting_id)
    if not qr_service.status(meeting, now(request)).usable:
        raise NotFound("这次会议还没有可用的签到二维码。请在会议页面生成。")
    return meeting


@router.get("/{meeting_id:int}/qr.svg")
async def qr_image(
    request: Request, meeting_id: int, session: Session, me: ConsoleUser
) -> Response:
    """The code as an SVG image (404 when there is none, or it expired)."""
    meeting = await _usable(request, session, me, meeting_id)
    assert meeting.qr_url is not None
    return Response(
        qr_service.qr_svg(meeting.qr_url), media_type="image/svg+xml", headers=SVG_HEADERS
    )


@router.get("/{meeting_id:int}/qr", response_class=HTMLResponse)
async def qr_print(
    request: Request, meeting_id: int, session: Session, me: ConsoleUser
) -> HTMLResponse:
    """The printable sheet: the big code, the meeting's name, time and place, valid-until."""
    meeting = await _usable(request, session, me, meeting_id)
    zone = _zone(request)
    found = qr_service.status(meeting, now(request))
    assert found.expires_at is not None
    context = {
        "meeting": meeting,
        "kind": kind_label(meeting.kind),
        "time": meeting_service.local_time(meeting),
        "ends": f"{meeting.ends_at.astimezone(zone):%H:%M}",
        "expires": f"{found.expires_at.astimezone(zone):%Y年%m月%d日 %H:%M}",
        "short": found.state is QrState.SHORT,
    }
    return render(request, "admin/meetings/qr_print.html", context)
