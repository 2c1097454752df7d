"""A person's branch roles (支部职务) and study pairs (结对帮学) on their page in the console."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlmodel.ext.asyncio.session import AsyncSession

from app.api.deps import Session
from app.models import BranchRoleKind, Person, PersonStatus, PoliticalStage
from app.services.accounts.admins import Principal
from app.services.people import roles as role_service
from app.services.people import roster as people_service
from app.services.people.roles import BranchRolePublic, PairSide, StudyPairPublic
from app.services.people.roster import PersonError, PersonQuery
from app.web.admin.deps import ConsoleWriter, actor, person_in_scope
from app.web.admin.forms import parse_int, text_fields
from app.web.admin.pages import NotFound, flash, redirect, today
from app.web.admin.people.form import unit_options

router = APIRouter(prefix="/people/{person_id:int}")

# The people offered in the pairing form's list; past that, the employee number field serves.
CANDIDATE_LIMIT = 500

_KINDS = {kind.value: kind for kind in BranchRoleKind}
_SIDES = {side.value: side for side in PairSide}
_BAD_DATE = "日期格式应为 年-月-日，例如 2024-07-01。"


@dataclass(frozen=True, slots=True)
class RoleRow:
    """A role on the person page, and whether this user may remove it."""

    role: BranchRolePublic
    removable: bool


@dataclass(frozen=True, slots=True)
class PairRow:
    """A study pair seen from the person whose page it is."""

    pair: StudyPairPublic
    side: PairSide  # the page's person's side
    other_id: int
    other_name: str
    other_in_scope: bool  # linked, and the pair may be ended


@dataclass(frozen=True, slots=True)
class Section:
    """What the 支部职务 and 结对帮学 cards show."""

    roles: list[RoleRow]
    pairs: list[PairRow]
    units: list[tuple[int, str]]
    kinds: list[BranchRoleKind]
    sides: list[PairSide]
    candidates: list[tuple[int, str]]
    party_member: bool
    default_unit: int | None
    today: date


async def section(session: AsyncSession, me: Principal, person: Person, *, on: date) -> Section:
    """The person's roles and pairs, with the add forms' choices within the user's scope."""
    assert person.id is not None
    roles = await role_service.roles_public(
        session, await role_service.roles_of(session, person_id=person.id)
    )
    pairs: list[PairRow] = []
    for pair in await role_service.pairs_public(
        session, await role_service.pairs_of(session, person_id=person.id)
    ):
        leads = pair.leader_id == person.id
        other_id = pair.partner_id if leads else pair.leader_id
        other = await people_service.get(session, person_id=other_id)
        pairs.append(
            PairRow(
                pair=pair,
                side=PairSide.LEADER if leads else PairSide.PARTNER,
                other_id=other_id,
                other_name=pair.partner_name if leads else pair.leader_name,
                other_in_scope=other is not None and me.sees_unit(other.org_unit_id),
            )
        )
    units = await unit_options(session, me) if me.can_write else []
    candidates: list[tuple[int, str]] = []
    if me.can_write:
        found, _ = await people_service.search(
            session,
            query=PersonQuery(status=PersonStatus.ACTIVE),
            unit_ids=me.unit_ids,
            limit=CANDIDATE_LIMIT,
        )
        candidates = [(p.id, f"{p.name}（{p.employee_no}）") for p in found if p.id != person.id]
    return Section(
        roles=[RoleRow(role, me.sees_unit(role.org_unit_id)) for role in roles],
        pairs=pairs,
        units=units,
        kinds=list(BranchRoleKind),
        sides=list(PairSide),
        candidates=candidates,
        party_member=PoliticalStage(person.stage).is_party_member,
        default_unit=person.org_unit_id,
        today=on,
    )


def _sentence(message: str) -> str:
    """A service message as a flash sentence (ending in a full stop)."""
    return message if message.endswith(("。", "！", "？")) else f"{message}。"


def _date(value: str) -> date | None:
    """A form date (blank means none); ValueError when it is not one."""
    return date.fromisoformat(value) if value else None


@router.post("/roles")
async def add_role(
    request: Request, person_id: int, session: Session, me: ConsoleWriter
) -> Response:
    """任职: a role in a unit within the user's scope, from a date (audited)."""
    person = await person_in_scope(session, me, person_id)
    form = text_fields(await request.form(), "org_unit_id", "role", "since")
    back = redirect(f"/admin/people/{person_id}#roles")
    unit_id = parse_int(form["org_unit_id"])
    names = dict(await unit_options(session, me))
    kind = _KINDS.get(form["role"])
    if unit_id is None or unit_id not in names:
        flash(request, "请从列表中选择组织。", "danger")
        return back
    if kind is None:
        flash(request, "请从列表中选择职务。", "danger")
        return back
    try:
        since = _date(form["since"])
    except ValueError:
        flash(request, f"任职{_BAD_DATE}", "danger")
        return back
    try:
        await role_service.assign_role(
            session,
            person=person,
            org_unit_id=unit_id,
            role=kind,
            since=since,
            actor=actor(request, me),
        )
    except PersonError as exc:
        flash(request, _sentence(str(exc)), "danger")
    else:
        flash(request, f"已登记：{person.name} 任{names[unit_id]}{kind.label}。")
    return back


