"""公示 as a real object: started from a file, counted in working days, objections and findings.

A 公示 runs for a number of China's working days (holidays off, adjusted working weekends on);
its text is generated from the development file. Anyone following the account may object
while it runs, named or anonymously: an anonymous objection keeps the day and the text only —
no person, no openid, no name, no address, and its audit entry names nobody either. The
secretary checks each objection with a written finding; the step rules (`steps._check_notice`)
hold the next step while the 公示 runs or an objection is unchecked.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from pathlib import Path

from docxtpl import DocxTemplate  # type: ignore[import-untyped]
from sqlalchemy import and_, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.models import (
    AdmissionFile,
    NoticeKind,
    NoticeObjection,
    ObjectionOutcome,
    OrgUnitKind,
    Person,
    PublicNotice,
)
from app.services import audit
from app.services.admission import dossiers, procedure
from app.services.admission.dossiers import Dossier
from app.services.admission.steps import StepRefused
from app.services.people import org_units as org_unit_service
from app.services.people import roles as roles_service
from app.services.spreadsheets import off_loop
from app.services.workdays import PACKAGE_YEARS, WorkCalendar

# The step a 公示 of each kind follows (it may start once that step is done).
AFTER_STEP = {NoticeKind.CANDIDATE: "committee_review", NoticeKind.CONVERSION: "conversion_request"}
MIN_WORKING_DAYS, MAX_WORKING_DAYS = 1, 30
MAX_OBJECTION = 2000
MAX_NAME, MAX_CONTACT = 50, 100
DEFAULT_OFFICE = "党群部门"
# Who an anonymous objection is recorded as in the audit trail: nobody, from nowhere.
ANONYMOUS = audit.Actor(id=None, name="匿名意见")
TEMPLATE = Path(__file__).resolve().parent / "templates" / "notice.docx"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


class NoticeState(StrEnum):
    """Where a 公示 stands on a given day."""

    PENDING = "pending"
    OPEN = "open"
    ENDED = "ended"

    @property
    def label(self) -> str:
        """The Chinese name."""
        return {"pending": "未开始", "open": "公示中", "ended": "已结束"}[self.value]


def state(notice: PublicNotice, today: date) -> NoticeState:
    """未开始 before its first day, 公示中 through its last, 已结束 after."""
    if today < notice.starts_on:
        return NoticeState.PENDING
    if today <= notice.ends_on:
        return NoticeState.OPEN
    return NoticeState.ENDED


def cn_date(day: date | None) -> str:
    """ "2026年9月30日" (empty for none)."""
    return f"{day.year}年{day.month}月{day.day}日" if day is not None else "（未记录）"


def period(notice: PublicNotice) -> str:
    """ "2026年9月30日至2026年10月12日（5 个工作日）"."""
    return (
        f"{cn_date(notice.starts_on)}至{cn_date(notice.ends_on)}（{notice.working_days} 个工作日）"
    )


def unknown_years(notice: PublicNotice, workdays: WorkCalendar) -> list[int]:
    """The years of the period whose holidays are not known (the end date may move)."""
    return workdays.unknown_years(notice.starts_on, notice.ends_on)


def unknown_years_warning(years: list[int]) -> str:
    """What the console says about a period in a year without holiday data."""
    if not years:
        return ""
    named = "、".join(f"{year} 年" for year in years)
    return f"{named}放假安排尚未公布，结束日期按周一至周五计算；公布后请在「放假安排」中录入"


# --- the text -------------------------------------------------------------------------------


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


def _check_period(starts_on: date, working_days: int, today: date) -> None:
    if not MIN_WORKING_DAYS <= working_days <= MAX_WORKING_DAYS:
        raise StepRefused(
            f"公示期应为 {MIN_WORKING_DAYS}–{MAX_WORKING_DAYS} 个工作日（一般为 5 个工作日）"
        )
    if starts_on < today:
        raise StepRefused(f"公示开始日期（{starts_on.isoformat()}）不能早于今天")


def _check_file(dossier: Dossier, kind: NoticeKind) -> None:
    if not dossier.is_open:
        raise StepRefused("该发展档案已关闭，不能再进行公示")
    before = AFTER_STEP[kind]
    if dossier.done_on(before) is None:
        raise StepRefused(f"请先完成{procedure.label(procedure.step(before))}，再进行{kind.label}")
    existing = dossier.notice(kind)
    if existing is not None:
        raise StepRefused(
            f"{dossier.person.name}的{kind.label}已于 {existing.starts_on.isoformat()} 开始，"
            "不能重复公示"
        )


def refusal(dossier: Dossier, kind: NoticeKind) -> str | None:
    """Why a 公示 of this kind cannot be started on the file now (None: it can)."""
    try:
        _check_file(dossier, kind)
    except StepRefused as exc:
        return str(exc)
    return None


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


async def start(
    session: AsyncSession,
    *,
    dossier: Dossier,
    kind: NoticeKind,
    starts_on: date,
    working_days: int,
    contact: str,
    actor: audit.Actor,
    workdays: WorkCalendar,
    today: date,
) -> PublicNotice:
    """Start a 公示 of the file: its period counted in working days, its text from the file."""
    _check_file(dossier, kind)
    _check_period(starts_on, working_days, today)
    contact = contact.strip()
    if not contact:
        raise StepRefused("请填写受理意见的联系人和联系方式")
    if len(contact) > 200:
        raise StepRefused("联系人和联系方式最多 200 个字")
    made = await draft(
        session,
        dossier=dossier,
        kind=kind,
        starts_on=starts_on,
        working_days=working_days,
        contact=contact,
        workdays=workdays,
    )
    notice = PublicNotice(
        file_id=dossier.id,
        kind=kind.value,
        starts_on=made.starts_on,
        ends_on=made.ends_on,
        working_days=working_days,
        title=made.title,
        text=made.text,
        contact=contact,
        created_by=actor.name,
    )
    session.add(notice)
    await session.flush()
    dossier.notices.append(notice)
    await audit.record(
        session,
        actor=actor,
        action="admission.notice",
        target_type="public_notice",
        target_id=notice.id,
        summary=f"{dossier.person.name}：{kind.label}（{period(notice)}）",
        after=audit.snapshot(notice),
    )
    return notice


# --- reading --------------------------------------------------------------------------------


async def get(session: AsyncSession, *, notice_id: int) -> PublicNotice | None:
    """A 公示 by id."""
    return await session.get(PublicNotice, notice_id)


async def dossier_of(session: AsyncSession, *, notice: PublicNotice) -> Dossier:
    """The file the 公示 is about, with everything on it."""
    found = await dossiers.load(session, file_id=notice.file_id)
    assert found is not None  # the foreign key cascades
    return found


async def open_on(session: AsyncSession, *, today: date) -> list[tuple[PublicNotice, Person]]:
    """The 公示 running today, with the person each is about (by end date)."""
    statement = (
        select(PublicNotice, Person)
        .join(AdmissionFile, col(AdmissionFile.id) == col(PublicNotice.file_id))
        .join(Person, col(Person.id) == col(AdmissionFile.person_id))
        .where(col(PublicNotice.starts_on) <= today, col(PublicNotice.ends_on) >= today)
        .order_by(col(PublicNotice.ends_on), col(PublicNotice.id))
    )
    return [(notice, person) for notice, person in (await session.exec(statement)).all()]


@dataclass(frozen=True)
class Listed:
    """A 公示 in the console's list."""

    notice: PublicNotice
    person: Person
    state: NoticeState
    objections: int
    unchecked: int


