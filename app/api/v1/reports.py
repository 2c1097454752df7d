"""支部概览 over REST: a year's figures month by month, read only (the console's dashboard data)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel

from app.api.deps import CurrentPrincipal, Session
from app.api.errors import error_responses
from app.api.v1.common import IdQuery, not_found, now
from app.models import OrgUnit
from app.models.types import CHINA
from app.services.people import org_units as org_unit_service
from app.services.reports.figures import year_figures

router = APIRouter(prefix="/reports", tags=["reports"])

Year = Annotated[int | None, Query(ge=2000, le=2100)]


class YearFigures(BaseModel):
    """Twelve values a series (January first), the pipeline now, meetings held by kind."""

    year: int
    unit_id: int | None
    series: dict[str, list[float]]
    pipeline: dict[str, int]
    meetings: dict[str, int]


@router.get("/figures", responses=error_responses(404))
async def figures(
    request: Request,
    session: Session,
    principal: CurrentPrincipal,
    year: Year = None,
    unit_id: IdQuery = None,
) -> YearFigures:
    """The year's figures of a unit and the units below it (default: all of your scope)."""
    chosen = year or now(request).astimezone(CHINA).year
    scope = principal.unit_ids
    if unit_id is not None:
        if await session.get(OrgUnit, unit_id) is None or not principal.sees_unit(unit_id):
            raise not_found("没有找到该组织单位")
        subtree = frozenset(await org_unit_service.subtree_ids(session, root_id=unit_id))
        scope = subtree if scope is None else scope & subtree
    found = await year_figures(session, year=chosen, unit_ids=scope)
    return YearFigures(
        year=chosen,
        unit_id=unit_id,
        series=found.series,
        pipeline=found.pipeline,
        meetings=found.meetings,
    )
