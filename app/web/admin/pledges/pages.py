"""廉洁承诺书 campaigns: the list, the form (new / edit), 发布 with its confirm step, 取消."""

from __future__ import annotations

from collections import Counter
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession
from starlette.background import BackgroundTask

from app.api.deps import Session
from app.models import AudienceKind, CampaignStatus, PledgeCampaign
from app.models.types import CHINA, label_of
from app.services.accounts.admins import Principal
from app.services.broadcasts import notices
from app.services.broadcasts import progress as broadcast_progress
from app.services.broadcasts import reach as reach_service
from app.services.people import org_units as org_unit_service
from app.services.people.roster import people_options
from app.services.pledges import campaigns as campaign_service
from app.services.pledges import progress as progress_service
from app.services.pledges.campaigns import MAX_TEXT, CampaignError
from app.web.admin.deps import ConsoleUser, ConsoleWriter, actor, kick_senders, now
from app.web.admin.options import branch_options, unit_options
from app.web.admin.pages import NotFound, flash, redirect, render
from app.web.admin.pledges.form import check, shown_of

router = APIRouter(prefix="/pledges")

STATUS_TONES = {
    CampaignStatus.DRAFT.value: "text-bg-light border",
    CampaignStatus.OPEN.value: "text-bg-primary",
    CampaignStatus.CLOSED.value: "text-bg-success",
    CampaignStatus.CANCELLED.value: "text-bg-secondary",
}
FINISHED = frozenset({CampaignStatus.CLOSED.value, CampaignStatus.CANCELLED.value})


# --- shared ---------------------------------------------------------------------------------


def status_label(status: str) -> str:
    """A campaign status in Chinese (an unknown value as stored)."""
    return label_of(CampaignStatus, status)


def audience_label(audience: str) -> str:
    """An audience kind in Chinese (an unknown value as stored)."""
    return label_of(AudienceKind, audience)


async def campaign_in_scope(
    session: AsyncSession, me: Principal, campaign_id: int
) -> PledgeCampaign:
    """The campaign if the user may see its unit; the same 404 for missing and out of scope."""
    campaign = await campaign_service.get(session, campaign_id=campaign_id)
    if campaign is None or not me.sees_unit(campaign.org_unit_id):
        raise NotFound("没有找到这份承诺书，或者它不在您负责的组织范围内。")
    return campaign


# --- the list -------------------------------------------------------------------------------


@router.get("", response_class=HTMLResponse)
async def campaign_list(request: Request, session: Session, me: ConsoleUser) -> HTMLResponse:
    """Every campaign in the user's units, newest year first, with 已签 x / y and the deadline."""
    statement = select(PledgeCampaign).order_by(
        col(PledgeCampaign.year).desc(), col(PledgeCampaign.id).desc()
    )
    if me.unit_ids is not None:
        statement = statement.where(col(PledgeCampaign.org_unit_id).in_(list(me.unit_ids)))
    names = await org_unit_service.path_names(session)
    rows = []
    for campaign in (await session.exec(statement)).all():
        signed, total = await progress_service.counts(session, campaign=campaign)
        rows.append(
            {
                "campaign": campaign,
                "unit": names.get(campaign.org_unit_id, ""),
                "audience": audience_label(campaign.audience),
                "status": status_label(campaign.status),
                "signed": signed,
                "total": total,
            }
        )
    context = {"nav": "pledges", "rows": rows, "tones": STATUS_TONES}
    return render(request, "admin/pledges/list.html", context)


# --- the form -------------------------------------------------------------------------------