async def listing(
    session: AsyncSession, *, unit_ids: frozenset[int] | None, today: date
) -> list[Listed]:
    """Every 公示 about people in these units (None: all), newest first, with objection counts."""
    statement = (
        select(PublicNotice, Person)
        .join(AdmissionFile, col(AdmissionFile.id) == col(PublicNotice.file_id))
        .join(Person, col(Person.id) == col(AdmissionFile.person_id))
        .order_by(col(PublicNotice.starts_on).desc(), col(PublicNotice.id).desc())
    )
    if unit_ids is not None:
        statement = statement.where(col(Person.org_unit_id).in_(unit_ids))
    rows = list((await session.exec(statement)).all())
    ids = [notice.id for notice, _ in rows]
    counts: dict[int, list[int]] = {}
    if ids:
        found = select(NoticeObjection.notice_id, NoticeObjection.outcome).where(
            col(NoticeObjection.notice_id).in_(ids)
        )
        for notice_id, outcome in (await session.exec(found)).all():
            tally = counts.setdefault(notice_id, [0, 0])
            tally[0] += 1
            tally[1] += outcome is None
    out = []
    for notice, person in rows:
        assert notice.id is not None
        total, unchecked = counts.get(notice.id, [0, 0])
        out.append(Listed(notice, person, state(notice, today), total, unchecked))
    return out


async def objections(session: AsyncSession, *, notice: PublicNotice) -> list[NoticeObjection]:
    """The 公示's objections in the order they came in (not audited: counts only)."""
    statement = (
        select(NoticeObjection)
        .where(NoticeObjection.notice_id == notice.id)
        .order_by(col(NoticeObjection.id))
    )
    return list((await session.exec(statement)).all())


async def view_objections(
    session: AsyncSession, *, notice: PublicNotice, actor: audit.Actor
) -> list[NoticeObjection]:
    """The objections for an admin to read; the view itself is audited."""
    found = await objections(session, notice=notice)
    await audit.record(
        session,
        actor=actor,
        action="admission.view_objections",
        target_type="public_notice",
        target_id=notice.id,
        summary=f"查看《{notice.title}》收到的意见（{len(found)} 条）",
    )
    return found


# --- objections -----------------------------------------------------------------------------


