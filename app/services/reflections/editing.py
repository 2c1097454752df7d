"""The editorial queue: reflections of a topic (filtered, scoped), 选用 or set aside, edited with
the author's original kept, and the topic's .xlsx."""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, func, or_, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.db import execute
from app.models import IssueStatus, NewsletterIssue, Person, Reflection, ReflectionStatus
from app.models.types import CHINA
from app.services import attachments, audit, spreadsheets
from app.services.people import org_units
from app.services.reflections.writing import OWNER_KIND, ReflectionRefused, checked_text

SUBJECT = "reflection"
INSERTED = "已编入刊物，不能再更改；如需修改，请直接编辑该期刊物。"


@dataclass(frozen=True)
class Entry:
    """A reflection with its author, the author's unit, its photos and its issue."""

    reflection: Reflection
    person: Person
    unit: str
    photos: int = 0
    issue: NewsletterIssue | None = None

    @property
    def published(self) -> bool:
        """Whether the issue it went into has been sent."""
        return self.issue is not None and self.issue.status == IssueStatus.SENT.value

    @property
    def state(self) -> str:
        """Where it stands, in Chinese."""
        if self.published:
            return "已刊用"
        if self.issue is not None:
            return "已编入刊物草稿"
        return ReflectionStatus(self.reflection.status).label


async def _filtered(
    session: AsyncSession,
    *,
    topic_id: int,
    unit_ids: frozenset[int] | None,
    status: ReflectionStatus | None,
    unit_id: int | None,
    text: str,
    reflection_ids: list[int] | None,
    not_inserted: bool,
) -> Any:
    """The conditions of the queue's filters, on Reflection joined to its author."""
    conditions: list[Any] = [Reflection.topic_id == topic_id]
    if unit_ids is not None:
        conditions.append(col(Person.org_unit_id).in_(unit_ids))
    if status is not None:
        conditions.append(Reflection.status == status.value)
    if unit_id is not None:
        within = await org_units.subtree_ids(session, root_id=unit_id)
        conditions.append(col(Person.org_unit_id).in_(within))
    if text.strip():
        like = f"%{text.strip()}%"
        conditions.append(
            or_(
                col(Reflection.text).like(like),
                col(Reflection.edited_text).like(like),
                col(Person.name).like(like),
            )
        )
    if reflection_ids is not None:
        conditions.append(col(Reflection.id).in_(reflection_ids))
    if not_inserted:
        conditions.append(col(Reflection.issue_id).is_(None))
    return and_(*conditions)


async def entries(
    session: AsyncSession,
    *,
    topic_id: int,
    unit_ids: frozenset[int] | None,
    status: ReflectionStatus | None = None,
    unit_id: int | None = None,
    text: str = "",
    reflection_ids: list[int] | None = None,
    offset: int = 0,
    limit: int | None = None,
) -> list[Entry]:
    """The topic's reflections the user may see (their units' authors), oldest first."""
    where = await _filtered(
        session, topic_id=topic_id, unit_ids=unit_ids, status=status, unit_id=unit_id,
        text=text, reflection_ids=reflection_ids, not_inserted=False,
    )  # fmt: skip
    statement = (
        select(Reflection, Person)
        .join(Person, col(Person.id) == Reflection.person_id)
        .where(where)
        .order_by(col(Reflection.created_at), col(Reflection.id))
        .offset(offset)
        .limit(limit)
    )
    rows = list((await session.exec(statement)).all())
    return await _entries(session, rows)


async def count(
    session: AsyncSession,
    *,
    topic_id: int,
    unit_ids: frozenset[int] | None,
    status: ReflectionStatus | None = None,
    unit_id: int | None = None,
    text: str = "",
    not_inserted: bool = False,
) -> int:
    """How many of the topic's reflections the filters leave (for the pages and the waiting)."""
    where = await _filtered(
        session, topic_id=topic_id, unit_ids=unit_ids, status=status, unit_id=unit_id,
        text=text, reflection_ids=None, not_inserted=not_inserted,
    )  # fmt: skip
    author = col(Person.id) == Reflection.person_id
    statement = select(func.count()).select_from(Reflection).join(Person, author).where(where)
    return int((await session.exec(statement)).one())