async def _form_page(
    request: Request,
    session: AsyncSession,
    me: Principal,
    *,
    campaign: PledgeCampaign | None,
    shown: dict[str, Any],
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    """The form page, with the options the user may choose from."""
    keep = campaign.person_ids if campaign is not None else ()
    context = {
        "nav": "pledges",
        "campaign": campaign,
        "published": campaign is not None and campaign.status == CampaignStatus.OPEN.value,
        "form": shown,
        "errors": errors or {},
        "units": await unit_options(session, me),
        "people": await people_options(session, me.unit_ids, keep),
        "audiences": [(k.value, k.label) for k in AudienceKind],
        "text_max": MAX_TEXT,
    }
    return render(request, "admin/pledges/form.html", context, status_code)


@router.get("/new", response_class=HTMLResponse)
async def new_campaign(request: Request, session: Session, me: ConsoleWriter) -> HTMLResponse:
    """The empty form: this year's pledge, for the members and managers of the first branch."""
    units = await unit_options(session, me)
    branches = await branch_options(session, {uid for uid, _ in units})
    unit = branches[0][0] if branches else (units[0][0] if units else "")
    year = now(request).astimezone(CHINA).year
    shown: dict[str, Any] = {
        "title": f"{year}年度廉洁承诺书",
        "year": str(year),
        "org_unit_id": str(unit),
        "audience": AudienceKind.MEMBERS_AND_MANAGERS.value,
        "person_ids": [],
        "deadline_time": "18:00",
        "remind_every_days": "3",
        "remind_max": "3",
    }
    return await _form_page(request, session, me, campaign=None, shown=shown)


@router.post("/new", response_class=HTMLResponse)
async def create_campaign(request: Request, session: Session, me: ConsoleWriter) -> Response:
    """Store a draft campaign with version 1 of its text; errors are shown by their fields."""
    units, people = await unit_options(session, me), await people_options(session, me.unit_ids)
    moment = now(request)
    form = await request.form()
    shown, draft, errors = check(form, campaign=None, units=units, people=people, moment=moment)
    if draft is not None:
        try:
            campaign = await campaign_service.create(
                session, draft=draft, actor=actor(request, me), now=moment
            )
        except CampaignError as exc:
            errors = {"__all__": str(exc)}
        else:
            flash(request, f"已新建承诺书《{campaign.title}》（草稿）。核对无误后请点击「发布」。")
            return redirect(f"/admin/pledges/{campaign.id}")
    return await _form_page(
        request, session, me, campaign=None, shown=shown, errors=errors, status_code=400
    )


def _editable(request: Request, campaign: PledgeCampaign) -> Response | None:
    """A redirect (with the reason) when the campaign may not be edited any more."""
    if campaign.status in FINISHED:
        flash(request, "已截止或已取消的承诺书不能再修改；新的一年请新建承诺书。", "warning")
        return redirect(f"/admin/pledges/{campaign.id}")
    return None


@router.get("/{campaign_id:int}/edit", response_class=HTMLResponse)
async def edit_campaign(
    request: Request, campaign_id: int, session: Session, me: ConsoleWriter
) -> Response:
    """The form with the campaign's values and its current text."""
    campaign = await campaign_in_scope(session, me, campaign_id)
    refused = _editable(request, campaign)
    if refused is not None:
        return refused
    text = (await campaign_service.current(session, campaign=campaign)).text
    shown = shown_of(campaign, text)
    return await _form_page(request, session, me, campaign=campaign, shown=shown)


@router.post("/{campaign_id:int}/edit", response_class=HTMLResponse)
async def update_campaign(
    request: Request, campaign_id: int, session: Session, me: ConsoleWriter
) -> Response:
    """Save the changes; a changed text becomes the next version (signatures keep theirs)."""
    campaign = await campaign_in_scope(session, me, campaign_id)
    refused = _editable(request, campaign)
    if refused is not None:
        return refused
    units = await unit_options(session, me)
    people = await people_options(session, me.unit_ids, campaign.person_ids)
    moment = now(request)
    form = await request.form()
    shown, draft, errors = check(form, campaign=campaign, units=units, people=people, moment=moment)
    if draft is not None:
        before = campaign.current_version
        try:
            await campaign_service.update(
                session, campaign=campaign, draft=draft, actor=actor(request, me), now=moment
            )
        except CampaignError as exc:
            errors = {"__all__": str(exc)}
        else:
            versioned = f"正文已更新为第 {campaign.current_version} 版。"
            done = versioned if campaign.current_version != before else ""
            flash(request, f"已保存承诺书《{campaign.title}》。{done}")
            return redirect(f"/admin/pledges/{campaign.id}")
    return await _form_page(
        request, session, me, campaign=campaign, shown=shown, errors=errors, status_code=400
    )


# --- publishing and cancelling --------------------------------------------------------------


@router.get("/{campaign_id:int}/publish", response_class=HTMLResponse)
async def confirm_publish(
    request: Request, campaign_id: int, session: Session, me: ConsoleWriter
) -> Response:
    """The confirm step: how many people it asks, and how many of them a notice cannot reach."""
    campaign = await campaign_in_scope(session, me, campaign_id)
    if campaign.status != CampaignStatus.DRAFT.value:
        flash(request, "这份承诺书已经发布过了。", "info")
        return redirect(f"/admin/pledges/{campaign.id}")
    people = await campaign_service.signers_wanted(session, campaign=campaign)
    plans = await reach_service.plan(
        session,
        person_ids=people,
        channels=notices.NOTICE_CHANNELS,
        settings=request.app.state.settings,
        now=now(request),
    )
    reasons = Counter(p.reason or "无法送达" for p in plans if p.channel is None)
    names = await org_unit_service.path_names(session)
    context = {
        "nav": "pledges",
        "campaign": campaign,
        "unit": names.get(campaign.org_unit_id, ""),
        "audience": audience_label(campaign.audience),
        "deadline": campaign_service.deadline_label(campaign),
        "asked": len(people),
        "unreachable": sum(reasons.values()),
        "reasons": reasons.most_common(),
        "expired": campaign.deadline <= now(request),
    }
    return render(request, "admin/pledges/publish.html", context)


@router.post("/{campaign_id:int}/publish", response_class=HTMLResponse)
async def publish_campaign(
    request: Request, campaign_id: int, session: Session, me: ConsoleWriter
) -> Response:
    """发布: open the campaign and store the prompt to everyone it asks; then start the sender."""
    campaign = await campaign_in_scope(session, me, campaign_id)
    back = redirect(f"/admin/pledges/{campaign.id}")
    if campaign.status == CampaignStatus.DRAFT.value and not (
        await campaign_service.signers_wanted(session, campaign=campaign)
    ):
        flash(request, "签署范围内没有人员，无法发布。请先修改签署范围。", "warning")
        return back
    try:
        prompt = await campaign_service.publish(
            session,
            campaign=campaign,
            settings=request.app.state.settings,
            actor=actor(request, me),
            now=now(request),
        )
    except CampaignError as exc:
        flash(request, str(exc), "warning")
        return back
    told = (
        await broadcast_progress.told(session, broadcast=prompt, what="发出签署通知")
        if prompt is not None
        else ""
    )
    flash(request, f"已发布承诺书《{campaign.title}》，开始接受签署。{told}")
    if prompt is not None:
        back.background = BackgroundTask(kick_senders, request)
    return back


@router.post("/{campaign_id:int}/cancel", response_class=HTMLResponse)
async def cancel_campaign(
    request: Request, campaign_id: int, session: Session, me: ConsoleWriter
) -> Response:
    """取消: no more signatures or reminders; notices not yet sent are stopped (records stay)."""
    campaign = await campaign_in_scope(session, me, campaign_id)
    moment = now(request)
    try:
        stopped = await campaign_service.cancel(
            session, campaign=campaign, actor=actor(request, me), now=moment
        )
    except CampaignError as exc:
        flash(request, str(exc), "warning")
        return redirect(f"/admin/pledges/{campaign.id}")
    held = f"尚未发出的 {stopped} 条通知已停止发送。" if stopped else ""
    flash(
        request,
        f"已取消承诺书《{campaign.title}》，不再接受签署和提醒；已有的签署记录会保留。{held}",
    )
    return redirect(f"/admin/pledges/{campaign.id}")
