"""Writing an issue: new and edit (text, cover, channel, schedule), drafts and scheduled only."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from pathlib import PurePath
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel, Field
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession
from starlette.datastructures import FormData, UploadFile

from app.api.deps import Session
from app.models import IssueStatus, NewsletterIssue
from app.services import audit
from app.services.newsletters import issues as newsletter_service
from app.web.admin.deps import ConsoleWriter, actor, now
from app.web.admin.forms import blank_to_none, parse_int, text_fields, validate
from app.web.admin.newsletters.pages import (
    CHANNEL_MODES,
    EDITABLE,
    audit_view,
    issue_or_404,
)
from app.web.admin.pages import ConsoleError, flash, redirect, render

router = APIRouter(prefix="/newsletters")

MAX_COVER_BYTES = 2 * 1024 * 1024  # WeChat's limit for an article image
MAX_BODY_IMAGE_BYTES = 1024 * 1024  # WeChat's limit for an image inside an article (uploadimg)
_TEXT = ("series_id", "number", "title", "author", "digest", "body", "channel_mode", "scheduled_at")
_EXTENSIONS = {"image/png": ".png", "image/jpeg": ".jpg"}
# A new WeChat draft is needed when what it shows changes (the cover has its own id too).
_DRAFT_FIELDS = ("title", "author", "digest", "body")


class ChannelMode(StrEnum):
    """How the issue goes out: chosen per person (自动), or forced."""

    AUTO = "auto"
    MASS = "mass"
    NOTIFY = "notify"


class IssueText(BaseModel):
    """What the form checks by the model; series, number, time and cover are checked by hand."""

    title: str = Field(min_length=1, max_length=64)
    author: str | None = Field(default=None, max_length=16)
    digest: str | None = Field(default=None, max_length=120)
    body: str = Field(default="", max_length=20_000)  # WeChat refuses longer article content
    channel_mode: ChannelMode = ChannelMode.AUTO
    freepublish: bool = False


def _zone(request: Request) -> ZoneInfo:
    return ZoneInfo(request.app.state.settings.timezone)


def _parse_when(raw: str, zone: ZoneInfo) -> datetime | None:
    """A datetime-local value (China time) as UTC; ValueError when it is not one."""
    if not raw:
        return None
    return datetime.fromisoformat(raw).replace(tzinfo=zone).astimezone(UTC)


async def _image(
    upload: UploadFile, *, limit: int, too_big: str, wrong_type: str, default: str
) -> tuple[tuple[bytes, str] | None, str | None]:
    """An uploaded image and its stored file name, or the reason it is refused."""
    data = await upload.read(limit + 1)
    if len(data) > limit:
        return None, too_big
    kind = newsletter_service.image_type(data)
    if kind is None:
        return None, wrong_type
    # WeChat's upload checks the extension: keep the name, but with the type's own ending.
    stem = PurePath((upload.filename or "").replace("\\", "/")).stem[:100] or default
    return (data, f"{stem}{_EXTENSIONS[kind]}"), None


async def _cover(form: FormData) -> tuple[tuple[bytes, str] | None, str | None]:
    """The uploaded cover and its stored file name, or the reason it is refused."""
    upload = form.get("cover")
    if not isinstance(upload, UploadFile) or not upload.filename:
        return None, None
    return await _image(
        upload,
        limit=MAX_COVER_BYTES,
        too_big="封面图片不能超过 2 MB",
        wrong_type="封面只能是 JPG 或 PNG 图片",
        default="cover",
    )


async def _body_images(form: FormData) -> tuple[list[tuple[bytes, str]], str | None]:
    """The photos added for the body (checked like the cover), or why one is refused."""
    # At most 20 a time: the form's parser (app/web/security.py, MAX_FILES) takes no more.
    uploads = [u for u in form.getlist("images") if isinstance(u, UploadFile) and u.filename]
    checked = []
    for upload in uploads:
        found, problem = await _image(
            upload,
            limit=MAX_BODY_IMAGE_BYTES,
            too_big=f"正文图片「{upload.filename}」超过 1 MB（微信的上限）",
            wrong_type=f"正文图片「{upload.filename}」不是 JPG 或 PNG 图片",
            default="image",
        )
        if found is None:
            return [], problem
        checked.append(found)
    return checked, None


async def _number_taken(
    session: AsyncSession, series_id: int, number: int, issue_id: int | None
) -> bool:
    statement = select(NewsletterIssue.id).where(
        NewsletterIssue.series_id == series_id, NewsletterIssue.number == number
    )
    found = (await session.exec(statement)).first()
    return found is not None and found != issue_id


async def _check_number(
    session: AsyncSession, shown: dict[str, Any], issue: NewsletterIssue | None
) -> dict[str, str]:
    """The series must exist; a blank number means the next one; numbers are unique per series."""
    series_ids = {s.id for s in await newsletter_service.all_series(session)}
    series_id = parse_int(shown["series_id"])
    if series_id is None or series_id not in series_ids:
        return {"series_id": "请从列表中选择"}
    if not shown["number"]:
        shown["number"] = str(await newsletter_service.next_number(session, series_id=series_id))
    number = parse_int(shown["number"])
    if number is None or number < 1:
        return {"number": "期号应为正整数"}
    if await _number_taken(session, series_id, number, issue.id if issue else None):
        return {"number": f"这个刊物的第 {number} 期已经存在"}
    return {}


async def _check(
    request: Request, session: AsyncSession, form: FormData, issue: NewsletterIssue | None
) -> tuple[dict[str, Any], dict[str, Any], dict[str, str]]:
    """What was typed (to show again), the checked values, and the errors by field."""
    shown: dict[str, Any] = text_fields(form, *_TEXT)
    values = blank_to_none(shown, keep=("title", "body", "channel_mode"))
    shown["freepublish"] = values["freepublish"] = form.get("freepublish") == "on"
    data, errors = validate(IssueText, values)
    errors.update(await _check_number(session, shown, issue))
    when: datetime | None = None
    try:
        when = _parse_when(shown["scheduled_at"], _zone(request))
    except ValueError:
        errors["scheduled_at"] = "时间格式不对，请用日期时间选择器"
    if when is not None and when <= now(request):
        errors["scheduled_at"] = "定时发送的时间已经过去，请选择以后的时间"
    # A set time is a send to the whole organisation: an admin's decision, like 立即发送.
    admin = request.state.console_user.is_admin
    if when is not None and not admin and (issue is None or when != issue.scheduled_at):
        errors["scheduled_at"] = "定时发送面向全组织，只有管理员可以设置；请留空，保存为草稿"
    cover, cover_error = await _cover(form)
    if cover_error:
        errors["cover"] = cover_error
    images, images_error = await _body_images(form)
    if images_error:
        errors["images"] = images_error
    checked: dict[str, Any] = {
        **(data.model_dump() if data else {}),
        "series_id": parse_int(shown["series_id"]),
        "number": parse_int(shown["number"]),
        "scheduled_at": when,
        "cover": cover,
        "remove_cover": form.get("remove_cover") == "on",
        "images": images,
        "remove_images": {n for v in form.getlist("remove_image") if (n := parse_int(str(v)))},
    }
    return shown, checked, errors


async def _apply_images(
    session: AsyncSession, issue: NewsletterIssue, checked: dict[str, Any]
) -> str | None:
    """Add and delete body images; a change forgets the WeChat draft. What changed, if any."""
    assert issue.id is not None
    removed = await newsletter_service.remove_images(
        session, issue_id=issue.id, numbers=checked["remove_images"]
    )
    added = await newsletter_service.add_images(session, issue_id=issue.id, files=checked["images"])
    if not (removed or added):
        return None
    issue.draft_media_id = None  # the draft's content shows the images
    session.add(issue)
    numbers = "、".join(str(image.number) for image in added)
    return "，".join(
        part
        for part in (
            f"添加图片 {numbers}" if added else "",
            f"删除 {removed} 张图片" if removed else "",
        )
        if part
    )


def _apply(issue: NewsletterIssue, checked: dict[str, Any], moment: datetime) -> None:
    """Copy the checked values onto the issue; a changed article forgets its WeChat draft."""
    if any(getattr(issue, name) != checked[name] for name in _DRAFT_FIELDS):
        issue.draft_media_id = None
    for name in (*_DRAFT_FIELDS, "series_id", "number", "freepublish", "scheduled_at"):
        setattr(issue, name, checked[name])
    issue.channel_mode = ChannelMode(checked["channel_mode"]).value
    cover = checked["cover"]
    if cover is not None or (checked["remove_cover"] and issue.cover_image is not None):
        issue.cover_image, issue.cover_filename = cover if cover else (None, None)
        # The uploaded cover and the draft built on it belong to the old image.
        issue.cover_media_id = issue.cover_url = issue.draft_media_id = None
    scheduled = issue.scheduled_at is not None
    issue.status = (IssueStatus.SCHEDULED if scheduled else IssueStatus.DRAFT).value
    issue.updated_at = moment


def _shown(request: Request, issue: NewsletterIssue) -> dict[str, Any]:
    when = issue.scheduled_at.astimezone(_zone(request)) if issue.scheduled_at else None
    return {
        "series_id": str(issue.series_id),
        "number": str(issue.number),
        "title": issue.title,
        "author": issue.author or "",
        "digest": issue.digest or "",
        "body": issue.body,
        "channel_mode": issue.channel_mode,
        "freepublish": issue.freepublish,
        "scheduled_at": f"{when:%Y-%m-%dT%H:%M}" if when else "",
    }


async def _page(
    request: Request,
    session: AsyncSession,
    *,
    issue: NewsletterIssue | None,
    shown: dict[str, Any],
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    images = []
    if issue is not None and issue.id is not None:
        images = [
            {
                "number": i.number,
                "filename": i.filename,
                "markdown": newsletter_service.image_reference(i.number),
            }
            for i in await newsletter_service.images_of(session, issue_id=issue.id)
        ]
    context = {
        "nav": "newsletters",
        "issue": issue,
        "images": images,
        "form": shown,
        "errors": errors or {},
        "series": [(s.id, s.name) for s in await newsletter_service.all_series(session)],
        "modes": CHANNEL_MODES,
    }
    return render(request, "admin/newsletters/form.html", context, status_code)


def _editable(issue: NewsletterIssue) -> NewsletterIssue:
    if issue.status not in EDITABLE:
        raise ConsoleError("这一期已经发送（或已取消），不能再修改。")
    return issue


@router.get("/new", response_class=HTMLResponse)
async def new_issue(
    request: Request, session: Session, me: ConsoleWriter, series: str = ""
) -> HTMLResponse:
    """The empty form: the chosen (or first) series and its next number."""
    ids = [s.id for s in await newsletter_service.all_series(session) if s.id is not None]
    series_id = parse_int(series)
    chosen = series_id if series_id in ids else (ids[0] if ids else None)
    shown: dict[str, Any] = {"channel_mode": "auto", "series_id": str(chosen or "")}
    if chosen is not None:
        shown["number"] = str(await newsletter_service.next_number(session, series_id=chosen))
    return await _page(request, session, issue=None, shown=shown)


@router.post("/new", response_class=HTMLResponse)
async def create_issue(request: Request, session: Session, me: ConsoleWriter) -> Response:
    """Save a new issue as a draft (or scheduled, with a time); audited."""
    shown, checked, errors = await _check(request, session, await request.form(), None)
    if errors:
        return await _page(
            request, session, issue=None, shown=shown, errors=errors, status_code=400
        )
    moment = now(request)
    issue = NewsletterIssue(
        series_id=checked["series_id"], number=checked["number"], title=checked["title"]
    )
    issue.created_by, issue.created_at = me.username, moment
    _apply(issue, checked, moment)
    session.add(issue)
    await session.flush()
    images = await _apply_images(session, issue, checked)
    await audit.record(
        session,
        actor=actor(request, me),
        action="newsletter.create",
        target_type="newsletter_issue",
        target_id=issue.id,
        summary=f"新建第 {issue.number} 期：{issue.title}" + (f"（{images}）" if images else ""),
        after=audit_view(issue),
    )
    flash(request, f"已保存第 {issue.number} 期《{issue.title}》。下面是预览。")
    return redirect(f"/admin/newsletters/{issue.id}")


@router.get("/{issue_id:int}/edit", response_class=HTMLResponse)
async def edit_issue(
    request: Request, issue_id: int, session: Session, me: ConsoleWriter
) -> HTMLResponse:
    """The form with the issue's current values (drafts and scheduled issues only)."""
    issue = _editable(await issue_or_404(session, issue_id))
    return await _page(request, session, issue=issue, shown=_shown(request, issue))


@router.post("/{issue_id:int}/edit", response_class=HTMLResponse)
async def update_issue(
    request: Request, issue_id: int, session: Session, me: ConsoleWriter
) -> Response:
    """Save the changes (audited with before and after)."""
    issue = _editable(await issue_or_404(session, issue_id))
    shown, checked, errors = await _check(request, session, await request.form(), issue)
    if errors:
        return await _page(
            request, session, issue=issue, shown=shown, errors=errors, status_code=400
        )
    before = audit_view(issue)
    _apply(issue, checked, now(request))
    session.add(issue)
    await session.flush()
    images = await _apply_images(session, issue, checked)
    await audit.record(
        session,
        actor=actor(request, me),
        action="newsletter.update",
        target_type="newsletter_issue",
        target_id=issue.id,
        summary=f"修改第 {issue.number} 期：{issue.title}" + (f"（{images}）" if images else ""),
        before=before,
        after=audit_view(issue),
    )
    flash(request, f"已保存第 {issue.number} 期《{issue.title}》。")
    return redirect(f"/admin/newsletters/{issue.id}")
