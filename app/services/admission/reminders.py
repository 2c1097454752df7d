"""组织发展 reminders: a step due within a week (and once when overdue), the secretary's weekly
digest, the quarterly 思想汇报 reminder.

Each acts on or after ADMISSION_REMINDER_TIME (China time) and is keyed, so a job that runs
every few minutes sends each notice once: `admission.due:<file>:<deadline>` when a deadline
is 7 days off or less, `admission.overdue:<file>:<deadline>` once it has passed (not daily),
`admission.digest:<secretary>:<ISO week>` on Mondays, `admission.report:<person>:<quarter>` in
the last month of a quarter. Quiet hours are the sender's business, not these functions'.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.config import Settings
from app.models import AssigneeRole, BranchRole, BranchRoleKind, ThoughtReport
from app.models.types import CHINA, china_day
from app.services import prompts
from app.services import workdays as workday_service
from app.services.admission import deadlines, dossiers
from app.services.admission import reports as report_service
from app.services.admission.deadlines import Deadline, Kind
from app.services.admission.dossiers import Dossier
from app.services.admission.procedure import Role
from app.services.broadcasts import notices
from app.services.broadcasts import rows as row_service
from app.services.broadcasts.notices import NoticeRun
from app.services.people import org_units
from app.services.people import roles as roles_service

SUBJECT = "admission_file"
WARN_DAYS = 7
DIGEST_DAYS = 14
DIGEST_LINES = 30  # the message lists this many; the console has them all
_DUE_KINDS = (Kind.DUE, Kind.EXPIRES)


def _local(now: datetime) -> datetime:
    return now.astimezone(CHINA)


def _time_reached(settings: Settings, now: datetime) -> bool:
    return _local(now).time() >= time.fromisoformat(settings.admission_reminder_time)


async def responsible(
    session: AsyncSession, *, dossier: Dossier, roles: tuple[Role, ...]
) -> list[int]:
    """The people a deadline's roles name: the secretary (also for the 上级党委's steps, which
    the branch follows up), the contacts and introducers on the file."""
    people: list[int] = []
    if Role.SECRETARY in roles or Role.COMMITTEE in roles:
        people += await roles_service.secretaries(session, unit_id=dossier.person.org_unit_id)
    if Role.CONTACT in roles:
        people += dossier.people(AssigneeRole.CONTACT)
    if Role.INTRODUCER in roles:
        people += dossier.people(AssigneeRole.INTRODUCER)
    return sorted(set(people) - {dossier.person.id})


def _deadline_message(dossier: Dossier, deadline: Deadline, settings: Settings) -> dict[str, Any]:
    name = dossier.person.name
    late = deadline.overdue
    head = "【组织发展·已逾期】" if late else "【组织发展·即将到期】"
    note = f"（{deadline.note}）" if deadline.note else ""
    text = (
        f"{head}{name}：{deadline.title}，期限 {china_day(deadline.due)}，"
        f"{deadline.describe}{note}。"
        "请及时办理并在系统中记录。"
    )
    link = f"{settings.public_base_url.rstrip('/')}/admin/admission/files/{dossier.id}"
    title = f"{'已逾期' if late else '即将到期'}：{name} {deadline.title}"
    return {
        "title": title,
        "text": text,
        "url": link,
        "description": text,
        "template": {
            "thing1": f"{name}：{deadline.title}",
            "thing2": deadline.describe,
            "time3": f"{deadline.due:%Y-%m-%d}",
        },
        "subscribe": {
            "thing1": f"{name}：{deadline.title}",
            "time2": f"{deadline.due:%Y-%m-%d}",
            "thing3": deadline.describe,
        },
    }


async def _open_deadlines(
    session: AsyncSession, settings: Settings, today: date
) -> list[tuple[Dossier, Deadline]]:
    calendar = await workday_service.load(session)
    found: list[tuple[Dossier, Deadline]] = []
    for dossier in await dossiers.open_files(session):
        entered = _local(dossier.file.created_at).date()
        for deadline in deadlines.compute(
            dossier,
            workdays=calendar,
            today=today,
            review_valid_months=settings.political_review_valid_months,
        ):
            # A file entered from paper records: no reminders about what was due before then.
            if deadline.kind in _DUE_KINDS and not (
                dossier.file.historical and deadline.due < entered
            ):
                found.append((dossier, deadline))
    return found


async def send_deadline_notices(
    session: AsyncSession, *, settings: Settings, now: datetime
) -> NoticeRun:
    """A step due within a week: one notice to whoever is responsible; once more when overdue."""
    report = NoticeRun()
    if not _time_reached(settings, now):
        return report
    for dossier, deadline in await _open_deadlines(session, settings, _local(now).date()):
        if deadline.overdue:
            key = f"admission.overdue:{dossier.id}:{deadline.key}"
        elif 0 <= deadline.days_left <= WARN_DAYS:
            key = f"admission.due:{dossier.id}:{deadline.key}"
        else:
            continue
        if await row_service.get_by_key(session, key=key) is not None:
            continue
        people = await responsible(session, dossier=dossier, roles=deadline.responsible)
        if not people:
            continue
        created = await notices.notify(
            session,
            key=key,
            kind="admission_overdue" if deadline.overdue else "admission_due",
            subject=(SUBJECT, dossier.id),
            message=_deadline_message(dossier, deadline, settings),
            people=people,
            settings=settings,
            now=now,
        )
        if created is not None:
            report.created.append(created)
    return report


async def _secretary_units(session: AsyncSession) -> dict[int, set[int]]:
    """Each 支部书记 and the units they answer for (their units and everything below)."""
    statement = select(BranchRole.person_id, BranchRole.org_unit_id).where(
        BranchRole.role == BranchRoleKind.SECRETARY.value
    )
    scope: dict[int, set[int]] = {}
    for person_id, unit_id in (await session.exec(statement)).all():
        scope.setdefault(person_id, set()).update(
            await org_units.subtree_ids(session, root_id=unit_id)
        )
    return scope


def _digest_message(
    lines: list[str], overdue: int, soon: int, settings: Settings, when: datetime
) -> dict[str, Any]:
    shown = lines[:DIGEST_LINES]
    more = f"\n……另有 {len(lines) - len(shown)} 项，见控制台" if len(lines) > len(shown) else ""
    counts = f"已逾期 {overdue} 项，{DIGEST_DAYS} 天内到期 {soon} 项"
    text = f"【组织发展周报】{counts}：\n" + "\n".join(shown) + more
    return {
        "title": "组织发展周报",
        "text": text,
        "url": f"{settings.public_base_url.rstrip('/')}/admin/admission",
        "description": text,
        "template": {"thing1": "组织发展周报", "thing2": counts, "time3": f"{when:%Y-%m-%d}"},
        "subscribe": {"thing1": "组织发展周报", "time2": f"{when:%Y-%m-%d}", "thing3": counts},
    }


async def send_digest(session: AsyncSession, *, settings: Settings, now: datetime) -> NoticeRun:
    """Mondays: each 支部书记 gets one list of their units' overdue steps and those due within
    two weeks (name, step, due date, days); nothing when there is nothing."""
    report = NoticeRun()
    local = _local(now)
    if local.weekday() != 0 or not _time_reached(settings, now):
        return report
    year, week, _ = local.isocalendar()
    found = [
        (dossier, deadline)
        for dossier, deadline in await _open_deadlines(session, settings, local.date())
        if deadline.days_left <= DIGEST_DAYS
    ]
    for person_id, units in sorted((await _secretary_units(session)).items()):
        mine = [(d, dl) for d, dl in found if d.person.org_unit_id in units]
        if not mine:
            continue
        key = f"admission.digest:{person_id}:{year}-W{week:02d}"
        if await row_service.get_by_key(session, key=key) is not None:
            continue
        mine.sort(key=lambda pair: (pair[1].due, pair[0].person.name))
        lines = [f"{d.person.name}：{dl.title}，{dl.due:%Y-%m-%d}，{dl.describe}" for d, dl in mine]
        overdue = sum(1 for _, dl in mine if dl.overdue)
        created = await notices.notify(
            session,
            key=key,
            kind="admission_digest",
            subject=("admission_digest", person_id),
            message=_digest_message(lines, overdue, len(mine) - overdue, settings, local),
            people=[person_id],
            settings=settings,
            now=now,
        )
        if created is not None:
            report.created.append(created)
    return report


def _report_reminder(quarter: str, ends: date) -> dict[str, Any]:
    label = report_service.quarter_label(quarter)
    text = (
        f"【思想汇报提醒】请在 {china_day(ends)} 前递交{label}思想汇报："
        "在公众号回复「思想汇报」，然后发送全文或手写稿照片。"
    )
    return {
        "title": f"请递交{label}思想汇报",
        "text": text,
        "description": text,
        "template": {
            "thing1": f"{label}思想汇报",
            "thing2": "回复「思想汇报」递交",
            "time3": f"{ends:%Y-%m-%d} 前",
        },
        "subscribe": {
            "thing1": f"{label}思想汇报",
            "time2": f"{ends:%Y-%m-%d}",
            "thing3": "回复「思想汇报」递交",
        },
    }


async def send_report_reminders(
    session: AsyncSession, *, settings: Settings, now: datetime
) -> NoticeRun:
    """In a quarter's last month, everyone who owes this quarter's 思想汇报 is reminded once."""
    report = NoticeRun()
    today = _local(now).date()
    if today.month % 3 != 0 or not _time_reached(settings, now):
        return report
    quarter = deadlines.quarter_of(today)
    for dossier in await dossiers.open_files(session):
        person_id = dossier.person.id
        if person_id is None or not deadlines.reports_due(dossier):
            continue
        if any(r.quarter == quarter for r in dossier.reports):
            continue
        key = f"admission.report:{person_id}:{quarter}"
        if await row_service.get_by_key(session, key=key) is not None:
            continue
        created = await notices.notify(
            session,
            key=key,
            kind="admission_report_reminder",
            subject=(SUBJECT, dossier.id),
            message=_report_reminder(quarter, deadlines.quarter_end(today)),
            people=[person_id],
            settings=settings,
            now=now,
        )
        if created is not None:
            report.created.append(created)
    return report


async def tell_contacts_of_unfinished(
    session: AsyncSession, *, settings: Settings, now: datetime
) -> NoticeRun:
    """Photos sent without 「完成」 (the question expired): the contacts are told all the same,
    once the member can no longer add to the report."""
    report = NoticeRun()
    statement = select(ThoughtReport).where(
        col(ThoughtReport.acknowledged_at).is_(None),
        col(ThoughtReport.submitted_at) >= now - timedelta(days=7),
        col(ThoughtReport.submitted_at) <= now - prompts.PROMPT_TTL,
    )
    for row in (await session.exec(statement)).all():
        key = f"admission.report_in:{row.id}"
        if not row.photo_count or await row_service.get_by_key(session, key=key) is not None:
            continue
        dossier = await dossiers.load(session, file_id=row.file_id)
        if dossier is None:
            continue
        created = await report_service.tell_contacts(
            session, report=row, dossier=dossier, settings=settings, now=now
        )
        if created is not None:
            report.created.append(created)
    return report


async def report_jobs(session: AsyncSession, *, settings: Settings, now: datetime) -> NoticeRun:
    """The quarterly reminders, and the contacts of photo reports left without 「完成」."""
    first = await send_report_reminders(session, settings=settings, now=now)
    second = await tell_contacts_of_unfinished(session, settings=settings, now=now)
    return NoticeRun(created=first.created + second.created, notes=first.notes + second.notes)
