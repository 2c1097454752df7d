"""Demo data for `make run` (development only): each feature seeds its own, in this order."""

from __future__ import annotations

from app.config import Settings
from app.db import create_engine, session_factory, unit_of_work
from app.dev.demo.admission import seed_admission
from app.dev.demo.appraisal import seed_appraisal
from app.dev.demo.assessments import seed_assessments
from app.dev.demo.contributions import seed_contributions
from app.dev.demo.meetings import seed_meetings
from app.dev.demo.newsletters import seed_newsletters
from app.dev.demo.people import DEMO_MEMBERS, DEMO_OPENIDS, seed_people
from app.dev.demo.pledges import seed_pledges
from app.dev.demo.quizzes import seed_quizzes
from app.dev.demo.reflections import seed_reflections
from app.dev.demo.suggestions import seed_suggestions
from app.dev.demo.talks import seed_talks
from app.dev.demo.volunteering import seed_volunteering
from app.models.types import utcnow


async def seed(settings: Settings) -> int:
    """Create what is missing of the demo data; return how many rows were created."""
    engine = create_engine(settings.database_url)
    try:
        async with unit_of_work(session_factory(engine)) as session:
            now = utcnow()
            return (
                await seed_people(session)
                + await seed_newsletters(session)
                + await seed_meetings(session, now=now)
                + await seed_pledges(session, settings=settings, now=now)
                + await seed_talks(session, now=now)
                + await seed_quizzes(session, settings=settings, now=now)
                + await seed_admission(session, now=now)
                + await seed_suggestions(session, now=now)
                + await seed_reflections(session, now=now)
                + await seed_volunteering(session, now=now)
                + await seed_contributions(session, now=now)
                + await seed_assessments(session, now=now)
                + await seed_appraisal(session, now=now)
            )
    finally:
        await engine.dispose()


__all__ = ["DEMO_MEMBERS", "DEMO_OPENIDS", "seed"]
