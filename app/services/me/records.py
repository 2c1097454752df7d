"""A member's own view of their records (我的记录): profile, stage history, meetings, activity."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.models import InboundMessage, Person, PoliticalStage, StageTransition
from app.models.people import PersonPublic
from app.models.types import CHINA
from app.services.admission import reports as admission_reports
from app.services.binding import codes as binding_service
from app.services.me import todos as member_todos
from app.services.me.todos import Todo
from app.services.meetings import history as meeting_history
from app.services.meetings.history import HistoryLine
from app.services.meetings.status import Standing
from app.services.people import records as person_records
from app.services.people import roster as people_service


@dataclass(frozen=True, slots=True)
class MemberRecord:
    """What a member may see about themselves (never anyone else, never a ranking)."""

    person: PersonPublic
    transitions: list[StageTransition]
    bound_at: datetime | None
    messages_this_month: int
    todos: list[Todo]
    meetings: list[HistoryLine]  # this year's, open ones first
    # 组织发展: the probation countdown, this quarter's 思想汇报 (for those who hand them in).
    admission: list[str] = field(default_factory=list)
    # This year's suggestions, reflections, volunteer hours and contributions.
    activities: list[str] = field(default_factory=list)

    @property
    def meeting_summary(self) -> str:
        """ "今年会议 12 次：已签到 9，已准假 1，缺席 1，已补学 1"."""
        counts = {standing: 0 for standing in Standing}
        for line in self.meetings:
            counts[line.standing] += 1
        shown = (Standing.PRESENT, Standing.ON_LEAVE, Standing.ABSENT, Standing.MADE_UP)
        parts = [f"{standing.label} {counts[standing]}" for standing in shown if counts[standing]]
        return f"今年会议 {len(self.meetings)} 次" + (f"：{'，'.join(parts)}" if parts else "")


async def member_record(session: AsyncSession, *, person: Person, now: datetime) -> MemberRecord:
    """Collect the member's own record."""
    assert person.id is not None
    follower = await binding_service.follower_of(session, person_id=person.id)
    month_start = now.astimezone(CHINA).replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    messages = 0
    if follower is not None:
        statement = select(func.count()).where(
            InboundMessage.openid == follower.openid, InboundMessage.received_at >= month_start
        )
        messages = int((await session.exec(statement)).one())
    return MemberRecord(
        person=await people_service.public(session, person),
        transitions=await people_service.transitions(session, person_id=person.id),
        bound_at=follower.bound_at if follower else None,
        messages_this_month=messages,
        todos=await member_todos.todos(session, person=person, now=now),
        meetings=await meeting_history.this_year(session, person_id=person.id, now=now),
        admission=await admission_reports.my_lines(session, person=person, now=now),
        activities=await person_records.member_lines(
            session, person_id=person.id, year=now.astimezone(CHINA).year
        ),
    )


# WeChat cuts a passive text reply at 2048 bytes; stay clear of it.
REPLY_LIMIT = 2000


def _bytes(lines: list[str]) -> int:
    return len("\n".join(lines).encode())


def _meeting_lines(record: MemberRecord, budget: int) -> list[str]:
    """The meetings, open ones first, as many as fit in `budget` bytes (then a count)."""
    if not record.meetings:
        return []
    lines = [record.meeting_summary + "。"]
    entries = [
        f"  {line.name}：{line.standing.label}，{line.todo}"
        if line.todo
        else f"  {line.name}：{line.standing.label}"
        for line in record.meetings
    ]
    for shown, entry in enumerate(entries):
        rest = len(entries) - shown
        more = f"  ……另有 {rest} 次，见完整记录"
        if _bytes([*lines, entry, more if rest > 1 else ""]) > budget:
            return [*lines, more]
        lines.append(entry)
    return lines


def as_text(record: MemberRecord, *, page_url: str | None = None) -> str:
    """The record as a chat reply (short: members read it on a phone)."""
    person = record.person
    lines = [f"{person.name} · 工号 {person.employee_no}"]
    if person.org_unit:
        lines.append(person.org_unit)
    since = f"（{person.stage_since:%Y-%m-%d} 起）" if person.stage_since else ""
    lines.append(f"政治面貌：{person.stage_label}{since}")
    if person.stage is PoliticalStage.PROBATIONARY and person.probation_ends_on:
        lines.append(f"预备期满：{person.probation_ends_on:%Y-%m-%d}")
    lines += record.admission
    if record.transitions:
        lines.append("历程：")
        for step in record.transitions[-5:]:
            lines.append(f"  {step.occurred_on:%Y-%m-%d} {PoliticalStage(step.to_stage).label}")
    tail: list[str] = []
    left = [todo.text for todo in record.todos if not todo.done]
    if left:
        tail.append("待办：")
        tail += [f"  {text}" for text in left]
    tail += record.activities
    tail.append(f"本月与公众号互动 {record.messages_this_month} 次。")
    if page_url:
        tail.append(f'<a href="{page_url}">查看完整记录</a>')
    budget = REPLY_LIMIT - _bytes(lines) - _bytes(tail) - 2
    return "\n".join(lines + _meeting_lines(record, budget) + tail)
