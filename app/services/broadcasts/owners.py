"""Whose a broadcast is: the unit of what it sends, or the whole organisation."""

from __future__ import annotations

from sqlmodel.ext.asyncio.session import AsyncSession

from app.models import Broadcast, Meeting, PledgeCampaign, Quiz

# A broadcast about one of these belongs to its unit: a meeting's reminders, follow-ups, leave
# decisions and cancellation; a pledge campaign's prompts and reminders; a test's notice.
_UNIT_SUBJECTS: dict[str, type[Meeting] | type[PledgeCampaign] | type[Quiz]] = {
    "meeting": Meeting,
    "pledge_campaign": PledgeCampaign,
    "quiz": Quiz,
}


async def unit_of(session: AsyncSession, *, broadcast: Broadcast) -> int | None:
    """The unit the broadcast belongs to; None for the whole organisation (a newsletter issue,
    anything without a subject), which only admins act on."""
    model = _UNIT_SUBJECTS.get(broadcast.subject_type or "")
    if model is None or broadcast.subject_id is None:
        return None
    subject: Meeting | PledgeCampaign | Quiz | None = await session.get(model, broadcast.subject_id)
    return subject.org_unit_id if subject is not None else None
