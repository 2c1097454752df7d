"""A year of 激励约束 records on PostgreSQL: how fast the console's figures and ledgers answer.

Run by hand (never in CI):  .venv/bin/python bench/figures.py [--rounds 20]
Needs PostgreSQL at 127.0.0.1:5432 (user postgres, trust auth); the database is dropped at the end.

A fresh database is migrated and filled, over two years, with 10,000 合理化建议 (a fifth adopted,
half of those implemented and verified, a third of those 金点子), 50,000 微感悟 in 24 topics and
100,000 志愿服务 records (2,000 activities of 50 people, hours approved). The app is then served
by uvicorn as in production (one process, real HTTP) and, signed in as an admin, each page is
fetched `--rounds` times after a warm-up; the median and the worst are printed. The target is the
figures page under 300 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import sys
import time
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.console import Console, complete, insert, scratch, served, signed_in  # noqa: E402

PEOPLE = 240
ADMIN, PASSWORD = "bench", "bench-figures-2026"
FIGURES = "/admin/suggestions/figures"


async def seed(database_url: str, *, suggestions: int, reflections: int, records: int) -> None:
    """The people, then each feature's rows by bulk insert (Core, in batches)."""
    from sqlmodel import select

    from app.db import create_engine, session_factory
    from app.models import (
        OrgUnit,
        OrgUnitKind,
        Person,
        Reflection,
        ReflectionTopic,
        Suggestion,
        VolunteerActivity,
        VolunteerSignup,
        VolunteerTeam,
    )
    from app.services.people import org_units as org_unit_service

    rng = random.Random(7)
    year = date.today().year
    start = datetime(year - 1, 1, 1, tzinfo=UTC)
    engine = create_engine(database_url)
    try:
        async with session_factory(engine)() as session:
            await org_unit_service.ensure_default_tree(session)
            units = (await session.exec(select(OrgUnit))).all()
            groups = [u.id for u in units if u.kind == OrgUnitKind.GROUP.value and u.id]
            branch = next(u.id for u in units if u.kind != OrgUnitKind.GROUP.value and u.id)
            people = [
                Person(employee_no=f"B{i:04d}", name=f"员工{i}", org_unit_id=groups[i % 3])
                for i in range(PEOPLE)
            ]
            session.add_all(people)
            await session.flush()
            person_ids = [p.id or 0 for p in people]
            team = VolunteerTeam(name="青年志愿服务队", org_unit_id=branch, created_at=start)
            session.add(team)
            await session.flush()
            topics = [
                ReflectionTopic(
                    title=f"第 {n + 1} 期微感悟",
                    opens_at=start + timedelta(days=30 * n),
                    closes_at=start + timedelta(days=30 * n + 20),
                    org_unit_id=branch,
                    audience="party",
                    created_at=start,
                )
                for n in range(24)
            ]
            session.add_all(topics)
            await session.flush()
            await session.commit()
        async with engine.begin() as conn:
            rows: list[dict[str, Any]] = []
            for i in range(suggestions):
                when = start + timedelta(minutes=rng.randrange(2 * 365 * 24 * 60))
                row: dict[str, Any] = {
                    "number": f"B-{i:06d}", "person_id": person_ids[i % PEOPLE],
                    "content": f"第 {i} 条建议：节能降耗。", "submitted_at": when,
                    "status": "received", "category": "other", "via": "chat",
                    "adopted_at": None, "implemented_at": None, "verified_at": None,
                    "awarded_at": None, "estimated_benefit": None, "verified_benefit": None,
                }  # fmt: skip
                if rng.random() < 0.2:
                    row.update(status="adopted", adopted_at=when + timedelta(days=10))
                    row["estimated_benefit"] = Decimal(rng.randrange(1000, 90000))
                    if rng.random() < 0.5:
                        row.update(status="verified", implemented_at=when + timedelta(days=40))
                        row["verified_at"] = when + timedelta(days=60)
                        row["verified_benefit"] = Decimal(rng.randrange(1000, 90000))
                        if rng.random() < 0.33:
                            row.update(status="golden", awarded_at=when + timedelta(days=90))
                rows.append(row)
            await insert(conn, Suggestion.__table__, complete(Suggestion, rows))
            rows = [
                {
                    "topic_id": topics[i % 24].id,
                    "person_id": person_ids[i % PEOPLE],
                    "text": f"第 {i} 篇感悟：立足岗位，高质发展。",
                    "status": "submitted",
                    "via": "chat",
                    "created_at": start + timedelta(minutes=i * 20),
                }
                for i in range(reflections)
            ]
            await insert(conn, Reflection.__table__, complete(Reflection, rows))
            activities = records // 50
            rows = [
                {
                    "team_id": team.id,
                    "title": f"志愿服务活动 {n}",
                    "place": "社区",
                    "starts_at": start + timedelta(hours=8 * n),
                    "ends_at": start + timedelta(hours=8 * n + 3),
                    "signup_deadline": start + timedelta(hours=8 * n),
                    "capacity": 50,
                    "taken": 50,
                    "status": "finished",
                    "created_at": start,
                }
                for n in range(activities)
            ]
            await insert(conn, VolunteerActivity.__table__, complete(VolunteerActivity, rows))
            ids = (await conn.execute(select(VolunteerActivity.id))).scalars().all()
            rows = [
                {
                    "activity_id": activity_id,
                    "person_id": person_ids[(n + k) % PEOPLE],
                    "status": "signed",
                    "signed_up_at": start,
                    "half_hours": 6,
                    "approved_by": ADMIN,
                    "approved_at": start,
                }
                for n, activity_id in enumerate(ids)
                for k in range(50)
            ]
            await insert(conn, VolunteerSignup.__table__, complete(VolunteerSignup, rows))
    finally:
        await engine.dispose()


