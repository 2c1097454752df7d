"""The branch's verdict per person, recorded once after the round closed; the export."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, update
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from app.models import (
    AppraisalParticipant,
    AppraisalRating,
    AppraisalRound,
    AppraisalStatus,
    Person,
)
from app.services import audit, spreadsheets
from app.services.appraisal import rounds, voting

MAX_NOTE = 500
RATINGS = tuple(AppraisalRating)


class VerdictRefused(ValueError):
    """A verdict cannot be recorded (the message is for the secretary)."""


async def record(
    session: AsyncSession,
    *,
    appraisal: AppraisalRound,
    participant: AppraisalParticipant,
    verdict: str,
    note: str,
    actor: audit.Actor,
    now: datetime,
) -> AppraisalParticipant:
    """Record the verdict once (of two at once, the first stands); 不合格 needs its handling."""
    if appraisal.status != AppraisalStatus.CLOSED.value:
        raise VerdictRefused("互评结束后才能评定。")
    if verdict not in {r.value for r in AppraisalRating}:
        raise VerdictRefused("请选择评定等次。")
    written = note.strip()
    if verdict == AppraisalRating.UNQUALIFIED.value and not written:
        raise VerdictRefused("评定为不合格的，须注明处置意见（如限期改正、劝其退党、除名）。")
    if len(written) > MAX_NOTE:
        raise VerdictRefused(f"说明最多 {MAX_NOTE} 字。")
    claimed = await session.exec(
        update(AppraisalParticipant)
        .where(
            and_(
                col(AppraisalParticipant.id) == participant.id,
                col(AppraisalParticipant.verdict).is_(None),
            )
        )
        .values(
            verdict=verdict, verdict_note=written or None, verdict_by=actor.name, verdict_at=now
        )
    )
    await session.refresh(participant)
    if not claimed.rowcount:
        raise VerdictRefused(f"已由 {participant.verdict_by} 评定，不能重复评定。")
    await audit.record(
        session,
        actor=actor,
        action="appraisal.verdict",
        target_type="appraisal_participant",
        target_id=participant.id,
        summary=f"{appraisal.year} 年度民主评议：评定为{AppraisalRating(verdict).label}",
        after={"verdict": verdict, "note": written or None},
    )
    return participant


def _row(
    person: Person, place: AppraisalParticipant, counts: dict[str, int] | None
) -> list[object]:
    """One person's line of the export."""
    tallies = [(counts or {}).get(r.value, 0) if counts is not None else "" for r in RATINGS]
    verdict = AppraisalRating(place.verdict).label if place.verdict else ""
    return [
        person.employee_no,
        person.name,
        "参加" if place.votes else "不参加（预备党员）",
        "已提交" if place.self_text else "未提交",
        *tallies,
        verdict,
        place.verdict_note or "",
    ]


async def export(session: AsyncSession, *, appraisal: AppraisalRound, actor: audit.Actor) -> bytes:
    """The round as .xlsx, one line per person (tallies only once closed), audited."""
    assert appraisal.id is not None
    closed = appraisal.status == AppraisalStatus.CLOSED.value
    counts = await voting.tallies(session, round_id=appraisal.id) if closed else {}
    rows = []
    for place in await rounds.participants(session, round_id=appraisal.id):
        person = await session.get(Person, place.person_id)
        if person is not None:
            rows.append(_row(person, place, counts.get(place.person_id, {}) if closed else None))
    await audit.record(
        session,
        actor=actor,
        action="appraisal.export",
        target_type="appraisal_round",
        target_id=appraisal.id,
        summary=f"导出 {appraisal.year} 年度民主评议",
    )
    header = [
        "工号",
        "姓名",
        "互评投票",
        "个人自评",
        *(r.label for r in RATINGS),
        "支部评定",
        "说明",
    ]
    return await spreadsheets.off_loop(
        spreadsheets.write_sheet, f"{appraisal.year}年度民主评议", header, rows
    )