async def object(
    session: AsyncSession,
    *,
    notice: PublicNotice,
    content: str,
    named: bool,
    name: str | None,
    contact: str | None,
    today: date,
) -> NoticeObjection:
    """An objection during the period. Anonymous: only the day and the text are kept."""
    if today < notice.starts_on:
        raise StepRefused(f"公示尚未开始（{cn_date(notice.starts_on)}开始），暂不受理意见")
    if today > notice.ends_on:
        raise StepRefused("公示期已结束，不再受理意见")
    text = content.strip()
    if not text:
        raise StepRefused("请填写您要反映的情况")
    if len(text) > MAX_OBJECTION:
        raise StepRefused(f"反映的内容最多 {MAX_OBJECTION} 字（现有 {len(text)} 字）")
    row = NoticeObjection(notice_id=notice.id or 0, received_on=today, content=text)
    if named:
        who, how = (name or "").strip(), (contact or "").strip()
        if not who:
            raise StepRefused("实名反映请填写您的姓名")
        if len(who) > MAX_NAME:
            raise StepRefused(f"姓名最多 {MAX_NAME} 个字")
        if len(how) > MAX_CONTACT:
            raise StepRefused(f"联系方式最多 {MAX_CONTACT} 个字")
        row.named, row.objector_name, row.objector_contact = True, who, how or None
    session.add(row)
    await session.flush()
    # The entry says that an objection came in, never who sent it nor what it says.
    await audit.record(
        session,
        actor=ANONYMOUS if not named else audit.Actor(id=None, name="实名意见"),
        action="admission.objection",
        target_type="public_notice",
        target_id=notice.id,
        summary=f"《{notice.title}》收到{'实名' if named else '匿名'}意见",
    )
    return row


async def get_objection(session: AsyncSession, *, objection_id: int) -> NoticeObjection | None:
    """An objection by id."""
    return await session.get(NoticeObjection, objection_id)


def _checked_already(objection: NoticeObjection) -> StepRefused:
    label = ObjectionOutcome(objection.outcome).label if objection.outcome else "已核实"
    return StepRefused(
        f"这条意见已由 {objection.checked_by or '他人'} 核实（{label}），不能重复核实"
    )


async def check(
    session: AsyncSession,
    *,
    objection: NoticeObjection,
    outcome: ObjectionOutcome,
    finding: str,
    actor: audit.Actor,
    now: datetime,
) -> NoticeObjection:
    """The secretary's written finding on an objection (once)."""
    if objection.outcome is not None:
        raise _checked_already(objection)
    written = finding.strip()
    if not written:
        raise StepRefused("请填写核实情况和结论")
    if len(written) > MAX_OBJECTION:
        raise StepRefused(f"核实结论最多 {MAX_OBJECTION} 字")
    # Checked once: of two admins recording a finding at the same moment, the first stands.
    claimed = await session.exec(
        update(NoticeObjection)
        .where(
            and_(col(NoticeObjection.id) == objection.id, col(NoticeObjection.outcome).is_(None))
        )
        .values(outcome=outcome.value, finding=written, checked_by=actor.name, checked_at=now)
    )
    await session.refresh(objection)
    if not claimed.rowcount:
        raise _checked_already(objection)
    await audit.record(
        session,
        actor=actor,
        action="admission.check_objection",
        target_type="public_notice",
        target_id=objection.notice_id,
        summary=f"核实意见 #{objection.id}：{outcome.label}",
    )
    return objection


# --- the calendar moved ---------------------------------------------------------------------


async def recompute_open(
    session: AsyncSession,
    *,
    workdays: WorkCalendar,
    actor: audit.Actor,
    today: date | None = None,
) -> int:
    """After a year's holidays are entered: the period of every 公示 not yet ended (ending on or
    after `today`, when given) that runs into a year the package does not cover, counted again
    from its start and working days; how many changed. One already over stays as it ran."""
    statement = select(PublicNotice)
    if today is not None:
        statement = statement.where(col(PublicNotice.ends_on) >= today)
    changed = 0
    for notice in (await session.exec(statement)).all():
        if all(
            year in PACKAGE_YEARS for year in range(notice.starts_on.year, notice.ends_on.year + 1)
        ):
            continue  # the State Council's calendar, which entering a year does not change
        first, last = workdays.working_span(notice.starts_on, notice.working_days)
        if (first, last) == (notice.starts_on, notice.ends_on):
            continue
        before = period(notice)
        old = f"公示时间：{cn_date(notice.starts_on)}至{cn_date(notice.ends_on)}"
        notice.starts_on, notice.ends_on = first, last
        notice.text = notice.text.replace(old, f"公示时间：{cn_date(first)}至{cn_date(last)}")
        session.add(notice)
        changed += 1
        await session.flush()
        await audit.record(
            session,
            actor=actor,
            action="admission.notice_recompute",
            target_type="public_notice",
            target_id=notice.id,
            summary=f"《{notice.title}》重新计算公示期：{before} → {period(notice)}",
        )
    return changed


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
