"""Volunteer teams in the console: the list (with the activities), a team's form and members."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from sqlmodel.ext.asyncio.session import AsyncSession

from app.api.deps import Session
from app.models import VolunteerTeam
from app.models.types import CHINA
from app.services.accounts.admins import Principal
from app.services.people import org_units as org_unit_service
from app.services.people.roster import people_options
from app.services.volunteering import activities as activity_service
from app.services.volunteering import teams as team_service
from app.services.volunteering.teams import TeamError
from app.web.admin.deps import ConsoleUser, ConsoleWriter, actor, now
from app.web.admin.forms import choice, parse_int, text_fields
from app.web.admin.options import unit_options
from app.web.admin.pages import NotFound, flash, redirect, render

router = APIRouter(prefix="/volunteering")

STATUS_TONES = {
    "draft": "text-bg-light border",
    "open": "text-bg-primary",
    "finished": "text-bg-success",
    "cancelled": "text-bg-secondary",
}


async def team_in_scope(session: AsyncSession, me: Principal, team_id: int) -> VolunteerTeam:
    """The team if its unit is the user's; the same 404 for missing and out of scope."""
    team = await team_service.get(session, team_id=team_id)
    if team is None or not me.sees_unit(team.org_unit_id):
        raise NotFound("没有找到这支志愿服务队，或者它不在您负责的组织范围内。")
    return team


@router.get("", response_class=HTMLResponse)
async def overview(request: Request, session: Session, me: ConsoleUser) -> HTMLResponse:
    """The teams and the activities of the user's units, newest first."""
    found = await team_service.in_scope(session, unit_ids=me.unit_ids)
    names = await org_unit_service.path_names(session)
    team_names = {t.id: t.name for t in found}
    rows = [
        {
            "team": team,
            "unit": names.get(team.org_unit_id, ""),
            "size": len(await team_service.member_ids(session, team_id=team.id or 0)),
        }
        for team in found
    ]
    listed = await activity_service.in_scope(session, unit_ids=me.unit_ids)
    context = {
        "nav": "volunteering",
        "teams": rows,
        "activities": [
            {
                "activity": a,
                "team": team_names.get(a.team_id, ""),
                "status": activity_service.status_label(a.status),
            }
            for a in listed
        ],
        "tones": STATUS_TONES,
        "year": now(request).astimezone(CHINA).year,
    }
    return render(request, "admin/volunteering/index.html", context)


async def _form_page(
    request: Request,
    session: AsyncSession,
    me: Principal,
    *,
    team: VolunteerTeam | None,
    shown: dict[str, Any],
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    """The team page: its members, and the form the user may fill in."""
    keep = await team_service.member_ids(session, team_id=team.id) if team and team.id else []
    members = await team_service.members(session, team_id=team.id) if team and team.id else []
    context = {
        "nav": "volunteering",
        "team": team,
        "members": members,
        "form": shown,
        "errors": errors or {},
        "units": await unit_options(session, me),
        "people": await people_options(session, me.unit_ids, keep),
    }
    return render(request, "admin/volunteering/team.html", context, status_code)


@router.get("/teams/new", response_class=HTMLResponse)
async def new_team(request: Request, session: Session, me: ConsoleWriter) -> HTMLResponse:
    """The empty team form."""
    units = await unit_options(session, me)
    shown = {"name": "", "org_unit_id": str(units[0][0]) if units else "", "person_ids": []}
    return await _form_page(request, session, me, team=None, shown=shown)


@router.get("/teams/{team_id:int}", response_class=HTMLResponse)
async def team_page(
    request: Request, team_id: int, session: Session, me: ConsoleUser
) -> HTMLResponse:
    """The team: its members (Party members and others), and its form for writers."""
    team = await team_in_scope(session, me, team_id)
    ids = await team_service.member_ids(session, team_id=team_id)
    shown = {
        "name": team.name,
        "org_unit_id": str(team.org_unit_id),
        "leader_id": str(team.leader_id or ""),
        "person_ids": [str(i) for i in ids],
    }
    return await _form_page(request, session, me, team=team, shown=shown)


async def _save(
    request: Request, session: AsyncSession, me: Principal, team: VolunteerTeam | None
) -> Response:
    """Check the posted form and store the team; the form again with its errors."""
    form = await request.form()
    shown: dict[str, Any] = text_fields(form, "name", "org_unit_id", "leader_id")
    units = await unit_options(session, me)
    keep = await team_service.member_ids(session, team_id=team.id) if team and team.id else []
    people = await people_options(session, me.unit_ids, keep)
    allowed = {pid for pid, _ in people}
    picked = [parse_int(str(v)) for v in form.getlist("person_ids")]
    shown["person_ids"] = [str(v) for v in form.getlist("person_ids")]
    errors: dict[str, str] = {}
    unit_id = choice(shown["org_unit_id"], units)
    if unit_id is None:
        errors["org_unit_id"] = "请选择您负责范围内的组织单位。"
    leader_id = choice(shown["leader_id"], people) if shown["leader_id"] else None
    if shown["leader_id"] and leader_id is None:
        errors["leader_id"] = "请从名单中选择队长。"
    if any(p is None or p not in allowed for p in picked):
        errors["person_ids"] = "请从名单中选择队员。"
    if not errors and unit_id is not None:
        try:
            saved = await team_service.save(
                session,
                team=team,
                name=shown["name"],
                org_unit_id=unit_id,
                leader_id=leader_id,
                person_ids=[p for p in picked if p is not None],
                actor=actor(request, me),
            )
        except TeamError as exc:
            errors["name"] = str(exc)
        else:
            flash(request, f"已保存志愿服务队「{saved.name}」。")
            return redirect(f"/admin/volunteering/teams/{saved.id}")
    return await _form_page(
        request, session, me, team=team, shown=shown, errors=errors, status_code=400
    )


@router.post("/teams/new", response_class=HTMLResponse)
async def create_team(request: Request, session: Session, me: ConsoleWriter) -> Response:
    """Store a new team."""
    return await _save(request, session, me, None)


@router.post("/teams/{team_id:int}/edit", response_class=HTMLResponse)
async def update_team(
    request: Request, team_id: int, session: Session, me: ConsoleWriter
) -> Response:
    """Rename the team, change its leader and members."""
    team = await team_in_scope(session, me, team_id)
    return await _save(request, session, me, team)
