"""Appraisal rounds: set one up, open it (participants fixed, each told once), read them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.config import Settings
from app.models import (
    AppraisalParticipant,
    AppraisalRound,
    AppraisalStatus,
    AppraisalVoter,
    Person,
    PersonStatus,
    PoliticalStage,
)
from app.models.types import CHINA
from app.services import audit
from app.services.broadcasts import notices
from app.services.people import org_units

SUBJECT = "appraisal_round"  # the broadcasts' subject: the push's link names its recipient
PAGE = "appraisal"  # the member page's name in signed links
# 正式党员 vote; 预备党员 write a self-assessment and are rated, but do not vote (党章 第七条:
# 预备党员没有表决权).
STAGES = (PoliticalStage.FULL.value, PoliticalStage.PROBATIONARY.value)


class RoundError(ValueError):
    """A round cannot be set up or opened as asked (the message is for the user)."""


@dataclass(frozen=True)
class Windows:
    """The self-assessment window and the voting window."""

    self_opens_at: datetime
    self_closes_at: datetime
    vote_opens_at: datetime
    vote_closes_at: datetime


def check_windows(windows: Windows) -> None:
    """Each window ends after it opens; voting does not open before self-assessment does."""
    if windows.self_closes_at <= windows.self_opens_at:
        raise RoundError("自评截止时间须晚于自评开始时间。")
    if windows.vote_closes_at <= windows.vote_opens_at:
        raise RoundError("互评截止时间须晚于互评开始时间。")
    if windows.vote_opens_at < windows.self_opens_at:
        raise RoundError("互评开始时间不能早于自评开始时间。")


async def create(
    session: AsyncSession,
    *,
    year: int,
    unit_id: int,
    windows: Windows,
    actor: audit.Actor,
    now: datetime,
) -> AppraisalRound:
    """A new round, not yet open (audited)."""
    if not 2000 <= year <= 2100:
        raise RoundError("请填写正确的年度。")
    check_windows(windows)
    appraisal = AppraisalRound(
        year=year,
        unit_id=unit_id,
        self_opens_at=windows.self_opens_at,
        self_closes_at=windows.self_closes_at,
        vote_opens_at=windows.vote_opens_at,
        vote_closes_at=windows.vote_closes_at,
        created_by=actor.name,
        created_at=now,
    )
    session.add(appraisal)
    await session.flush()
    await audit.record(
        session,
        actor=actor,
        action="appraisal.create",
        target_type="appraisal_round",
        target_id=appraisal.id,
        summary=f"{year} 年度民主评议党员",
    )
    return appraisal


async def eligible(session: AsyncSession, *, unit_id: int) -> list[Person]:
    """Active 正式党员 and 预备党员 of the unit's subtree, by employee number."""
    units = await org_units.subtree_ids(session, root_id=unit_id)
    statement = (
        select(Person)
        .where(
            col(Person.org_unit_id).in_(units),
            Person.status == PersonStatus.ACTIVE.value,
            col(Person.stage).in_(STAGES),
        )
        .order_by(col(Person.employee_no))
    )
    return list((await session.exec(statement)).all())


async def open_round(
    session: AsyncSession,
    *,
    appraisal: AppraisalRound,
    settings: Settings | None,
    actor: audit.Actor,
    now: datetime,
) -> list[AppraisalParticipant]:
    """Open a draft round once (two clicks at once open it once): fix and tell the participants.

    Without settings nobody is told (the demo: no pushes when it starts)."""
    assert appraisal.id is not None
    people = await eligible(session, unit_id=appraisal.unit_id)
    if not people:
        raise RoundError("该组织内没有正式党员或预备党员，无法开启。")
    opened = await session.exec(
        update(AppraisalRound)
        .where(
            col(AppraisalRound.id) == appraisal.id,
            col(AppraisalRound.status) == AppraisalStatus.DRAFT.value,
        )
        .values(status=AppraisalStatus.OPEN.value, opened_at=now)
    )
    if opened.rowcount != 1:
        raise RoundError("本轮民主评议已经开启。")
    participants = [
        AppraisalParticipant(
            round_id=appraisal.id,
            person_id=p.id,
            votes=p.stage == PoliticalStage.FULL.value,
        )
        for p in people
        if p.id is not None
    ]
    session.add_all(participants)
    await session.flush()
    await session.refresh(appraisal)
    await audit.record(
        session,
        actor=actor,
        action="appraisal.open",
        target_type="appraisal_round",
        target_id=appraisal.id,
        summary=f"开启 {appraisal.year} 年度民主评议，{len(participants)} 人参加",
    )
    if settings is not None:
        await announce_round(session, appraisal=appraisal, settings=settings, now=now)
    return participants


