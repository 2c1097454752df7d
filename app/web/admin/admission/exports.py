"""发展党员工作台账 (.xlsx, one row per person) and one person's file (.xlsx)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from app.api.deps import Session
from app.services import workdays as workday_service
from app.services.admission import ledger
from app.web.admin.admission.files import dossier_in_scope
from app.web.admin.deps import ConsoleUser, actor
from app.web.admin.downloads import download
from app.web.admin.pages import today

router = APIRouter(prefix="/admission")


@router.get("/ledger.xlsx")
async def ledger_export(request: Request, session: Session, me: ConsoleUser) -> Response:
    """The ledger of every file in the user's units, open or not (audited)."""
    data = await ledger.export_ledger(session, unit_ids=me.unit_ids, actor=actor(request, me))
    name = f"发展党员工作台账-{today(request):%Y%m%d}.xlsx"
    return download(data, name, fallback="admission-ledger.xlsx")


@router.get("/files/{file_id:int}.xlsx")
async def file_export(
    request: Request, file_id: int, session: Session, me: ConsoleUser
) -> Response:
    """One person's file (404 outside the user's units); 政审 notes only in an admin's (audited)."""
    dossier = await dossier_in_scope(session, me, file_id)
    data = await ledger.export_file(
        session,
        dossier=dossier,
        workdays=await workday_service.load(session),
        today=today(request),
        review_valid_months=request.app.state.settings.political_review_valid_months,
        admin=me.is_admin,
        actor=actor(request, me),
    )
    name = f"发展档案-{dossier.person.name}-{today(request):%Y%m%d}.xlsx"
    return download(data, name, fallback=f"admission-file-{file_id}.xlsx")
