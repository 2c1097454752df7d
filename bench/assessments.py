"""三亮三挂三考核 on PostgreSQL: how long filling a month's sheets for 10,000 people takes.

Run by hand (never in CI):  .venv/bin/python bench/assessments.py [--people 10000] [--rounds 5]
Needs PostgreSQL at 127.0.0.1:5432 (user postgres, trust auth); the database is dropped at the end.

A fresh database is migrated and filled with `--people` full members in 10 groups and a year of
records: a study day a month per group with everyone invited (four in five checked in), one
suggestion a person a quarter (a fifth adopted), and a verified 岗位建功 for one in ten a month.
The month's sheets are then filled `--rounds` times (each in a transaction rolled back) with the
default scheme; the median and the worst are printed. The issue's target is 3 s.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import subprocess
import sys
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.callback import pg  # noqa: E402

BATCH = 5_000
GROUPS = 10


async def _insert(conn: Any, table: Any, rows: list[dict[str, Any]]) -> None:
    """Bulk insert in batches."""
    for start in range(0, len(rows), BATCH):
        await conn.execute(table.insert(), rows[start : start + BATCH])


async def seed(url: str, *, people: int, year: int) -> None:
    """People, groups and a year of attendance, suggestions and contributions."""
    from sqlalchemy import select

    from app.db import create_engine
    from app.models import (
        Contribution,
        Meeting,
        MeetingAttendance,
        OrgUnit,
        Person,
        Suggestion,
    )

    engine = create_engine(url)
    rng = random.Random(17)
    now = datetime.now(UTC)
    async with engine.begin() as conn:
        await _insert(
            conn,
            OrgUnit.__table__,
            [{"name": f"党小组{g}", "kind": "group", "sort_order": g, "created_at": now}
             for g in range(GROUPS)],
        )  # fmt: skip
        units = [row[0] for row in (await conn.execute(select(OrgUnit.__table__.c.id))).all()]
        await _insert(
            conn,
            Person.__table__,
            [{"employee_no": f"B{i:06d}", "name": f"党员{i}", "org_unit_id": units[i % GROUPS],
              "stage": "full", "status": "active", "is_manager": False,
              "created_at": now, "updated_at": now}
             for i in range(people)],
        )  # fmt: skip
        person_rows = (
            await conn.execute(select(Person.__table__.c.id, Person.__table__.c.org_unit_id))
        ).all()
        for month in range(1, 13):
            for unit in units:
                starts = datetime(year, month, 10, 1, tzinfo=UTC)
                meeting = {
                    "kind": "study_day", "title": "固定学习日", "org_unit_id": unit,
                    "starts_at": starts, "ends_at": starts + timedelta(hours=2),
                    "checkin_opens_at": starts, "checkin_closes_at": starts + timedelta(hours=2),
                    "invite_mode": "unit", "party_members_only": True, "remind": True,
                    "follow_up": True, "status": "scheduled", "moved": False,
                    "materials": [], "created_at": now, "updated_at": now,
                }  # fmt: skip
                result = await conn.execute(
                    Meeting.__table__.insert().returning(Meeting.__table__.c.id), [meeting]
                )
                meeting_id = result.scalar_one()
                await _insert(
                    conn,
                    MeetingAttendance.__table__,
                    [{"meeting_id": meeting_id, "person_id": pid, "named": False,
                      "checked_in_at": starts if rng.random() < 0.8 else None,
                      "invited_at": starts - timedelta(days=3)}
                     for pid, unit_id in person_rows if unit_id == unit],
                )  # fmt: skip
            await _insert(
                conn,
                Contribution.__table__,
                [{"person_id": pid, "kind": "technical", "title": "攻关", "description": "说明",
                  "done_on": date(year, month, 5), "status": "verified", "recorded_by": "bench",
                  "recorded_via": "console", "created_at": now, "updated_at": now}
                 for pid, _ in person_rows if rng.random() < 0.1],
            )  # fmt: skip
        await _insert(
            conn,
            Suggestion.__table__,
            [{"person_id": pid, "content": "建议", "category": "other",
              "status": "adopted" if adopted else "received", "via": "chat",
              "submitted_at": datetime(year, quarter * 3 + 1, 2, tzinfo=UTC),
              "adopted_at": datetime(year, quarter * 3 + 1, 20, tzinfo=UTC) if adopted else None}
             for pid, _ in person_rows for quarter in range(4)
             for adopted in [rng.random() < 0.2]],
        )  # fmt: skip
    await engine.dispose()


async def measure(url: str, *, year: int, rounds: int) -> list[float]:
    """Fill November's sheets `rounds` times, each rolled back; seconds per fill."""
    from app.db import create_engine, session_factory
    from app.models import PeriodKind
    from app.services import audit
    from app.services.assessments import filling, schemes

    engine = create_engine(url)
    took: list[float] = []
    for _ in range(rounds + 1):
        async with session_factory(engine)() as session:
            await schemes.save(
                session, kind=PeriodKind.MONTH, items=schemes.DEFAULT_ITEMS,
                today=date(year, 1, 1), actor=audit.SYSTEM, effective_from=date(year, 1, 1),
            )  # fmt: skip
            began = time.perf_counter()
            period = await filling.fill(
                session, kind=PeriodKind.MONTH, starts_on=date(year, 11, 1),
                now=datetime.now(UTC),
            )  # fmt: skip
            took.append(time.perf_counter() - began)
            assert period is not None
            await session.rollback()
    await engine.dispose()
    return took[1:]  # the first warms the caches


def main() -> None:
    """Create, seed, measure, drop."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--people", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    name = f"bench_assessments_{uuid.uuid4().hex[:8]}"
    asyncio.run(pg(f'CREATE DATABASE "{name}"'))
    url = f"postgresql://postgres@127.0.0.1:5432/{name}"
    year = date.today().year - 1
    try:
        env = {"DATABASE_URL": url, "REDIS_URL": "", "APP_ENV": "dev", "PATH": ""}
        subprocess.run(
            [sys.executable, "-m", "app.cli", "db", "upgrade"], cwd=ROOT, env=env, check=True
        )
        began = time.perf_counter()
        asyncio.run(seed(url, people=args.people, year=year))
        print(f"seeded {args.people:,} people and a year of records in "
              f"{time.perf_counter() - began:.0f} s")  # fmt: skip
        took = asyncio.run(measure(url, year=year, rounds=args.rounds))
        print(
            f"fill a month's sheets for {args.people:,} people: median "
            f"{statistics.median(took):.2f} s, worst {max(took):.2f} s (target 3 s)"
        )
    finally:
        asyncio.run(pg(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


if __name__ == "__main__":
    main()
