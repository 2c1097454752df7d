"""公示 as a real object: started from a file, counted in working days, listed and recomputed.

A 公示 runs for a number of China's working days (holidays off, adjusted working weekends on);
its text is generated from the development file (`notice_word`). Anyone following the account
may object while it runs, named or anonymously (`objections`); the step rules
(`steps._check_notice`) hold the next step while the 公示 runs or an objection is unchecked.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.models import AdmissionFile, NoticeKind, NoticeObjection, Person, PublicNotice
from app.services import audit
from app.services.admission import dossiers, procedure
from app.services.admission.dossiers import Dossier
from app.services.admission.notice_word import cn_date, draft
from app.services.admission.steps import StepRefused
from app.services.workdays import PACKAGE_YEARS, WorkCalendar

# The step a 公示 of each kind follows (it may start once that step is done).
AFTER_STEP = {NoticeKind.CANDIDATE: "committee_review", NoticeKind.CONVERSION: "conversion_request"}
MIN_WORKING_DAYS, MAX_WORKING_DAYS = 1, 30


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
