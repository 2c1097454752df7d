"""廉政谈话 records: record and edit them, and read them for display (every read audited)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession
from sqlmodel.sql.expression import Select

from app.models import AuditLog, IntegrityTalk, Person, TalkCategory
from app.models.types import CHINA, label_of
from app.services import audit

TARGET = "integrity_talk"
SUMMARY_MAX = 5000
HELD_BY_MAX = 100  # the column's length
EARLIEST_YEAR = 2000  # an older date is a typo in the year


class TalkInvalid(ValueError):
    """A talk the service refuses: the Chinese message of each bad field, by field name."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("；".join(errors.values()))
        self.errors = errors


@dataclass(frozen=True, slots=True)
class TalkDraft:
    """What an admin fills in for a talk (the form has parsed the id and the date already)."""

    person_id: int | None
    category: str
    held_on: date | None
    held_by: str
    summary: str


@dataclass(frozen=True, slots=True)
class TalkFilter:
    """What the list and the export are narrowed to (None: any)."""

    person_id: int | None = None
    category: TalkCategory | None = None
    year: int | None = None


@dataclass(frozen=True, slots=True)
class TalkRow:
    """A talk with the person it was with."""

    talk: IntegrityTalk
    person: Person

    @property
    def category_label(self) -> str:
        """The post category in Chinese (an unknown stored value as it is)."""
        return category_label(self.talk.category)


@dataclass(frozen=True, slots=True)
class TalkListing:
    """The list page's talks and what its filters offer."""

    rows: list[TalkRow]
    people: list[tuple[int, str]]  # everyone with a talk on record
    years: list[int]  # newest first


def category_label(value: str) -> str:
    """A TalkCategory value in Chinese."""
    return label_of(TalkCategory, value)


def person_label(person: Person) -> str:
    """ "张三（S001）": how the records and the audit trail name someone."""
    return f"{person.name}（{person.employee_no}）"


def _text(value: str, *, what: str, limit: int) -> tuple[str, str | None]:
    """The stripped text (line ends as \\n) and the reason it is refused, if it is."""
    text = value.replace("\r\n", "\n").replace("\r", "\n").strip()
    if not text:
        return text, f"请填写{what}。"
    if "\x00" in text:
        return text, f"{what}中含有无法保存的空字符，请删除后重试。"
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return text, f"{what}中含有无效字符，请删除后重试。"
    if len(text) > limit:
        return text, f"{what}最多 {limit} 个字（现有 {len(text)} 个）。"
    return text, None


async def _checked(
    session: AsyncSession, draft: TalkDraft, now: datetime
) -> tuple[dict[str, str], dict[str, Any]]:
    """The problems by field, and the values to store when there are none."""
    errors: dict[str, str] = {}
    values: dict[str, Any] = {}
    person = None if draft.person_id is None else await session.get(Person, draft.person_id)
    if draft.person_id is None:
        errors["person_id"] = "请选择谈话对象。"
    elif person is None:
        errors["person_id"] = "没有找到这个人员，请从列表中选择谈话对象。"
    values["person"] = person
    try:
        values["category"] = TalkCategory(draft.category)
    except ValueError:
        errors["category"] = "请从列表中选择岗位类别。"
    today = now.astimezone(CHINA).date()  # what admins call "today" is China's
    if draft.held_on is None:
        errors["held_on"] = "请填写谈话日期。"
    elif draft.held_on > today:
        errors["held_on"] = f"谈话日期不能晚于今天（{today.isoformat()}）。"
    elif draft.held_on.year < EARLIEST_YEAR:
        errors["held_on"] = "谈话日期过早，请检查年份。"
    values["held_on"] = draft.held_on
    values["held_by"], problem = _text(draft.held_by, what="谈话人", limit=HELD_BY_MAX)
    if problem:
        errors["held_by"] = problem
    values["summary"], problem = _text(draft.summary, what="谈话内容摘要", limit=SUMMARY_MAX)
    if problem:
        errors["summary"] = problem
    return errors, values


async def problems(session: AsyncSession, *, draft: TalkDraft, now: datetime) -> dict[str, str]:
    """What is wrong with a draft, by field (empty: it can be stored)."""
    errors, _ = await _checked(session, draft, now)
    return errors


def _snapshot(talk: IntegrityTalk) -> dict[str, Any] | None:
    """The talk as the audit trail keeps it."""
    # The summary never goes into the audit trail: who, when and which record is enough.
    shot = audit.snapshot(talk)
    if shot is not None:
        shot.pop("summary", None)
    return shot


def _describe(talk: IntegrityTalk, person: Person) -> str:
    """ "张三（S001） · 财务 · 2026-03-05": which talk an audit entry is about."""
    return f"{person_label(person)} · {category_label(talk.category)} · {talk.held_on.isoformat()}"


async def record_talk(
    session: AsyncSession, *, draft: TalkDraft, actor: audit.Actor, now: datetime
) -> IntegrityTalk:
    """Store a new talk (TalkInvalid with every problem when the draft is not right)."""
    errors, values = await _checked(session, draft, now)
    if errors:
        raise TalkInvalid(errors)
    person: Person = values["person"]
    assert person.id is not None
    talk = IntegrityTalk(
        person_id=person.id,
        category=values["category"].value,
        held_on=values["held_on"],
        held_by=values["held_by"],
        summary=values["summary"],
        created_by=actor.name,
        created_at=now,
        updated_at=now,
    )
    session.add(talk)
    await session.flush()
    await audit.record(
        session,
        actor=actor,
        action="talk.create",
        target_type=TARGET,
        target_id=talk.id,
        summary=_describe(talk, person),
        after=_snapshot(talk),
    )
    return talk


