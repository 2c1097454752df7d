"""One suggestion: content, photos, co-submitters, timeline, similar ones, the decision forms."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from sqlmodel.ext.asyncio.session import AsyncSession
from starlette.background import BackgroundTask

from app.api.deps import Session
from app.models import OrgUnit, Person, Suggestion
from app.services import attachments
from app.services.suggestions import decisions, queue, records, similar
from app.services.suggestions import notices as notice_service
from app.services.suggestions import reviewers as reviewer_service
from app.services.suggestions.records import OWNER_KIND, SuggestionRefused
from app.web.admin.deps import ConsoleUser, actor, kick_senders, now
from app.web.admin.pages import Forbidden, flash, redirect, render
from app.web.admin.suggestions.common import campaigns, suggestion_in_sight
from app.web.media import attachment_response

router = APIRouter(prefix="/suggestions")


async def page(
    request: Request,
    session: AsyncSession,
    suggestion: Suggestion,
    *,
    error: str | None = None,
    form: dict[str, str] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    """The suggestion's page (with an error above the forms when a decision was refused)."""
    assert suggestion.id is not None
    person = await session.get(Person, suggestion.person_id)
    concerns = (
        await session.get(OrgUnit, suggestion.concerns_unit_id)
        if suggestion.concerns_unit_id
        else None
    )
    photos = await attachments.of(session, owner_kind=OWNER_KIND, owner_ids=[suggestion.id])
    principal = request.state.console_user
    assigned = await reviewer_service.is_reviewer(
        session, suggestion_id=suggestion.id, user_id=principal.id
    )
    context = {
        "nav": "suggestions",
        "s": suggestion,
        "person": person,
        "concerns": concerns,
        "photos": photos[suggestion.id],
        "coauthors": await records.coauthors(session, suggestion_id=suggestion.id),
        "timeline": await records.timeline(session, suggestion_id=suggestion.id),
        "similar": await similar.earlier_like(session, suggestion=suggestion),
        "reviewers": await reviewer_service.of(session, suggestion_id=suggestion.id),
        "candidates": await reviewer_service.candidates(session),
        "campaigns": await campaigns(session),
        "allowed": decisions.allowed(suggestion),
        "steps": decisions.STEPS,
        "decides": queue.decides(principal, person),
        "assigned": assigned,
        "opinions": reviewer_service.OPINIONS,
        "status_label": records.status_label,
        "category_label": records.category_label,
        "error": error,
        "form": form or {},
    }
    return render(request, "admin/suggestions/detail.html", context, status_code)


@router.get("/{suggestion_id:int}", response_class=HTMLResponse)
async def detail(
    request: Request, suggestion_id: int, session: Session, me: ConsoleUser
) -> HTMLResponse:
    """The suggestion's page."""
    suggestion = await suggestion_in_sight(session, me, suggestion_id)
    return await page(request, session, suggestion)


@router.get("/{suggestion_id:int}/photos/{attachment_id:int}")
async def photo(
    request: Request, suggestion_id: int, attachment_id: int, session: Session, me: ConsoleUser
) -> Response:
    """A photo of the suggestion, for those who see it."""
    await suggestion_in_sight(session, me, suggestion_id)
    found = await attachments.get(
        session, attachment_id=attachment_id, owner_kind=OWNER_KIND, owner_id=suggestion_id
    )
    return attachment_response(found)


@router.post("/{suggestion_id:int}/decide", response_class=HTMLResponse)
async def decide(
    request: Request, suggestion_id: int, session: Session, me: ConsoleUser
) -> Response:
    """A decision (采纳, 不采纳, 合并, 实施, 效益核定, 金点子); the submitter is told once."""
    if not me.can_write:
        raise Forbidden("只读账号只能查看和填写评审意见，不能作出决定。")
    suggestion = await suggestion_in_sight(session, me, suggestion_id)
    person = await session.get(Person, suggestion.person_id)
    if not queue.decides(me, person):
        raise Forbidden("这条建议不在您负责的组织范围内，您只能填写评审意见。")
    form = {k: v for k, v in (await request.form()).items() if isinstance(v, str)}
    action = form.get("action", "")
    try:
        await decisions.decide(
            session, suggestion=suggestion, action=action, form=form,
            by=actor(request, me), now=now(request),
        )  # fmt: skip
    except SuggestionRefused as refused:
        status = 409 if isinstance(refused, decisions.DecisionConflict) else 400
        return await page(
            request, session, suggestion, error=str(refused), form=form, status_code=status
        )
    await notice_service.tell(
        session, suggestion=suggestion, action=action, settings=request.app.state.settings,
        now=now(request), by=me.username,
    )  # fmt: skip
    flash(request, f"已{decisions.STEPS[action].title}。")
    back = redirect(f"/admin/suggestions/{suggestion_id}")
    back.background = BackgroundTask(kick_senders, request)
    return back


@router.post("/{suggestion_id:int}/reviewers", response_class=HTMLResponse)
async def assign(
    request: Request, suggestion_id: int, session: Session, me: ConsoleUser
) -> Response:
    """Ask console users to review the suggestion."""
    if not me.can_write:
        raise Forbidden("只读账号不能指定评审人。")
    suggestion = await suggestion_in_sight(session, me, suggestion_id)
    if not queue.decides(me, await session.get(Person, suggestion.person_id)):
        raise Forbidden("这条建议不在您负责的组织范围内，不能指定评审人。")
    picked = map(str, (await request.form()).getlist("user_id"))
    chosen = [int(v) for v in picked if v.isdigit() and len(v) < 10]
    try:
        await reviewer_service.assign(
            session, suggestion=suggestion, user_ids=chosen, by=actor(request, me),
            now=now(request),
        )  # fmt: skip
    except SuggestionRefused as refused:
        return await page(request, session, suggestion, error=str(refused), status_code=400)
    flash(request, "已指定评审人。")
    return redirect(f"/admin/suggestions/{suggestion_id}")


@router.post("/{suggestion_id:int}/opinion", response_class=HTMLResponse)
async def opinion(
    request: Request, suggestion_id: int, session: Session, me: ConsoleUser
) -> Response:
    """A reviewer's opinion (only those asked to review this suggestion)."""
    asked = await reviewer_service.is_reviewer(session, suggestion_id=suggestion_id, user_id=me.id)
    if not asked:
        if not me.can_write:
            raise Forbidden("只读账号只能评审分配给您的建议。")
        await suggestion_in_sight(session, me, suggestion_id)
        raise Forbidden("您不是这条建议的评审人。")
    suggestion = await suggestion_in_sight(session, me, suggestion_id)
    form = await request.form()
    try:
        await reviewer_service.give_opinion(
            session, suggestion=suggestion, opinion=str(form.get("opinion") or ""),
            text=str(form.get("text") or ""), by=actor(request, me), now=now(request),
        )  # fmt: skip
    except SuggestionRefused as refused:
        return await page(request, session, suggestion, error=str(refused), status_code=400)
    flash(request, "已提交评审意见。")
    return redirect(f"/admin/suggestions/{suggestion_id}")
