"""Objections to a 公示: raised while it runs (named or anonymous), read and checked."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import and_, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.models import NoticeObjection, ObjectionOutcome, PublicNotice
from app.services import audit
from app.services.admission.notice_word import cn_date
from app.services.admission.steps import StepRefused

MAX_OBJECTION = 2000
MAX_NAME, MAX_CONTACT = 50, 100
# Who an anonymous objection is recorded as in the audit trail: nobody, from nowhere.
ANONYMOUS = audit.Actor(id=None, name="匿名意见")


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