async def update_talk(
    session: AsyncSession, *, talk_id: int, draft: TalkDraft, actor: audit.Actor, now: datetime
) -> IntegrityTalk | None:
    """Change a talk (None when there is no such talk; TalkInvalid when the draft is wrong)."""
    # Loaded here, not passed in: a record reaches a page only through the audited readers.
    talk = await session.get(IntegrityTalk, talk_id)
    if talk is None:
        return None
    errors, values = await _checked(session, draft, now)
    if errors:
        raise TalkInvalid(errors)
    person: Person = values["person"]
    assert person.id is not None
    before = _snapshot(talk)
    summary_changed = talk.summary != values["summary"]
    talk.person_id = person.id
    talk.category = values["category"].value
    talk.held_on = values["held_on"]
    talk.held_by = values["held_by"]
    talk.summary = values["summary"]
    talk.updated_at = now
    session.add(talk)
    await session.flush()
    await audit.record(
        session,
        actor=actor,
        action="talk.update",
        target_type=TARGET,
        target_id=talk.id,
        summary=_describe(talk, person) + ("（谈话内容摘要有修改）" if summary_changed else ""),
        before=before,
        after=_snapshot(talk),
    )
    return talk


def _talks(talk_filter: TalkFilter) -> Select[IntegrityTalk, Person]:
    """The query for the talks matching the filter (with their people), newest first."""
    statement = select(IntegrityTalk, Person).join(
        Person, col(Person.id) == col(IntegrityTalk.person_id)
    )
    if talk_filter.person_id is not None:
        statement = statement.where(IntegrityTalk.person_id == talk_filter.person_id)
    if talk_filter.category is not None:
        statement = statement.where(IntegrityTalk.category == talk_filter.category.value)
    if talk_filter.year is not None:
        # A date range, not EXTRACT(year): the same on SQLite and PostgreSQL, and indexable.
        statement = statement.where(
            col(IntegrityTalk.held_on) >= date(talk_filter.year, 1, 1),
            col(IntegrityTalk.held_on) <= date(talk_filter.year, 12, 31),
        )
    return statement.order_by(col(IntegrityTalk.held_on).desc(), col(IntegrityTalk.id).desc())


async def matching(session: AsyncSession, talk_filter: TalkFilter) -> list[TalkRow]:
    """The talks matching the filter, newest first."""
    found = (await session.exec(_talks(talk_filter))).all()
    return [TalkRow(talk, person) for talk, person in found]


async def describe_filter(session: AsyncSession, talk_filter: TalkFilter) -> str:
    """ "谈话对象：张三（S001）；岗位类别：财务；年份：2026", or "全部"."""
    parts: list[str] = []
    if talk_filter.person_id is not None:
        person = await session.get(Person, talk_filter.person_id)
        who = person_label(person) if person is not None else f"人员 #{talk_filter.person_id}"
        parts.append(f"谈话对象：{who}")
    if talk_filter.category is not None:
        parts.append(f"岗位类别：{talk_filter.category.label}")
    if talk_filter.year is not None:
        parts.append(f"年份：{talk_filter.year}")
    return "；".join(parts) or "全部"


async def _people_with_talks(session: AsyncSession) -> list[tuple[int, str]]:
    """Everyone with a talk on record, by employee number (the list's person filter)."""
    statement = (
        select(Person)
        .where(col(Person.id).in_(select(IntegrityTalk.person_id)))
        .order_by(col(Person.employee_no))
    )
    people = (await session.exec(statement)).all()
    return [(p.id, person_label(p)) for p in people if p.id is not None]


async def _years(session: AsyncSession) -> list[int]:
    """The years from the latest talk back to the first (the list's year filter)."""
    statement = select(func.min(IntegrityTalk.held_on), func.max(IntegrityTalk.held_on))
    first, last = (await session.exec(statement)).one()
    if first is None or last is None:
        return []
    return list(range(last.year, first.year - 1, -1))


async def list_talks(
    session: AsyncSession, *, talk_filter: TalkFilter, actor: audit.Actor
) -> TalkListing:
    """The talks matching the filter, newest first, for display (audited as talk.list)."""
    rows = await matching(session, talk_filter)
    await audit.record(
        session,
        actor=actor,
        action="talk.list",
        target_type=TARGET,
        summary=f"{await describe_filter(session, talk_filter)}（共 {len(rows)} 条）",
    )
    return TalkListing(rows, await _people_with_talks(session), await _years(session))


async def get_talk(
    session: AsyncSession, *, talk_id: int, actor: audit.Actor, for_edit: bool = False
) -> TalkRow | None:
    """One talk for display (the record page, the edit form), audited as talk.view."""
    found = (
        await session.exec(
            select(IntegrityTalk, Person)
            .join(Person, col(Person.id) == col(IntegrityTalk.person_id))
            .where(IntegrityTalk.id == talk_id)
        )
    ).first()
    if found is None:
        return None
    row = TalkRow(*found)
    await audit.record(
        session,
        actor=actor,
        action="talk.view",
        target_type=TARGET,
        target_id=talk_id,
        summary=_describe(row.talk, row.person) + ("（打开编辑）" if for_edit else ""),
    )
    return row


async def exists(session: AsyncSession, *, talk_id: int) -> bool:
    """Whether there is a talk with this id (nothing of it is read, so nothing is audited)."""
    found = await session.exec(select(IntegrityTalk.id).where(IntegrityTalk.id == talk_id))
    return found.first() is not None


async def access_log(session: AsyncSession, *, talk_id: int, limit: int = 10) -> list[AuditLog]:
    """Who viewed or changed this talk lately, newest first (from the audit trail)."""
    return await audit.recent(
        session, limit=limit, action_prefix="talk.", target_type=TARGET, target_id=str(talk_id)
    )
