"""A topic's editorial queue: filtered by status, unit and text (a 支部书记 sees their units'
authors only), the .xlsx, and the selected reflections into a newsletter draft in one action."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, Response

from app.api.deps import Session
from app.models import ReflectionStatus, ReflectionTopic
from app.services import audit
from app.services.newsletters import issues as newsletter_service
from app.services.reflections import editing, insertion
from app.services.reflections import topics as topic_service
from app.services.reflections.writing import ReflectionRefused
from app.web.admin.deps import ConsoleAdmin, ConsoleUser, actor, now
from app.web.admin.downloads import download
from app.web.admin.forms import parse_int, parse_page
from app.web.admin.options import unit_options
from app.web.admin.pages import NotFound, flash, redirect, render

router = APIRouter(prefix="/reflections")
STATUSES = [(s.value, s.label) for s in ReflectionStatus]
PAGE_SIZE = 50  # a queue of thousands is read a page at a time


async def _topic(session: Session, topic_id: int) -> ReflectionTopic:
    topic = await topic_service.get(session, topic_id=topic_id)
    if topic is None:
        raise NotFound("没有找到这个微感悟主题。")
    return topic


def _status(value: str) -> ReflectionStatus | None:
    return ReflectionStatus(value) if value in {s.value for s in ReflectionStatus} else None


@router.get("/topics/{topic_id:int}", response_class=HTMLResponse)
async def queue_page(
    request: Request,
    topic_id: int,
    session: Session,
    me: ConsoleUser,
    status: Annotated[str, Query(max_length=16)] = "",
    unit: Annotated[str, Query(max_length=12)] = "",
    q: Annotated[str, Query(max_length=50)] = "",
) -> HTMLResponse:
    """The topic's reflections the user may see, filtered; the insertion form for admins."""
    topic = await _topic(session, topic_id)
    units = await unit_options(session, me)
    unit_id = parse_int(unit)
    unit_id = unit_id if unit_id in {u for u, _ in units} else None
    filters: dict[str, Any] = {
        "topic_id": topic_id, "unit_ids": me.unit_ids, "status": _status(status),
        "unit_id": unit_id, "text": q,
    }  # fmt: skip
    total = await editing.count(session, **filters)
    number = parse_page(request.query_params.get("page"))
    found = await editing.entries(
        session, **filters, offset=(number - 1) * PAGE_SIZE, limit=PAGE_SIZE
    )
    waiting = await editing.count(
        session,
        topic_id=topic_id,
        unit_ids=me.unit_ids,
        status=ReflectionStatus.SELECTED,
        not_inserted=True,
    )
    series = await newsletter_service.all_series(session)
    context = {
        "nav": "reflections",
        "topic": topic,
        "is_open": topic_service.is_open(topic, now(request)),
        "entries": found,
        "total": total,
        "page": number,
        "pages": max(1, -(-total // PAGE_SIZE)),
        "waiting": waiting,
        "statuses": STATUSES,
        "units": units,
        "filters": {"status": status, "unit": unit_id or "", "q": q},
        "series": series,
        "series_names": {s.id: s.name for s in series},
        "drafts": await insertion.draft_issues(session),
    }
    return render(request, "admin/reflections/queue.html", context)


@router.get("/topics/{topic_id:int}/export.xlsx")
async def export(request: Request, topic_id: int, session: Session, me: ConsoleUser) -> Response:
    """The topic's reflections the user may see, as an .xlsx (audited)."""
    topic = await _topic(session, topic_id)
    found = await editing.entries(session, topic_id=topic_id, unit_ids=me.unit_ids)
    data = await editing.export(found)
    await audit.record(
        session, actor=actor(request, me), action="reflections.export",
        target_type="reflection_topic", target_id=topic_id, summary=f"{len(found)} 篇",
    )  # fmt: skip
    return download(data, f"微感悟-{topic.title}.xlsx", fallback=f"reflections-{topic_id}.xlsx")


@router.post("/topics/{topic_id:int}/insert", response_class=HTMLResponse)
async def insert(
    request: Request,
    topic_id: int,
    session: Session,
    me: ConsoleAdmin,
    series_id: Annotated[str, Form()] = "",
    issue_id: Annotated[str, Form()] = "",
) -> Response:
    """The topic's selected reflections (not yet in an issue) into a chosen draft, or into a new
    draft of the chosen series."""
    topic = await _topic(session, topic_id)
    new = issue_id in ("", "new")
    chosen = None if new else parse_int(issue_id)
    try:
        if not new and chosen is None:
            raise ReflectionRefused("没有找到这一期草稿。")
        done = await insertion.insert(
            session, topic=topic, series_id=parse_int(series_id) or 0, issue_id=chosen,
            actor=actor(request, me), now=now(request),
        )  # fmt: skip
    except ReflectionRefused as refused:
        flash(request, str(refused), "warning")
        return redirect(f"/admin/reflections/topics/{topic_id}")
    photos = f"、照片 {done.photos} 张" if done.photos else ""
    flash(request, f"已将 {len(done.entries)} 篇感悟{photos}编入「{done.issue.title}」草稿。")
    return redirect(f"/admin/newsletters/{done.issue.id}")
