"""组织发展 over REST: development files and their steps, read only."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Request
from pydantic import BaseModel

from app.api.deps import CurrentPrincipal, Session
from app.api.errors import error_responses
from app.api.v1.common import IdPath, not_found, now
from app.models import FileStatus, PoliticalStage
from app.models.types import CHINA
from app.services import workdays as workday_service
from app.services.accounts.admins import Principal
from app.services.admission import deadlines, dossiers, procedure
from app.services.admission.dossiers import Dossier
from app.services.admission.ledger import RESTRICTED_STEP
from app.services.workdays import WorkCalendar

router = APIRouter(prefix="/admission", tags=["admission"])

FOUND = error_responses(404)


class DeadlinePublic(BaseModel):
    """A dated obligation of a file."""

    key: str
    title: str
    kind: str
    due: date
    days_left: int
    overdue: bool
    describe: str
    unknown_year: bool


class FileSummary(BaseModel):
    """A development file: whose, where it stands, what comes next and when."""

    id: int
    person_id: int
    person_name: str
    stage: PoliticalStage
    stage_label: str
    status: FileStatus
    status_label: str
    historical: bool
    next_step_code: str | None
    next_step_title: str | None
    probation_ends_on: date | None
    deadlines: list[DeadlinePublic]


class StepPublic(BaseModel):
    """One of the 25 steps, done or not (政审's note only for admins)."""

    code: str
    number: int
    section: int
    title: str
    done_on: date | None
    document_no: str | None
    document_date: date | None
    note: str | None
    recorded_by: str | None


def _summary(dossier: Dossier, *, calendar: WorkCalendar, today: date, months: int) -> FileSummary:
    upcoming = dossier.next_step()
    due = deadlines.compute(dossier, workdays=calendar, today=today, review_valid_months=months)
    stage = PoliticalStage(dossier.person.stage)
    status = FileStatus(dossier.file.status)
    return FileSummary(
        id=dossier.id,
        person_id=dossier.person.id or 0,
        person_name=dossier.person.name,
        stage=stage,
        stage_label=stage.label,
        status=status,
        status_label=status.label,
        historical=dossier.file.historical,
        next_step_code=upcoming.code if upcoming else None,
        next_step_title=upcoming.title if upcoming else None,
        probation_ends_on=dossier.probation_ends_on(),
        deadlines=[
            DeadlinePublic(
                key=d.key,
                title=d.title,
                kind=d.kind.value,
                due=d.due,
                days_left=d.days_left,
                overdue=d.overdue,
                describe=d.describe,
                unknown_year=d.unknown_year,
            )
            for d in due
        ],
    )


def _today(request: Request) -> date:
    return now(request).astimezone(CHINA).date()


async def _in_scope(session: Session, principal: Principal, file_id: int) -> Dossier:
    found = await dossiers.load(session, file_id=file_id)
    if found is None or not principal.sees_unit(found.person.org_unit_id):
        raise not_found("没有找到该发展档案")
    return found


@router.get("/files")
async def list_files(
    request: Request, session: Session, principal: CurrentPrincipal
) -> list[FileSummary]:
    """The open development files within your scope, by name."""
    calendar = await workday_service.load(session)
    months = request.app.state.settings.political_review_valid_months
    return [
        _summary(d, calendar=calendar, today=_today(request), months=months)
        for d in await dossiers.open_files(session, unit_ids=principal.unit_ids)
    ]


@router.get("/files/{file_id:int}", responses=FOUND)
async def get_file(
    file_id: IdPath, request: Request, session: Session, principal: CurrentPrincipal
) -> FileSummary:
    """One development file (open or closed)."""
    dossier = await _in_scope(session, principal, file_id)
    calendar = await workday_service.load(session)
    months = request.app.state.settings.political_review_valid_months
    return _summary(dossier, calendar=calendar, today=_today(request), months=months)


@router.get("/files/{file_id:int}/steps", responses=FOUND)
async def list_steps(
    file_id: IdPath, session: Session, principal: CurrentPrincipal
) -> list[StepPublic]:
    """The 25 steps in order, with the date and document of those done."""
    dossier = await _in_scope(session, principal, file_id)
    found = []
    for step in procedure.STEPS:
        row = dossier.steps.get(step.code)
        note = row.note if row else None
        if step.code == RESTRICTED_STEP and not principal.is_admin:
            note = None
        found.append(
            StepPublic(
                code=step.code,
                number=step.number,
                section=step.section,
                title=step.title,
                done_on=row.done_on if row else None,
                document_no=row.document_no if row else None,
                document_date=row.document_date if row else None,
                note=note,
                recorded_by=row.recorded_by if row else None,
            )
        )
    return found
