"""廉洁承诺书 over REST: campaigns and who signed which version when, read only."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Request
from pydantic import BaseModel
from sqlmodel import col, select

from app.api.deps import CurrentPrincipal, Session
from app.api.errors import error_responses
from app.api.v1.common import IdPath, not_found, now
from app.models import PledgeCampaign
from app.models.pledges import CAMPAIGN_STATUS_LABELS, CampaignStatus
from app.services.pledges import campaigns as campaign_service
from app.services.pledges import progress as progress_service

router = APIRouter(prefix="/pledges", tags=["pledges"])

FOUND = error_responses(404)


class CampaignSummary(BaseModel):
    """A campaign: its year, unit, deadline and where it stands."""

    id: int
    title: str
    year: int
    org_unit_id: int
    status: str
    status_label: str
    deadline: datetime
    current_version: int
    published_at: datetime | None


class SignaturePublic(BaseModel):
    """A standing signature: who signed which version of the text, when and how."""

    person_id: int
    person_name: str
    version_number: int
    channel: str
    signed_at: datetime
    older_version: bool


class CampaignDetail(CampaignSummary):
    """A campaign with its figures and the signatures of the caller's units' people."""

    signed: int
    total: int
    signatures: list[SignaturePublic]
    unsigned_person_ids: list[int]


def _summary(campaign: PledgeCampaign) -> CampaignSummary:
    return CampaignSummary(
        id=campaign.id or 0,
        title=campaign.title,
        year=campaign.year,
        org_unit_id=campaign.org_unit_id,
        status=campaign.status,
        status_label=CAMPAIGN_STATUS_LABELS.get(CampaignStatus(campaign.status), campaign.status),
        deadline=campaign.deadline,
        current_version=campaign.current_version,
        published_at=campaign.published_at,
    )


@router.get("")
async def list_campaigns(session: Session, principal: CurrentPrincipal) -> list[CampaignSummary]:
    """The campaigns of your units, newest year first."""
    statement = select(PledgeCampaign).order_by(
        col(PledgeCampaign.year).desc(), col(PledgeCampaign.id).desc()
    )
    if principal.unit_ids is not None:
        statement = statement.where(col(PledgeCampaign.org_unit_id).in_(list(principal.unit_ids)))
    return [_summary(c) for c in (await session.exec(statement)).all()]


@router.get("/{campaign_id:int}", responses=FOUND)
async def get_campaign(
    campaign_id: IdPath, request: Request, session: Session, principal: CurrentPrincipal
) -> CampaignDetail:
    """One campaign with its signatures (a secretary sees their units' people only)."""
    campaign = await campaign_service.get(session, campaign_id=campaign_id)
    if campaign is None or not principal.sees_unit(campaign.org_unit_id):
        raise not_found("没有找到该承诺书")
    found = await progress_service.progress(
        session, campaign=campaign, now=now(request), unit_ids=principal.unit_ids
    )
    return CampaignDetail(
        **_summary(campaign).model_dump(),
        signed=found.signed,
        total=found.total,
        signatures=[
            SignaturePublic(
                person_id=line.who.person_id,
                person_name=line.who.name,
                version_number=line.version_number,
                channel=line.channel,
                signed_at=line.signed_at,
                older_version=line.older,
            )
            for line in found.signed_lines
        ],
        unsigned_person_ids=[line.who.person_id for line in found.unsigned_lines],
    )
