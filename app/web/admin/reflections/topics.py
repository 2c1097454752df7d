"""微感悟 topics in the console: the list, a new topic (admins), the one announcement."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response
from starlette.background import BackgroundTask

from app.api.deps import Session
from app.models import AudienceKind
from app.models.types import CHINA
from app.services.reflections import topics as topic_service
from app.services.reflections.topics import TopicDraft, TopicRefused
from app.web.admin.deps import ConsoleAdmin, ConsoleUser, actor, kick_senders, now
from app.web.admin.forms import choice
from app.web.admin.options import unit_options
from app.web.admin.pages import NotFound, flash, redirect, render

router = APIRouter(prefix="/reflections")
AUDIENCES = [(k.value, k.label) for k in AudienceKind if k is not AudienceKind.PEOPLE]


def _day(value: str) -> date | None:
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        return None


@router.get("", response_class=HTMLResponse)
async def topics_page(request: Request, session: Session, me: ConsoleUser) -> HTMLResponse:
    """Every topic with its period; the form for a new one (admins)."""
    return await _page(request, session, me, form={}, error=None)


async def _page(
    request: Request,
    session: Session,
    me: ConsoleUser,
    *,
    form: dict[str, str],
    error: str | None,
    status_code: int = 200,
) -> HTMLResponse:
    moment = now(request)
    found = await topic_service.all_topics(session)
    context = {
        "nav": "reflections",
        "topics": found,
        "open_ids": {t.id for t in found if topic_service.is_open(t, moment)},
        "units": await unit_options(session, me),
        "audiences": AUDIENCES,
        "form": form,
        "error": error,
    }
    return render(request, "admin/reflections/topics.html", context, status_code)


@router.post("/topics/new", response_class=HTMLResponse)
async def new_topic(
    request: Request,
    session: Session,
    me: ConsoleAdmin,
    title: Annotated[str, Form()] = "",
    guidance: Annotated[str, Form()] = "",
    opens_on: Annotated[str, Form()] = "",
    closes_on: Annotated[str, Form()] = "",
    org_unit_id: Annotated[str, Form()] = "",
    audience: Annotated[str, Form()] = AudienceKind.PARTY_MEMBERS.value,
) -> Response:
    """A new topic, open from the first day's start to the last day's end (China time)."""
    form = {
        "title": title, "guidance": guidance, "opens_on": opens_on, "closes_on": closes_on,
        "org_unit_id": org_unit_id, "audience": audience,
    }  # fmt: skip
    first, last = _day(opens_on), _day(closes_on)
    unit = choice(org_unit_id, await unit_options(session, me))
    kinds = {value for value, _ in AUDIENCES}
    error = None
    if first is None or last is None:
        error = "请填写开始和截止日期。"
    elif unit is None:
        error = "请选择征集范围。"
    elif audience not in kinds:
        error = "请选择征集对象。"
    if error is not None or first is None or last is None or unit is None:
        return await _page(request, session, me, form=form, error=error, status_code=400)
    draft = TopicDraft(
        title=title,
        guidance=guidance,
        opens_at=datetime.combine(first, time(0), CHINA),
        closes_at=datetime.combine(last + timedelta(days=1), time(0), CHINA),
        org_unit_id=unit,
        audience=AudienceKind(audience),
    )
    try:
        topic = await topic_service.create(
            session, draft=draft, actor=actor(request, me), now=now(request)
        )
    except TopicRefused as refused:
        return await _page(request, session, me, form=form, error=str(refused), status_code=400)
    flash(request, f"已创建微感悟主题「{topic.title}」。")
    return redirect(f"/admin/reflections/topics/{topic.id}")


@router.post("/topics/{topic_id:int}/announce")
async def announce(request: Request, topic_id: int, session: Session, me: ConsoleAdmin) -> Response:
    """One notice to the topic's audience (quiet hours respected by the sender); once only."""
    topic = await topic_service.get(session, topic_id=topic_id)
    if topic is None:
        raise NotFound("没有找到这个微感悟主题。")
    created = await topic_service.announce(
        session, topic=topic, actor=actor(request, me), settings=request.app.state.settings,
        now=now(request),
    )  # fmt: skip
    if created is None:
        flash(request, "这个主题已经发布过征集通知，不再重复发送。", "warning")
        return redirect(f"/admin/reflections/topics/{topic_id}")
    flash(request, f"已发布征集通知，共 {created.total} 人。")
    back = redirect(f"/admin/reflections/topics/{topic_id}")
    back.background = BackgroundTask(kick_senders, request)
    return back
