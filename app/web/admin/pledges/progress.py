"""A campaign's progress: signed / total, the unsigned and their reminders, voiding, export."""

from __future__ import annotations

import re
from datetime import time

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from sqlmodel.ext.asyncio.session import AsyncSession

from app.api.deps import Session
from app.models import BroadcastStatus, CampaignStatus, Person, PledgeCampaign, PledgeSignature
from app.models.types import china_moment, label_of
from app.services.accounts.admins import Principal
from app.services.people import org_units as org_unit_service
from app.services.pledges import campaigns as campaign_service
from app.services.pledges import progress as progress_service
from app.services.pledges import progress_sheet, signing
from app.services.pledges import reminders as reminder_service
from app.services.pledges.campaigns import CampaignError
from app.web.admin.deps import ConsoleUser, ConsoleWriter, actor, now
from app.web.admin.downloads import download
from app.web.admin.pages import NotFound, flash, redirect, render
from app.web.admin.pledges.pages import (
    STATUS_TONES,
    audience_label,
    campaign_in_scope,
    status_label,
)

router = APIRouter(prefix="/pledges")

# Characters Windows does not allow in a file name (the export's name carries the title).
_UNSAFE_NAME = re.compile(r'[\\/:*?"<>|\x00-\x1f\x7f]+')


def reminder_plan(request: Request, campaign: PledgeCampaign, keys: set[str]) -> list[str]:
    """Each reminder with when it goes (or went), by the app's settings."""
    at = time.fromisoformat(request.app.state.settings.pledge_reminder_time)
    every, most = campaign.remind_every_days, campaign.remind_max
    if most < 1:
        return ["这份承诺书不发提醒。"]
    if campaign.published_at is None:
        return [f"发布后每 {every} 天（{at:%H:%M}）提醒一次尚未签署的人，最多 {most} 次。"]
    plan = []
    for number, due in reminder_service.schedule(campaign, at):
        made = reminder_service.reminder_key(campaign, number) in keys
        plan.append(f"第 {number} 次：{china_moment(due)}{'（已发出）' if made else ''}")
    if campaign.status == CampaignStatus.CANCELLED.value:
        plan.append("承诺书已取消，不再提醒。")
    return plan or ["截止前来不及提醒：第一次提醒会落在截止之后。"]


def _audience_text(campaign: PledgeCampaign) -> str:
    """Who the campaign asks, in words (a named list with its size)."""
    label = audience_label(campaign.audience)
    return f"{label}（{len(campaign.person_ids)} 人）" if campaign.person_ids else label


async def detail_page(
    request: Request,
    session: AsyncSession,
    me: Principal,
    campaign: PledgeCampaign,
    *,
    void_errors: dict[int, str] | None = None,
    void_reasons: dict[int, str] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    """The campaign, its progress, its versions and its notices (with the void forms)."""
    assert campaign.id is not None
    found = await progress_service.progress(
        session, campaign=campaign, now=now(request), unit_ids=me.unit_ids
    )
    pushes = await progress_service.broadcasts(session, campaign_id=campaign.id)
    names = await org_unit_service.path_names(session)
    context = {
        "nav": "pledges",
        "campaign": campaign,
        "status": status_label(campaign.status),
        "tones": STATUS_TONES,
        "unit": names.get(campaign.org_unit_id, ""),
        "audience": _audience_text(campaign),
        "deadline": campaign_service.deadline_label(campaign),
        "plan": reminder_plan(request, campaign, {b.key for b in pushes}),
        "progress": found,
        "versions": await campaign_service.versions(session, campaign_id=campaign.id),
        "broadcasts": [
            {
                "broadcast": b,
                "kind": progress_service.BROADCAST_KINDS.get(b.kind, b.kind),
                "status": label_of(BroadcastStatus, b.status),
            }
            for b in pushes
        ],
        "editable": campaign.status in (CampaignStatus.DRAFT.value, CampaignStatus.OPEN.value),
        "scoped": me.unit_ids is not None,
        "void_errors": void_errors or {},
        "void_reasons": void_reasons or {},
        "reason_max": signing.MAX_REASON,
    }
    return render(request, "admin/pledges/detail.html", context, status_code)


@router.get("/{campaign_id:int}", response_class=HTMLResponse)
async def campaign_detail(
    request: Request, campaign_id: int, session: Session, me: ConsoleUser
) -> HTMLResponse:
    """The campaign: who signed, who has not (and what reached them), voided, versions, notices."""
    campaign = await campaign_in_scope(session, me, campaign_id)
    return await detail_page(request, session, me, campaign)


@router.post("/{campaign_id:int}/signatures/{signature_id:int}/void", response_class=HTMLResponse)
async def void_signature(
    request: Request, campaign_id: int, signature_id: int, session: Session, me: ConsoleWriter
) -> Response:
    """作废 a signature with a reason (audited): the person counts as unsigned again."""
    campaign = await campaign_in_scope(session, me, campaign_id)
    signature = await session.get(PledgeSignature, signature_id)
    person = await session.get(Person, signature.person_id) if signature is not None else None
    if (
        signature is None
        or person is None
        or signature.campaign_id != campaign_id
        or not me.sees_unit(person.org_unit_id)
    ):
        raise NotFound("没有找到这条签署记录，或者签署人不在您负责的组织范围内。")
    if signature.voided_at is not None:
        # Its row (and form) left the signed list: another tab, or a second click.
        flash(request, "这条签署记录已经作废。", "info")
        return redirect(f"/admin/pledges/{campaign_id}#voided")
    raw = (await request.form()).get("reason")
    reason = raw if isinstance(raw, str) else ""
    try:
        await signing.void(
            session, signature=signature, reason=reason, actor=actor(request, me), now=now(request)
        )
    except CampaignError as exc:
        return await detail_page(
            request,
            session,
            me,
            campaign,
            void_errors={signature_id: str(exc)},
            void_reasons={signature_id: reason},
            status_code=400,
        )
    flash(request, f"已作废{person.name}的签署（原因：{signature.void_reason}），需重新签署。")
    return redirect(f"/admin/pledges/{campaign_id}#voided")


def export_filename(campaign: PledgeCampaign) -> str:
    """ "签署情况-2026年度廉洁承诺书.xlsx"."""
    title = _UNSAFE_NAME.sub("_", campaign.title).strip(" ._") or "廉洁承诺书"
    return f"签署情况-{title}.xlsx"


@router.get("/{campaign_id:int}/export")
async def export_progress(
    request: Request, campaign_id: int, session: Session, me: ConsoleUser
) -> Response:
    """Download the progress as .xlsx (a secretary's names their units' people; audited)."""
    campaign = await campaign_in_scope(session, me, campaign_id)
    data = await progress_sheet.export_progress(
        session, campaign=campaign, actor=actor(request, me), now=now(request), unit_ids=me.unit_ids
    )
    return download(data, export_filename(campaign), fallback=f"pledge-{campaign_id}.xlsx")
