"""刊物: the issues of every series, the preview as WeChat shows it, reach, 立即发送, 取消定时."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response
from markupsafe import Markup
from sqlmodel.ext.asyncio.session import AsyncSession

from app.api.deps import Session
from app.models import IssueStatus, NewsletterIssue, NewsletterSeries
from app.models.broadcasts import PauseKind
from app.models.types import CHINA, label_of
from app.services import audit
from app.services.accounts.admins import Principal
from app.services.broadcasts import lifecycle
from app.services.broadcasts import progress as progress_service
from app.services.broadcasts import rows as row_service
from app.services.broadcasts.rows import DuplicateBroadcast
from app.services.newsletters import issues as newsletter_service
from app.services.newsletters.publishing import PublishError, plan_reach, publish
from app.services.people import roster as people_service
from app.timing import QuietHours
from app.web.admin.deps import ConsoleUser, ConsoleWriter, actor, now
from app.web.admin.forms import parse_int
from app.web.admin.pages import SECURITY_HEADERS, Forbidden, NotFound, flash, redirect, render

router = APIRouter(prefix="/newsletters")


async def issue_publisher(me: ConsoleWriter) -> Principal:
    """An admin: an issue goes to the whole organisation (secretaries may draft one)."""
    if not me.is_admin:
        raise Forbidden("刊物面向全组织发送，只有管理员可以发送或取消定时。")
    return me


Publisher = Annotated[Principal, Depends(issue_publisher)]

EDITABLE = frozenset({IssueStatus.DRAFT.value, IssueStatus.SCHEDULED.value})
CHANNEL_MODES = {"auto": "自动", "mass": "群发图文", "notify": "逐人通知"}
STATUS_TONES = {
    "draft": "text-bg-light border",
    "scheduled": "text-bg-info",
    "sending": "text-bg-primary",
    "sent": "text-bg-success",
    "cancelled": "text-bg-secondary",
}


def issue_label(status: str) -> str:
    """An issue status in Chinese."""
    return label_of(IssueStatus, status)


def audit_view(issue: NewsletterIssue) -> dict[str, Any] | None:
    """The issue for before/after in the audit trail: the cover by name and size, not bytes."""
    view = audit.snapshot(issue)
    if view is not None:
        view.pop("cover_image", None)
        view["cover_bytes"] = len(issue.cover_image) if issue.cover_image else 0
    return view


async def issue_or_404(session: AsyncSession, issue_id: int) -> NewsletterIssue:
    """The issue, or the console's 404 page."""
    issue = await newsletter_service.get(session, issue_id=issue_id)
    if issue is None:
        raise NotFound("没有找到这一期刊物。")
    return issue


async def _series_of(session: AsyncSession, issue: NewsletterIssue) -> NewsletterSeries:
    series = await session.get(NewsletterSeries, issue.series_id)
    assert series is not None  # the foreign key is RESTRICT: a series with issues stays
    return series


@router.get("", response_class=HTMLResponse)
async def issue_list(
    request: Request, session: Session, me: ConsoleUser, series: str = ""
) -> HTMLResponse:
    """Issues of all series (or one), with their status, delivery and read counts."""
    all_series = await newsletter_service.all_series(session)
    names = {s.id: s.name for s in all_series}
    series_id = parse_int(series)
    chosen = series_id if series_id in names else None
    rows = []
    for issue in await newsletter_service.issues(session, series_id=chosen):
        assert issue.id is not None
        figures = None
        if issue.broadcast_id is not None:
            broadcast = await row_service.get(session, broadcast_id=issue.broadcast_id)
            if broadcast is not None:
                figures = progress_service.numbers(
                    await progress_service.progress(session, broadcast=broadcast)
                )
        reads = await newsletter_service.read_count(session, issue_id=issue.id)
        rows.append(
            {
                "issue": issue,
                "series": names.get(issue.series_id, ""),
                "figures": figures,
                "reads": reads,
            }
        )
    context = {
        "nav": "newsletters",
        "rows": rows,
        "all_series": all_series,
        "chosen": chosen,
        "label": issue_label,
        "tones": STATUS_TONES,
    }
    return render(request, "admin/newsletters/list.html", context)


