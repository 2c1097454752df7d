"""岗位建功 over REST, read only, within the caller's units."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel

from app.api.deps import CurrentPrincipal, Session
from app.api.errors import error_responses
from app.api.v1.common import IdPath, IdQuery, Limit, Offset, not_found
from app.models import ContributionKind, ContributionStatus
from app.services import attachments
from app.services.contributions import listing, records
from app.services.contributions.listing import Filter, Row

router = APIRouter(prefix="/contributions", tags=["contributions"])


class EvidencePublic(BaseModel):
    """One evidence file (its bytes are served by the console page)."""

    id: int
    filename: str | None
    content_type: str | None
    size: int


class ContributionPublic(BaseModel):
    """A contribution: whose, what, when, its benefit and where its verification stands."""

    id: int
    person_id: int
    person_name: str
    employee_no: str
    kind: ContributionKind
    kind_label: str
    title: str
    description: str
    co_contributors: str | None
    done_on: date
    ended_on: date | None
    benefit: Decimal | None
    status: ContributionStatus
    status_label: str
    review_note: str | None
    reviewed_by: str | None
    reviewed_at: datetime | None
    recorded_by: str
    recorded_via: str
    created_at: datetime
    evidence: list[EvidencePublic]


class ContributionPage(BaseModel):
    """One page of contributions, newest first, and how many match in all."""

    items: list[ContributionPublic]
    total: int


def _public(row: Row, files: list[EvidencePublic]) -> ContributionPublic:
    """The contribution as the API shows it."""
    c = row.contribution
    assert c.id is not None
    return ContributionPublic(
        id=c.id,
        person_id=c.person_id,
        person_name=row.person.name,
        employee_no=row.person.employee_no,
        kind=ContributionKind(c.kind),
        kind_label=row.kind_label,
        title=c.title,
        description=c.description,
        co_contributors=c.co_contributors,
        done_on=c.done_on,
        ended_on=c.ended_on,
        benefit=c.benefit,
        status=ContributionStatus(c.status),
        status_label=row.status_label,
        review_note=c.review_note,
        reviewed_by=c.reviewed_by,
        reviewed_at=c.reviewed_at,
        recorded_by=c.recorded_by,
        recorded_via=c.recorded_via,
        created_at=c.created_at,
        evidence=files,
    )


async def _with_evidence(session: Session, rows: list[Row]) -> list[ContributionPublic]:
    """The rows as the API shows them, each with its evidence files."""
    ids = [row.contribution.id for row in rows if row.contribution.id is not None]
    found = await attachments.of(session, owner_kind=records.OWNER, owner_ids=ids)
    return [
        _public(
            row,
            [
                EvidencePublic(
                    id=a.id or 0, filename=a.filename, content_type=a.content_type, size=a.size
                )
                for a in found[row.contribution.id or 0]
            ],
        )
        for row in rows
    ]


@router.get("")
async def list_contributions(
    session: Session,
    principal: CurrentPrincipal,
    status: ContributionStatus | None = None,
    kind: ContributionKind | None = None,
    person_id: IdQuery = None,
    org_unit_id: IdQuery = None,
    start: date | None = None,
    end: date | None = None,
    q: Annotated[str | None, Query(max_length=50, description="标题、说明、姓名或工号")] = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> ContributionPage:
    """Contributions of people in your scope, newest first, filtered."""
    found = Filter(
        status=status,
        kind=kind,
        unit_id=org_unit_id,
        start=start,
        end=end,
        text=q or "",
        person_id=person_id,
    )
    rows, total = await listing.page(
        session, found=found, unit_ids=principal.unit_ids, limit=limit, offset=offset
    )
    return ContributionPage(items=await _with_evidence(session, rows), total=total)


@router.get("/{contribution_id}", responses=error_responses(404))
async def get_contribution(
    contribution_id: IdPath, session: Session, principal: CurrentPrincipal
) -> ContributionPublic:
    """One contribution (404 alike for missing and out of scope)."""
    row = await listing.one(session, contribution_id=contribution_id, unit_ids=principal.unit_ids)
    if row is None:
        raise not_found("没有找到该岗位建功")
    [public] = await _with_evidence(session, [row])
    return public
