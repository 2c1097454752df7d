"""A member's own view of their records (我的记录): profile, stage history, activity."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.models import InboundMessage, Person, PoliticalStage, StageTransition
from app.models.people import PersonPublic
from app.models.types import CHINA
from app.services.binding import codes as binding_service
from app.services.me import todos as member_todos
from app.services.me.todos import Todo
from app.services.people import roster as people_service


@dataclass(frozen=True, slots=True)
class MemberRecord:
    """What a member may see about themselves (never anyone else, never a ranking)."""

    person: PersonPublic
    transitions: list[StageTransition]
    bound_at: datetime | None
    messages_this_month: int
    todos: list[Todo]


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
    )


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
    if record.transitions:
        lines.append("历程：")
        for step in record.transitions[-5:]:
            lines.append(f"  {step.occurred_on:%Y-%m-%d} {PoliticalStage(step.to_stage).label}")
    lines.append(f"本月与公众号互动 {record.messages_this_month} 次。")
    left = [todo.text for todo in record.todos if not todo.done]
    if left:
        lines.append("待办：")
        lines += [f"  {text}" for text in left]
    if page_url:
        lines.append(f'<a href="{page_url}">查看完整记录</a>')
    return "\n".join(lines)