async def _entries(session: AsyncSession, rows: list[tuple[Reflection, Person]]) -> list[Entry]:
    names = await org_units.path_names(session)
    ids = [r.id for r, _ in rows if r.id is not None]
    photos = await attachments.of(session, owner_kind=OWNER_KIND, owner_ids=ids)
    issue_ids = {r.issue_id for r, _ in rows if r.issue_id is not None}
    issues: dict[int, NewsletterIssue] = {}
    if issue_ids:
        found = await session.exec(
            select(NewsletterIssue).where(col(NewsletterIssue.id).in_(issue_ids))
        )
        issues = {i.id: i for i in found.all() if i.id is not None}
    return [
        Entry(
            reflection=r,
            person=p,
            unit=names.get(p.org_unit_id or 0, "未分配组织"),
            photos=len(photos.get(r.id or 0, [])),
            issue=issues.get(r.issue_id) if r.issue_id is not None else None,
        )
        for r, p in rows
    ]


async def entry(
    session: AsyncSession, *, reflection_id: int, unit_ids: frozenset[int] | None
) -> Entry | None:
    """One reflection, if its author is within the user's units (None alike for missing)."""
    statement = (
        select(Reflection, Person)
        .join(Person, col(Person.id) == Reflection.person_id)
        .where(Reflection.id == reflection_id)
    )
    row = (await session.exec(statement)).first()
    if row is None or (unit_ids is not None and row[1].org_unit_id not in unit_ids):
        return None
    [found] = await _entries(session, [row])
    return found


async def decide(
    session: AsyncSession,
    *,
    reflection: Reflection,
    status: ReflectionStatus,
    actor: audit.Actor,
    now: datetime,
) -> bool:
    """选用 or set aside (or back to 待编选); refused once it is in an issue. Whether it changed."""
    assert reflection.id is not None
    statement = (
        update(Reflection)
        .where(
            and_(
                col(Reflection.id) == reflection.id,
                col(Reflection.issue_id).is_(None),
                col(Reflection.status) != status.value,
            )
        )
        .values(status=status.value, decided_by=actor.name, decided_at=now)
    )
    changed = (await execute(session, statement)).rowcount == 1
    await session.refresh(reflection)
    if not changed:
        if reflection.issue_id is not None:
            raise ReflectionRefused(INSERTED)
        return False
    await audit.record(
        session, actor=actor, action="reflections.decide", target_type=SUBJECT,
        target_id=reflection.id, summary=status.label,
    )  # fmt: skip
    return True


async def edit(
    session: AsyncSession, *, reflection: Reflection, text: str, actor: audit.Actor, now: datetime
) -> None:
    """The editor's text for the newsletter; the author's original stays as written."""
    if reflection.issue_id is not None:
        raise ReflectionRefused(INSERTED)
    cleaned = checked_text(text)
    before = reflection.final_text
    reflection.edited_text = None if cleaned == reflection.text else cleaned
    reflection.edited_by, reflection.edited_at = actor.name, now
    session.add(reflection)
    await session.flush()
    await audit.record(
        session, actor=actor, action="reflections.edit", target_type=SUBJECT,
        target_id=reflection.id, before={"text": before}, after={"text": reflection.final_text},
    )  # fmt: skip


def differences(original: str, edited: str) -> list[tuple[str, str]]:
    """The edit as runs of ("same" | "removed" | "added", text), character by character."""
    runs: list[tuple[str, str]] = []
    matcher = difflib.SequenceMatcher(None, original, edited, autojunk=False)
    for tag, a1, a2, b1, b2 in matcher.get_opcodes():
        if tag == "equal":
            runs.append(("same", original[a1:a2]))
            continue
        if a2 > a1:
            runs.append(("removed", original[a1:a2]))
        if b2 > b1:
            runs.append(("added", edited[b1:b2]))
    return runs


HEADER = ("序号", "姓名", "所在组织", "提交时间", "状态", "原文", "编辑后", "照片", "编入刊物")


def _rows(found: list[Entry]) -> bytes:
    body = [
        (
            number,
            e.person.name,
            e.unit,
            f"{e.reflection.created_at.astimezone(CHINA):%Y-%m-%d %H:%M}",
            e.state,
            e.reflection.text,
            e.reflection.edited_text or "",
            e.photos,
            e.issue.title if e.issue is not None else "",
        )
        for number, e in enumerate(found, start=1)
    ]
    widths = (6, 10, 20, 17, 12, 60, 60, 6, 24)
    return spreadsheets.write_sheet("微感悟", HEADER, body, widths=widths, wrap=(5, 6))


async def export(found: list[Entry]) -> bytes:
    """The topic's reflections as an .xlsx (built in a worker thread)."""
    return await spreadsheets.off_loop(_rows, found)
