"""The demo's 岗位建功: eight by demo people this year, most verified, two waiting, one with a
photo (a real PNG) — once, however often it runs."""

from __future__ import annotations

from collections import Counter

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.dev.demo.contributions import seed_contributions
from app.dev.demo.people import seed_people
from app.models import Contribution
from app.models.types import CHINA
from app.services import attachments
from app.services.contributions.records import OWNER
from tests.contributions.support import NOW


async def test_the_demo_contributions(db_session: AsyncSession) -> None:
    await seed_people(db_session)
    assert await seed_contributions(db_session, now=NOW) == 8
    assert await seed_contributions(db_session, now=NOW) == 0
    found = list((await db_session.exec(select(Contribution))).all())
    assert Counter(c.status for c in found) == {"verified": 6, "pending": 2}
    today = NOW.astimezone(CHINA).date()
    assert all(c.done_on.year == today.year and c.done_on <= today for c in found)
    files = await attachments.of(db_session, owner_kind=OWNER, owner_ids=[c.id or 0 for c in found])
    [photo] = [a for owned in files.values() for a in owned]
    db_session.expunge_all()  # of() left them loaded without their bytes
    kept = await attachments.get(
        db_session, attachment_id=photo.id or 0, owner_kind=OWNER, owner_id=photo.owner_id
    )
    assert kept is not None and kept.content is not None
    assert attachments.sniff(kept.content) == "image/png"