def measure(console: Console, pages: list[tuple[str, str]], rounds: int) -> None:
    """Sign in, warm up, and time each page."""
    with signed_in(console, ADMIN, PASSWORD, timeout=30) as http:
        for label, path in pages:
            for _ in range(3):
                response = http.get(path)
                assert response.status_code == 200, (path, response.status_code)
            took = []
            for _ in range(rounds):
                began = time.perf_counter()
                response = http.get(path)
                took.append((time.perf_counter() - began) * 1000)
                assert response.status_code == 200
            print(
                f"{label:28s} median {statistics.median(took):7.1f} ms   worst {max(took):7.1f} ms"
                f"   ({len(response.content) // 1024} KB)  GET {path}"
            )


def main() -> None:
    """Create, seed, serve, measure, drop."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--suggestions", type=int, default=10_000)
    parser.add_argument("--reflections", type=int, default=50_000)
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()
    with scratch("bench_figures", ADMIN, PASSWORD) as console:
        began = time.perf_counter()
        asyncio.run(
            seed(
                console.database_url,
                suggestions=args.suggestions,
                reflections=args.reflections,
                records=args.records,
            )
        )
        print(
            f"seeded {args.suggestions:,} suggestions, {args.reflections:,} reflections,"
            f" {args.records:,} volunteer records in {time.perf_counter() - began:.0f} s"
        )
        year = date.today().year
        this_year, two_years = (
            f"start={year}-01-01&end={year}-12-31",
            f"start={year - 1}-01-01&end={year}-12-31",
        )
        with served(console):
            measure(
                console,
                [
                    ("合理化建议 figures, this year", f"{FIGURES}?{this_year}"),
                    ("合理化建议 figures, 2 years", f"{FIGURES}?{two_years}"),
                    ("合理化建议 queue", "/admin/suggestions"),
                    ("微感悟 topics", "/admin/reflections"),
                    ("微感悟 one topic's queue", "/admin/reflections/topics/24"),
                    ("志愿服务 ledger, this year", f"/admin/volunteering/ledger?year={year}"),
                ],
                args.rounds,
            )  # fmt: skip


if __name__ == "__main__":
    main()
