"""三亮三挂三考核 over REST, read only: the periods, and a period's sheets within your units."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel

from app.api.deps import CurrentPrincipal, Session
from app.api.errors import error_responses
from app.api.v1.common import INT32_MAX, not_found
from app.models import AssessmentPeriod, PeriodKind, PeriodStatus
from app.services.assessments import periods, review

router = APIRouter(prefix="/assessments", tags=["assessments"])


class PeriodPublic(BaseModel):
    """A filled period: its kind, dates and where its review stands."""

    id: int
    kind: PeriodKind
    name: str
    starts_on: date
    ends_on: date
    status: PeriodStatus
    status_label: str
    scheme_id: int
    signed_at: datetime | None


class EntryPublic(BaseModel):
    """One item of a sheet: the computed value (null: 无记录), the adjustment, the level."""

    code: str
    heading: str
    title: str
    value: float | None
    adjusted_value: float | None
    adjust_reason: str | None
    level: str | None
    evidence: list[dict[str, str]]


class SheetPublic(BaseModel):
    """One person's sheet of the period."""

    id: int
    person_id: int
    person_name: str
    org_unit_id: int | None
    score: float | None
    level: str | None
    statement: str | None
    review_requested: bool
    entries: list[EntryPublic]


def _period(period: AssessmentPeriod) -> PeriodPublic:
    """The period as the API shows it."""
    kind = PeriodKind(period.kind)
    return PeriodPublic(
        id=period.id or 0,
        kind=kind,
        name=periods.name_of(kind, period.starts_on),
        starts_on=period.starts_on,
        ends_on=period.ends_on,
        status=PeriodStatus(period.status),
        status_label=PeriodStatus(period.status).label,
        scheme_id=period.scheme_id,
        signed_at=period.signed_at,
    )


@router.get("/periods")
async def list_periods(session: Session, principal: CurrentPrincipal) -> list[PeriodPublic]:
    """The filled periods, newest first."""
    return [_period(one) for one in await review.list_periods(session)]


@router.get("/sheets", responses=error_responses(404))
async def list_sheets(
    session: Session,
    principal: CurrentPrincipal,
    period_id: Annotated[int, Query(ge=1, le=INT32_MAX)],
) -> list[SheetPublic]:
    """The period's sheets of people in your units, with their items."""
    period = await session.get(AssessmentPeriod, period_id)
    if period is None:
        raise not_found("没有找到这一期考核")
    found: list[SheetPublic] = []
    for row in await review.sheets_of(session, period_id=period_id, unit_ids=principal.unit_ids):
        lines = await review.lines_of(session, sheet=row.sheet, period=period)
        entries = []
        for line in lines:
            item, entry = line.item, line.entry
            entries.append(
                EntryPublic(
                    code=item.code,
                    heading=item.heading,
                    title=item.title,
                    value=entry.value,
                    adjusted_value=entry.adjusted_value,
                    adjust_reason=entry.adjust_reason,
                    level=entry.level,
                    evidence=[{k: str(v) for k, v in proof.items()} for proof in entry.evidence],
                )
            )
        sheet = row.sheet
        found.append(
            SheetPublic(
                id=sheet.id or 0,
                person_id=sheet.person_id,
                person_name=row.name,
                org_unit_id=sheet.org_unit_id,
                score=sheet.score,
                level=sheet.level,
                statement=sheet.statement,
                review_requested=sheet.review_requested_at is not None,
                entries=entries,
            )
        )
    return found
