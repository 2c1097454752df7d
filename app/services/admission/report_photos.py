"""Our copies of the photos of handwritten thought reports (WeChat keeps them 3 days)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.models import ThoughtReport, ThoughtReportPhoto

# WeChat's temporary media (what a member sends in the chat) expire after three days.
KEPT_BY_WECHAT = timedelta(days=3)
MAX_ATTEMPTS = 5  # transient failures; a permanent one (expired, unknown) stops at once


@dataclass(frozen=True)
class Wanted:
    """A photo still to fetch: the report and WeChat's media id."""

    report_id: int
    media_id: str


async def _stored(
    session: AsyncSession, report_ids: list[int]
) -> dict[tuple[int, str], ThoughtReportPhoto]:
    if not report_ids:
        return {}
    statement = select(ThoughtReportPhoto).where(col(ThoughtReportPhoto.report_id).in_(report_ids))
    return {(p.report_id, p.media_id): p for p in (await session.exec(statement)).all()}


async def wanted(session: AsyncSession, *, now: datetime) -> list[Wanted]:
    """The photos of recent reports that are not kept yet and may still be fetched."""
    statement = select(ThoughtReport).where(ThoughtReport.submitted_at > now - KEPT_BY_WECHAT)
    reports = [r for r in (await session.exec(statement)).all() if r.photos and r.id is not None]
    stored = await _stored(session, [r.id for r in reports if r.id is not None])
    found = []
    for report in reports:
        assert report.id is not None
        for photo in report.photos:
            media_id = str(photo.get("media_id") or "")
            kept = stored.get((report.id, media_id))
            if not media_id or (
                kept is not None
                and (kept.content is not None or kept.failure or kept.attempts >= MAX_ATTEMPTS)
            ):
                continue
            found.append(Wanted(report.id, media_id))
    return found


async def _row(session: AsyncSession, wanted: Wanted) -> ThoughtReportPhoto:
    statement = select(ThoughtReportPhoto).where(
        ThoughtReportPhoto.report_id == wanted.report_id,
        ThoughtReportPhoto.media_id == wanted.media_id,
    )
    row = (await session.exec(statement)).first()
    return row or ThoughtReportPhoto(report_id=wanted.report_id, media_id=wanted.media_id)


async def keep(
    session: AsyncSession, *, wanted: Wanted, content: bytes, content_type: str, now: datetime
) -> None:
    """Store the fetched photo."""
    row = await _row(session, wanted)
    row.content, row.content_type, row.fetched_at = content, content_type, now
    row.attempts += 1
    session.add(row)
    await session.flush()


async def missed(
    session: AsyncSession, *, wanted: Wanted, reason: str | None, permanent: bool
) -> None:
    """Count a failed fetch; a permanent failure (WeChat no longer has it) ends the attempts."""
    row = await _row(session, wanted)
    row.attempts += 1
    if permanent:
        row.failure = (reason or "微信已不再提供该照片")[:200]
    session.add(row)
    await session.flush()


async def photo(
    session: AsyncSession, *, report: ThoughtReport, number: int
) -> tuple[ThoughtReportPhoto | None, dict[str, object] | None]:
    """The report's photo `number` (1-based): our copy if kept, and WeChat's reference."""
    if not 1 <= number <= len(report.photos):
        return None, None
    reference = report.photos[number - 1]
    wanted = Wanted(report.id or 0, str(reference.get("media_id") or ""))
    stored = (await _stored(session, [wanted.report_id])).get((wanted.report_id, wanted.media_id))
    return (stored if stored is not None and stored.content is not None else None), reference
