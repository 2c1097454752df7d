"""Demo data for `make run`: enough to try the account in the simulator."""

from __future__ import annotations

from app.config import Settings
from app.db import create_engine, session_factory, unit_of_work
from app.models.types import utcnow
from app.services import followers as follower_service

# Followers of the dev sandbox, so the simulator has people to be from the first minute.
DEMO_MEMBERS = (
    ("oDEMO0000000000000000000001", "王建国(演示)"),
    ("oDEMO0000000000000000000002", "李秀英(演示)"),
    ("oDEMO0000000000000000000003", "张伟(演示)"),
)
DEMO_OPENIDS = tuple(openid for openid, _ in DEMO_MEMBERS)


async def seed(settings: Settings) -> int:
    """Create the demo followers that do not exist yet; return how many were created."""
    engine = create_engine(settings.database_url)
    created = 0
    try:
        async with unit_of_work(session_factory(engine)) as session:
            for openid in DEMO_OPENIDS:
                if await follower_service.get_by_openid(session, openid=openid) is None:
                    await follower_service.record_subscribe(
                        session, openid=openid, scene="demo", now=utcnow()
                    )
                    created += 1
    finally:
        await engine.dispose()
    return created