@router.post("/roles/{role_id:int}/remove")
async def remove_role(
    request: Request, person_id: int, role_id: int, session: Session, me: ConsoleWriter
) -> Response:
    """免职: remove one of the person's roles (only in a unit within the user's scope)."""
    person = await person_in_scope(session, me, person_id)
    role = await role_service.get_role(session, role_id=role_id)
    if role is None or role.person_id != person.id or not me.sees_unit(role.org_unit_id):
        raise NotFound("这个职务不存在，或者不在您负责的组织范围内。")
    (shown,) = await role_service.roles_public(session, [role])
    await role_service.remove_role(session, role_id=role_id, actor=actor(request, me))
    flash(request, f"已免去 {person.name} 的{shown.org_unit or ''}{shown.role_label}职务。")
    return redirect(f"/admin/people/{person_id}#roles")


async def _other(session: AsyncSession, me: Principal, other_id: str, employee_no: str) -> Person:
    """The other person of a new pair, by employee number (preferred) or by the list."""
    if employee_no:
        other = await people_service.get_by_employee_no(session, employee_no=employee_no)
    elif (number := parse_int(other_id)) is not None:
        other = await people_service.get(session, person_id=number)
    else:
        raise PersonError("请从列表中选择结对的另一方，或填写其工号。")
    if other is None or not me.sees_unit(other.org_unit_id):
        raise PersonError("没有找到这个人员，或者他不在您负责的组织范围内。")
    return other


@router.post("/study-pairs")
async def add_pair(
    request: Request, person_id: int, session: Session, me: ConsoleWriter
) -> Response:
    """结对: the person leads (带学人) or studies (学习人) with someone in scope, from a date."""
    person = await person_in_scope(session, me, person_id)
    form = text_fields(await request.form(), "other_id", "employee_no", "side", "started_on")
    back = redirect(f"/admin/people/{person_id}#pairs")
    side = _SIDES.get(form["side"])
    try:
        started_on = _date(form["started_on"])
    except ValueError:
        flash(request, f"开始{_BAD_DATE}", "danger")
        return back
    try:
        if side is None:
            raise PersonError("请选择本人是带学人还是学习人。")
        if started_on is None:
            raise PersonError("请填写开始日期。")
        other = await _other(session, me, form["other_id"], form["employee_no"])
        leader, partner = (person, other) if side is PairSide.LEADER else (other, person)
        await role_service.create_pair(
            session,
            leader=leader,
            partner=partner,
            started_on=started_on,
            actor=actor(request, me),
        )
    except PersonError as exc:
        flash(request, _sentence(str(exc)), "danger")
    else:
        flash(request, f"已登记结对帮学：带学人 {leader.name}，学习人 {partner.name}。")
    return back


@router.post("/study-pairs/{pair_id:int}/end")
async def end_pair(
    request: Request, person_id: int, pair_id: int, session: Session, me: ConsoleWriter
) -> Response:
    """结束结对: from a date (both people must be within the user's scope)."""
    person = await person_in_scope(session, me, person_id)
    pair = await role_service.get_pair(session, pair_id=pair_id)
    if pair is None or person.id not in (pair.leader_id, pair.partner_id):
        raise NotFound("这个结对不存在，或者不在您负责的组织范围内。")
    other_id = pair.partner_id if pair.leader_id == person.id else pair.leader_id
    other = await people_service.get(session, person_id=other_id)
    if other is None or not me.sees_unit(other.org_unit_id):
        raise NotFound("这个结对不存在，或者不在您负责的组织范围内。")
    back = redirect(f"/admin/people/{person_id}#pairs")
    try:
        ended_on = _date(text_fields(await request.form(), "ended_on")["ended_on"])
    except ValueError:
        flash(request, f"结束{_BAD_DATE}", "danger")
        return back
    try:
        await role_service.end_pair(
            session, pair_id=pair_id, ended_on=ended_on or today(request), actor=actor(request, me)
        )
    except PersonError as exc:
        flash(request, _sentence(str(exc)), "danger")
    else:
        flash(request, f"已结束 {person.name} 与 {other.name} 的结对帮学。")
    return back
