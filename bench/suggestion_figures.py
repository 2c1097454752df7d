"""合理化建议 figures on PostgreSQL with 10,000 suggestions: how long one figures page takes.

Run by hand (never in CI):  .venv/bin/python bench/suggestion_figures.py [--suggestions 10000]
Needs PostgreSQL at 127.0.0.1:5432 (user postgres, trust auth); the database is dropped at the end.

A fresh database is migrated, 240 people in three groups and N suggestions spread over two years
are inserted (a fifth adopted, half of those implemented, verified and a third of those awarded),
then the figures of this year are computed 30 times as an admin and as a group's secretary sees
them; the median and the worst are printed (the page must answer in under 300 ms).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import subprocess
import sys
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.callback import pg  # noqa: E402


async def seed(database_url: str, count: int) -> list[int]:
    """People in the default groups and `count` suggestions; the groups' ids."""
    from sqlmodel import select

    from app.db import create_engine, session_factory
    from app.models import OrgUnit, OrgUnitKind, Person, Suggestion
    from app.services.people import org_units as org_unit_service

    rng = random.Random(7)
    engine = create_engine(database_url)
    try:
        async with session_factory(engine)() as session:
            await org_unit_service.ensure_default_tree(session)
            groups = [
                u.id
                for u in (await session.exec(select(OrgUnit))).all()
                if u.kind == OrgUnitKind.GROUP.value and u.id is not None
            ]
            people = [
                Person(employee_no=f"B{i:04d}", name=f"员工{i}", org_unit_id=groups[i % 3])
                for i in range(240)
            ]
            session.add_all(people)
            await session.flush()
            start = datetime(date.today().year - 1, 1, 1, tzinfo=UTC)
            for i in range(count):
                when = start + timedelta(minutes=rng.randrange(2 * 365 * 24 * 60))
                row = Suggestion(
                    number=f"B-{i:06d}", person_id=people[i % 240].id or 0,
                    content=f"第 {i} 条建议：节能降耗。", submitted_at=when,
                )  # fmt: skip
                if rng.random() < 0.2:
                    row.status, row.adopted_at = "adopted", when + timedelta(days=10)
                    row.estimated_benefit = Decimal(rng.randrange(1000, 90000))
                    if rng.random() < 0.5:
                        row.status, row.implemented_at = "verified", when + timedelta(days=40)
                        row.verified_at = when + timedelta(days=60)
                        row.verified_benefit = Decimal(rng.randrange(1000, 90000))
                        if rng.random() < 0.33:
                            row.status, row.awarded_at = "golden", when + timedelta(days=90)
                session.add(row)
            await session.commit()
            return groups
    finally:
        await engine.dispose()


async def measure(database_url: str, groups: list[int], rounds: int) -> None:
    """Time the figures as an admin and as a group's secretary sees them."""
    from app.db import create_engine, session_factory
    from app.services.suggestions import figures, queue

    year = date.today().year
    engine = create_engine(database_url)
    try:
        for label, seen in (
            ("admin", queue.Visibility(None, 1)),
            ("secretary", queue.Visibility(frozenset({groups[0]}), 2)),
        ):
            took = []
            async with session_factory(engine)() as session:
                for _ in range(rounds):
                    began = time.perf_counter()
                    found = await figures.compute(
                        session, start=date(year, 1, 1), end=date(year, 12, 31), seen=seen
                    )
                    took.append((time.perf_counter() - began) * 1000)
            print(
                f"{label:9s} median {statistics.median(took):6.1f} ms, worst {max(took):6.1f} ms"
                f" — received {found.received}, adopted {found.adopted}, golden {found.golden},"
                f" verified ¥{found.verified_benefit:,.2f}"
            )
    finally:
        await engine.dispose()


def main() -> None:
    """Create, seed, measure, drop."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--suggestions", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=30)
    args = parser.parse_args()
    name = f"bench_suggestions_{uuid.uuid4().hex[:8]}"
    asyncio.run(pg(f'CREATE DATABASE "{name}"'))
    url = f"postgresql://postgres@127.0.0.1:5432/{name}"
    try:
        env = {**os.environ, "APP_ENV": "dev", "DATABASE_URL": url, "REDIS_URL": ""}
        subprocess.run(
            [sys.executable, "-m", "app.cli", "db", "upgrade"], cwd=ROOT, env=env, check=True
        )
        groups = asyncio.run(seed(url, args.suggestions))
        asyncio.run(measure(url, groups, args.rounds))
    finally:
        asyncio.run(pg(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


if __name__ == "__main__":
    main()
