"""A 公示's text, generated from the development file, and its Word document."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from docxtpl import DocxTemplate  # type: ignore[import-untyped]
from sqlmodel.ext.asyncio.session import AsyncSession

from app.models import NoticeKind, OrgUnitKind, Person, PublicNotice
from app.models.types import china_day
from app.services import audit
from app.services.admission.dossiers import Dossier
from app.services.people import org_units as org_unit_service
from app.services.people import roles as roles_service
from app.services.spreadsheets import off_loop
from app.services.workdays import WorkCalendar

DEFAULT_OFFICE = "党群部门"
TEMPLATE = Path(__file__).resolve().parent / "templates" / "notice.docx"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def cn_date(day: date | None) -> str:
    """ "2026年9月30日" (empty for none)."""
    return china_day(day) if day is not None else "（未记录）"


@dataclass(frozen=True)
class Draft:
    """A 公示 as it would be started: its period and its text."""

    starts_on: date
    ends_on: date
    title: str
    text: str
    unknown_years: list[int]


def title_of(person: Person, kind: NoticeKind) -> str:
    """「关于张三同志拟发展为中共预备党员的公示」 / 「…拟转为中共正式党员的公示」."""
    what = "拟发展为中共预备党员" if kind is NoticeKind.CANDIDATE else "拟转为中共正式党员"
    return f"关于{person.name}同志{what}的公示"


def _body(
    dossier: Dossier,
    kind: NoticeKind,
    first: date,
    last: date,
    working_days: int,
    contact: str,
    branch: str,
) -> str:
    person, done = dossier.person, dossier.done_on
    about = [f"{person.name}同志"]
    if person.department:
        about.append(f"{person.department}")
    if dossier.file.birth_date is not None:
        about.append(f"{cn_date(dossier.file.birth_date)}出生")
    lines = [
        "，".join(about) + "。",
        f"{cn_date(done('apply'))}递交入党申请书，{cn_date(done('activist'))}被确定为入党积极分子，"
        f"{cn_date(done('candidate'))}被确定为发展对象。",
    ]
    if kind is NoticeKind.CANDIDATE:
        lines.append("经支部委员会审查，拟发展为中共预备党员，现予公示。")
    else:
        ends = dossier.probation_ends_on()
        lines.append(
            f"{cn_date(done('branch_resolution'))}经支部大会讨论接收为中共预备党员，"
            f"{cn_date(done('approval'))}经上级党委审批同意，"
            f"预备期自{cn_date(done('branch_resolution'))}至{cn_date(ends)}。"
            f"本人于{cn_date(done('conversion_request'))}提出转正申请，"
            "拟转为中共正式党员，现予公示。"
        )
    lines += [
        f"公示时间：{cn_date(first)}至{cn_date(last)}（{working_days} 个工作日）。",
        "公示期间，党员和群众可通过来信、来电、来访，或在本支部微信公众号回复「公示」，"
        "以实名或匿名方式反映该同志在政治思想、工作表现、道德品质等方面的情况和问题。"
        "提倡以实名方式反映情况，我们将对反映人的信息严格保密。",
        f"受理意见：{contact}",
        branch,
    ]
    return "\n".join(lines)


async def default_contact(session: AsyncSession, *, dossier: Dossier) -> str:
    """The branch secretary's name and the 党群部门, who take objections."""
    secretary = await roles_service.secretary_of(session, unit_id=dossier.person.org_unit_id)
    if secretary is None:
        return DEFAULT_OFFICE
    return f"支部书记{secretary.name}，{DEFAULT_OFFICE}"


async def _branch_name(session: AsyncSession, unit_id: int | None) -> str:
    """The name of the person's branch (the nearest 党支部 above their unit)."""
    units = {unit.id: unit for unit in await org_unit_service.all_units(session)}
    if unit_id is not None:
        for found in await org_unit_service.ancestor_ids(session, unit_id=unit_id):
            unit = units.get(found)
            if unit is not None and unit.kind == OrgUnitKind.BRANCH.value:
                return unit.name
    branches = [u.name for u in units.values() if u.kind == OrgUnitKind.BRANCH.value]
    return branches[0] if branches else "党支部"


async def draft(
    session: AsyncSession,
    *,
    dossier: Dossier,
    kind: NoticeKind,
    starts_on: date,
    working_days: int,
    contact: str,
    workdays: WorkCalendar,
) -> Draft:
    """The period and the text a 公示 would have (nothing stored; for the form's preview)."""
    first, last = workdays.working_span(starts_on, working_days)
    branch = await _branch_name(session, dossier.person.org_unit_id)
    body = _body(dossier, kind, first, last, working_days, contact, branch)
    return Draft(
        starts_on=first,
        ends_on=last,
        title=title_of(dossier.person, kind),
        text=body,
        unknown_years=workdays.unknown_years(first, last),
    )


# --- the Word document ----------------------------------------------------------------------


def _render_word(title: str, paragraphs: list[str], signature: str, dated: str) -> bytes:
    document = DocxTemplate(str(TEMPLATE))
    document.render(
        {"title": title, "paragraphs": paragraphs, "signature": signature, "dated": dated},
        autoescape=True,
    )
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


async def word(notice: PublicNotice, *, issued_on: date | None = None) -> bytes:
    """The 公示 as a .docx for the notice board (rendered off the event loop)."""
    lines = [line for line in notice.text.splitlines() if line.strip()]
    signature = lines.pop() if len(lines) > 1 else ""
    dated = cn_date(issued_on or notice.starts_on)
    return await off_loop(_render_word, notice.title, lines, signature, dated)


async def export_word(
    session: AsyncSession, *, notice: PublicNotice, actor: audit.Actor, issued_on: date | None
) -> bytes:
    """The Word document for the console's download (an export: audited)."""
    data = await word(notice, issued_on=issued_on)
    await audit.record(
        session,
        actor=actor,
        action="admission.notice_export",
        target_type="public_notice",
        target_id=notice.id,
        summary=f"下载《{notice.title}》Word 文档",
    )
    return data
