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
import os
import random
import re
import socket
import statistics
import subprocess
import sys
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.callback import pg  # noqa: E402

PEOPLE = 240
ADMIN, PASSWORD = "bench", "bench-figures-2026"
BATCH = 5_000
FIGURES = "/admin/suggestions/figures"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def _insert(conn: Any, table: Any, rows: list[dict[str, Any]]) -> None:
    for start in range(0, len(rows), BATCH):
        await conn.execute(table.insert(), rows[start : start + BATCH])


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
            await _insert(conn, Suggestion.__table__, _complete(Suggestion, rows))
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
            await _insert(conn, Reflection.__table__, _complete(Reflection, rows))
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
            await _insert(conn, VolunteerActivity.__table__, _complete(VolunteerActivity, rows))
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
            await _insert(conn, VolunteerSignup.__table__, _complete(VolunteerSignup, rows))
    finally:
        await engine.dispose()


def _complete(model: Any, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rows with every column the model defaults in Python (Core inserts skip those)."""
    return [model(**row).model_dump(exclude={"id"}) for row in rows]


def _csrf(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, "no CSRF token on the sign-in page"
    return found.group(1)


def measure(base: str, pages: list[tuple[str, str]], rounds: int) -> None:
    """Sign in, warm up, and time each page."""
    with httpx.Client(base_url=base, timeout=30) as http:
        token = _csrf(http.get("/admin/login").text)
        form = {"csrf_token": token, "username": ADMIN, "password": PASSWORD, "next": ""}
        assert http.post("/admin/login", data=form).status_code == 303, "sign-in failed"
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
    name = f"bench_figures_{uuid.uuid4().hex[:8]}"
    asyncio.run(pg(f'CREATE DATABASE "{name}"'))
    url = f"postgresql://postgres@127.0.0.1:5432/{name}"
    port = _free_port()
    env = {
        **os.environ, "APP_ENV": "dev", "DATABASE_URL": url, "REDIS_URL": "",
        "ADMIN_USERNAME": ADMIN, "ADMIN_PASSWORD": PASSWORD, "LOG_LEVEL": "WARNING",
        "PUBLIC_BASE_URL": f"http://127.0.0.1:{port}",
    }  # fmt: skip
    server = None
    try:
        subprocess.run(
            [sys.executable, "-m", "app.cli", "db", "upgrade"], cwd=ROOT, env=env, check=True
        )
        began = time.perf_counter()
        asyncio.run(
            seed(
                url,
                suggestions=args.suggestions,
                reflections=args.reflections,
                records=args.records,
            )
        )
        print(
            f"seeded {args.suggestions:,} suggestions, {args.reflections:,} reflections,"
            f" {args.records:,} volunteer records in {time.perf_counter() - began:.0f} s"
        )
        server = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "app.main:app", "--port", str(port),
             "--log-level", "warning"],
            cwd=ROOT, env=env,
        )  # fmt: skip
        base = f"http://127.0.0.1:{port}"
        for _ in range(200):
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        year = date.today().year
        this_year, two_years = (
            f"start={year}-01-01&end={year}-12-31",
            f"start={year - 1}-01-01&end={year}-12-31",
        )
        measure(
            base,
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
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=10)
        asyncio.run(pg(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


if __name__ == "__main__":
    main()