async def preview_page(
    request: Request,
    session: AsyncSession,
    me: Principal,
    issue: NewsletterIssue,
    *,
    error: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    """The issue as a phone shows it, and (before sending) who it would reach and how."""
    series = await _series_of(session, issue)
    assert issue.id is not None
    reach = None
    unreachable: list[dict[str, Any]] = []
    if issue.status in EDITABLE and issue.broadcast_id is None:
        reach = await plan_reach(
            session, issue=issue, settings=request.app.state.settings, now=now(request)
        )
        # Counts cover everyone; names are listed only within a secretary's own units.
        shown = await people_service.employee_numbers(
            session, person_ids=(p.person_id for p in reach.unreachable), unit_ids=me.unit_ids
        )
        unreachable = [
            {"id": p.person_id, "name": p.name, "employee_no": shown[p.person_id], "why": p.reason}
            for p in reach.unreachable
            if p.person_id in shown
        ]
    context = {
        "nav": "newsletters",
        "issue": issue,
        "series": series,
        "display_title": newsletter_service.display_title(series, issue),
        # render() escapes raw HTML (markdown-it with html off): its output is safe to embed.
        "article_html": Markup(  # noqa: S704
            newsletter_service.render(
                issue.body,
                await newsletter_service.image_urls(
                    session, issue_id=issue.id, base=f"/admin/newsletters/{issue.id}"
                ),
            )
        ),
        "cover_src": f"/admin/newsletters/{issue.id}/cover" if issue.cover_image else None,
        "dated": (issue.sent_at or issue.scheduled_at or now(request)).astimezone(CHINA),
        "account": request.app.title,
        "reach": reach,
        "reachable": sum(reach.by_channel.values()) if reach else 0,
        "unreachable": unreachable,
        "unreachable_total": len(reach.unreachable) if reach else 0,
        "editable": issue.status in EDITABLE,
        "modes": CHANNEL_MODES,
        "label": issue_label,
        "tones": STATUS_TONES,
        "error": error,
        "quiet_until": _quiet_until(request),
    }
    return render(request, "admin/newsletters/preview.html", context, status_code)


def _quiet_until(request: Request) -> str | None:
    """When sending now would start, if we are in quiet hours (China time, for the notice)."""
    quiet = QuietHours.parse(request.app.state.settings.quiet_hours)
    until = quiet.until(now(request)) if quiet is not None else None
    return f"{until.astimezone(CHINA):%m-%d %H:%M}" if until is not None else None


@router.get("/{issue_id:int}", response_class=HTMLResponse)
async def issue_preview(
    request: Request, issue_id: int, session: Session, me: ConsoleUser
) -> HTMLResponse:
    """Preview one issue, with the reach panel and the send buttons."""
    return await preview_page(request, session, me, await issue_or_404(session, issue_id))


@router.get("/{issue_id:int}/cover")
async def issue_cover(issue_id: int, session: Session, me: ConsoleUser) -> Response:
    """The cover image as uploaded (for the preview and the form)."""
    issue = await issue_or_404(session, issue_id)
    media_type = newsletter_service.image_type(issue.cover_image) if issue.cover_image else None
    if issue.cover_image is None or media_type is None:
        raise NotFound("这一期还没有封面图片。")
    headers = {
        "Cache-Control": "private, no-cache",
        "X-Content-Type-Options": SECURITY_HEADERS["X-Content-Type-Options"],
    }
    return Response(issue.cover_image, media_type=media_type, headers=headers)


@router.get("/{issue_id:int}/images/{number:int}")
async def issue_image(issue_id: int, number: int, session: Session, me: ConsoleUser) -> Response:
    """A photo of the issue's body, as uploaded (for the preview and the form)."""
    found = await newsletter_service.image(session, issue_id=issue_id, number=number)
    media_type = newsletter_service.image_type(found.content) if found else None
    if found is None or media_type is None:
        raise NotFound("没有找到这张图片。")
    headers = {
        "Cache-Control": "private, no-cache",
        "X-Content-Type-Options": SECURITY_HEADERS["X-Content-Type-Options"],
    }
    return Response(found.content, media_type=media_type, headers=headers)


@router.post("/{issue_id:int}/send", response_class=HTMLResponse)
async def issue_send(request: Request, issue_id: int, session: Session, me: Publisher) -> Response:
    """立即发送: prepare the WeChat article, store the broadcast, start the sender (audited)."""
    issue = await issue_or_404(session, issue_id)
    if issue.broadcast_id is not None:
        # A second click, or another tab: never a second broadcast, just the first one's page.
        flash(request, "这一期已经发送过，下面是它的推送进度。", "info")
        return redirect(f"/admin/broadcasts/{issue.broadcast_id}")
    state = request.app.state
    try:
        # publish() runs its own units of work (it calls WeChat between them); nothing is
        # written in this request's session before it, so SQLite's single writer is free.
        published = await publish(
            sessions=state.sessions,
            client=state.broadcast_client,
            settings=state.settings,
            issue_id=issue_id,
            actor=me.username,
            now=now(request),
        )
    except DuplicateBroadcast as exc:
        # Two clicks at the same moment: the other request created it; show that one.
        return redirect(f"/admin/broadcasts/{exc.existing.id}")
    except PublishError as exc:
        await session.refresh(issue)  # publish may have stored the cover or draft meanwhile
        return await preview_page(request, session, me, issue, error=str(exc), status_code=400)
    broadcast = published.broadcast
    if not published.created:
        return redirect(f"/admin/broadcasts/{broadcast.id}")
    await audit.record(
        session,
        actor=actor(request, me),
        action="newsletter.send",
        target_type="newsletter_issue",
        target_id=issue_id,
        summary=f"发送 {broadcast.title}（共 {broadcast.total} 人，推送 #{broadcast.id}）",
    )
    quiet = QuietHours.parse(state.settings.quiet_hours)
    until = lifecycle.quiet_until(broadcast, quiet, now(request))
    if quiet is not None and until is not None:
        # Paused here and now, so the page it lands on says so (not 发送中 until the sender ran).
        reason = lifecycle.quiet_reason(quiet, until)
        await lifecycle.pause(
            session,
            broadcast_id=broadcast.id or 0,
            until=until,
            reason=reason,
            kind=PauseKind.QUIET,
        )
        flash(request, f"{broadcast.title} 已暂停，还没有发出：{reason}。", "warning")
    else:
        state.broadcasts.kick()
        flash(request, f"已开始发送 {broadcast.title}。")
    return redirect(f"/admin/broadcasts/{broadcast.id}")


@router.post("/{issue_id:int}/unschedule", response_class=HTMLResponse)
async def issue_unschedule(
    request: Request, issue_id: int, session: Session, me: Publisher
) -> Response:
    """取消定时: the issue goes back to being a draft (audited)."""
    issue = await issue_or_404(session, issue_id)
    if issue.status != IssueStatus.SCHEDULED.value:
        flash(request, f"这一期{issue_label(issue.status)}，没有定时发送可以取消。", "warning")
        return redirect(f"/admin/newsletters/{issue_id}")
    before = audit_view(issue)
    issue.status = IssueStatus.DRAFT.value
    issue.scheduled_at = None
    issue.updated_at = now(request)
    session.add(issue)
    await session.flush()
    await audit.record(
        session,
        actor=actor(request, me),
        action="newsletter.unschedule",
        target_type="newsletter_issue",
        target_id=issue_id,
        summary=f"取消定时：第 {issue.number} 期 {issue.title}",
        before=before,
        after=audit_view(issue),
    )
    flash(request, "已取消定时发送，这一期回到草稿。")
    return redirect(f"/admin/newsletters/{issue_id}")
