"""Reminder latency: how long after its due minute a reminder is enqueued, two schedulers running.

Run by hand (never in CI):  .venv/bin/python bench/reminders.py [--rounds 3] [--members 200]
Needs PostgreSQL at 127.0.0.1:5432 (user postgres, trust auth); the database is dropped at the end.

Two real `shente scheduler` processes (one by mistake) run against a fresh database. Each round
is a meeting whose hour-before reminder is due on one of the next whole minutes, as every due
time is in production. The bench polls the database every 20 ms and reports, per reminder, the
broadcast's created_at and the moment its rows were visible (committed), both against the due
time; and checks that each meeting got exactly one reminder, from one scheduler.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.callback import pg  # noqa: E402

SHENTE = Path(sys.executable).with_name("shente")


def environment(database_url: str) -> dict[str, str]:
    """A dev environment on the bench database (the sandbox stands in for WeChat)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("WECHAT_", "BROADCAST_"))}
    env.update(
        APP_ENV="dev",
        DATABASE_URL=database_url,
        MEETING_REMINDERS="1h",
        QUIET_HOURS="off",
        LOG_LEVEL="WARNING",
    )
    env.pop("REDIS_URL", None)
    return env


async def seed(database_url: str, members: int, dues: list[datetime]) -> list[int]:
    """Members bound to WeChat, and one meeting per due time (its 1 h reminder due then)."""
    from app.db import create_engine, session_factory
    from app.models import Follower, MeetingKind, Person, PoliticalStage
    from app.services import audit
    from app.services.meetings import meetings as meeting_service
    from app.services.meetings.meetings import MeetingDraft
    from app.services.people import org_units as org_unit_service

    engine = create_engine(database_url)
    try:
        async with session_factory(engine)() as session:
            branch = await org_unit_service.ensure_default_tree(session)
            people = [
                Person(
                    employee_no=f"B{i:05d}",
                    name=f"党员{i}",
                    org_unit_id=branch.id,
                    stage=PoliticalStage.FULL.value,
                )
                for i in range(members)
            ]
            session.add_all(people)
            await session.flush()
            session.add_all(
                Follower(openid=f"obench{p.id:08d}".ljust(28, "x"), person_id=p.id) for p in people
            )
            ids = []
            for number, due in enumerate(dues, start=1):
                assert branch.id is not None
                draft = MeetingDraft(
                    kind=MeetingKind.STUDY_DAY,
                    title=f"基准测试第 {number} 轮",
                    org_unit_id=branch.id,
                    starts_at=due + timedelta(hours=1),
                )
                meeting = await meeting_service.create(
                    session, draft=draft, actor=audit.SYSTEM, now=datetime.now(UTC)
                )
                assert meeting.id is not None
                ids.append(meeting.id)
            await session.commit()
            return ids
    finally:
        await engine.dispose()


async def watch(database_url: str, ids: list[int], until: datetime) -> dict[int, dict[str, object]]:
    """Poll for each meeting's reminders until all are seen or `until` passes."""
    from sqlmodel import col, select

    from app.db import create_engine, session_factory
    from app.models import Broadcast, JobRun

    engine = create_engine(database_url)
    seen: dict[int, dict[str, object]] = {}
    try:
        sessions = session_factory(engine)
        while datetime.now(UTC) < until and len(seen) < len(ids):
            async with sessions() as session:
                rows = (
                    await session.exec(
                        select(Broadcast).where(
                            Broadcast.kind == "reminder", col(Broadcast.subject_id).in_(ids)
                        )
                    )
                ).all()
            now = datetime.now(UTC)
            for broadcast in rows:
                assert broadcast.subject_id is not None
                seen.setdefault(
                    broadcast.subject_id, {"created": broadcast.created_at, "seen": now}
                )
            await asyncio.sleep(0.02)
        await asyncio.sleep(3)  # both schedulers keep beating: a second reminder would show now
        async with sessions() as session:
            counts = (
                await session.exec(
                    select(Broadcast.subject_id).where(
                        Broadcast.kind == "reminder", col(Broadcast.subject_id).in_(ids)
                    )
                )
            ).all()
            runners = (
                await session.exec(
                    select(JobRun.runner).where(JobRun.job == "meetings.remind").distinct()
                )
            ).all()
        for meeting_id in ids:
            seen.setdefault(meeting_id, {})["count"] = list(counts).count(meeting_id)
        seen[0] = {"runners": sorted(r for r in runners if r)}
        return seen
    finally:
        await engine.dispose()


def main() -> None:
    """Create the database, run the schedulers, measure, drop the database."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--members", type=int, default=200)
    args = parser.parse_args()

    name = f"shente_bench_rem_{uuid.uuid4().hex[:8]}"
    url = f"postgresql+asyncpg://postgres@127.0.0.1:5432/{name}"
    asyncio.run(pg(f'CREATE DATABASE "{name}"'))
    env = environment(url)
    schedulers: list[subprocess.Popen[bytes]] = []
    try:
        subprocess.run([str(SHENTE), "db", "upgrade"], env=env, check=True, capture_output=True)
        first_minute = datetime.fromtimestamp((int(time.time()) // 60 + 2) * 60, UTC)
        dues = [first_minute + timedelta(minutes=i) for i in range(args.rounds)]
        ids = asyncio.run(seed(url, args.members, dues))
        for _ in range(2):
            schedulers.append(
                subprocess.Popen(
                    [str(SHENTE), "scheduler"],
                    env=env,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )
            )
        print(f"{args.members} members; two schedulers; reminders due at", end=" ")
        print(", ".join(f"{d:%H:%M:%S}Z" for d in dues), flush=True)
        seen = asyncio.run(watch(url, ids, dues[-1] + timedelta(seconds=30)))
    finally:
        for proc in schedulers:
            proc.terminate()
        for proc in schedulers:
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
        asyncio.run(pg(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))

    created, visible = [], []
    for number, (meeting_id, due) in enumerate(zip(ids, dues, strict=True), start=1):
        result = seen.get(meeting_id, {})
        if "created" not in result:
            print(f"round {number}: no reminder within 30 s of {due:%H:%M:%S}")
            continue
        lag_created = (result["created"] - due).total_seconds()  # type: ignore[operator]
        lag_seen = (result["seen"] - due).total_seconds()  # type: ignore[operator]
        created.append(lag_created)
        visible.append(lag_seen)
        print(
            f"round {number}: created {lag_created * 1000:.0f} ms after due, rows visible "
            f"{lag_seen * 1000:.0f} ms after due (poll 20 ms); reminders: {result['count']}"
        )
    if created:
        print(
            f"median: created {statistics.median(created) * 1000:.0f} ms, visible "
            f"{statistics.median(visible) * 1000:.0f} ms; worst visible "
            f"{max(visible) * 1000:.0f} ms (target < 2,000 ms)"
        )
    print(f"scheduler processes that ran meetings.remind: {len(seen[0]['runners'])}")  # type: ignore[arg-type]


if __name__ == "__main__":
    main()