def window_label(start: datetime, end: datetime) -> str:
    """「12月8日 09:00 至 12月15日 18:00」 in China time."""
    a, b = start.astimezone(CHINA), end.astimezone(CHINA)
    return f"{a.month}月{a.day}日 {a:%H:%M} 至 {b.month}月{b.day}日 {b:%H:%M}"


async def announce_round(
    session: AsyncSession, *, appraisal: AppraisalRound, settings: Settings, now: datetime
) -> None:
    """Each participant is told once (the key): the windows and the link to their page."""
    assert appraisal.id is not None
    people = [p.person_id for p in await participants(session, round_id=appraisal.id)]
    text = (
        f"{appraisal.year} 年度民主评议党员开始。个人自评："
        f"{window_label(appraisal.self_opens_at, appraisal.self_closes_at)}；"
        f"党员互评：{window_label(appraisal.vote_opens_at, appraisal.vote_closes_at)}。"
        "互评为无记名评议，点击进入。"
    )
    message = notices.message(
        f"{appraisal.year} 年度民主评议党员",
        text,
        thing="个人自评与党员互评",
        when=appraisal.self_opens_at,
        url=f"{settings.public_base_url.rstrip('/')}/m/{PAGE}/{appraisal.id}",
    )
    await notices.notify(
        session,
        key=f"appraisal.open:{appraisal.id}",
        kind="appraisal_open",
        subject=(SUBJECT, appraisal.id),
        message=message,
        people=people,
        settings=settings,
        now=now,
        created_by=appraisal.created_by or "console",
    )


async def get(session: AsyncSession, *, round_id: int) -> AppraisalRound | None:
    """One round."""
    return await session.get(AppraisalRound, round_id)


async def listed(session: AsyncSession, *, unit_ids: frozenset[int] | None) -> list[AppraisalRound]:
    """Rounds of the given units (None: all), newest first."""
    statement = select(AppraisalRound).order_by(
        col(AppraisalRound.year).desc(), col(AppraisalRound.id).desc()
    )
    if unit_ids is not None:
        statement = statement.where(col(AppraisalRound.unit_id).in_(unit_ids))
    return list((await session.exec(statement)).all())


async def participants(session: AsyncSession, *, round_id: int) -> list[AppraisalParticipant]:
    """The round's participants, in a fixed order (by id: the snapshot's employee-number order)."""
    statement = (
        select(AppraisalParticipant)
        .where(AppraisalParticipant.round_id == round_id)
        .order_by(col(AppraisalParticipant.id))
    )
    return list((await session.exec(statement)).all())


async def participant(
    session: AsyncSession, *, round_id: int, person_id: int
) -> AppraisalParticipant | None:
    """The person's place in the round, if they have one."""
    statement = select(AppraisalParticipant).where(
        AppraisalParticipant.round_id == round_id, AppraisalParticipant.person_id == person_id
    )
    return (await session.exec(statement)).first()


async def voted(session: AsyncSession, *, round_id: int, person_id: int) -> bool:
    """Whether the person has voted in the round."""
    statement = select(AppraisalVoter.id).where(
        AppraisalVoter.round_id == round_id, AppraisalVoter.person_id == person_id
    )
    return (await session.exec(statement)).first() is not None


async def voter_count(session: AsyncSession, *, round_id: int) -> int:
    """How many have voted."""
    statement = select(AppraisalVoter.id).where(AppraisalVoter.round_id == round_id)
    return len((await session.exec(statement)).all())


async def open_for(session: AsyncSession, *, person_id: int) -> list[AppraisalRound]:
    """Open rounds the person takes part in, newest first."""
    statement = (
        select(AppraisalRound)
        .join(AppraisalParticipant, col(AppraisalParticipant.round_id) == AppraisalRound.id)
        .where(
            AppraisalParticipant.person_id == person_id,
            AppraisalRound.status == AppraisalStatus.OPEN.value,
        )
        .order_by(col(AppraisalRound.id).desc())
    )
    return list((await session.exec(statement)).all())
