"""支部概览 and the 一键台账 over a year of 10,000 people's records on PostgreSQL.

Run by hand (never in CI):  .venv/bin/python bench/reports.py [--people 10000] [--rounds 20]
Needs PostgreSQL at 127.0.0.1:5432 (user postgres, trust auth); the database is dropped at the end.

A fresh database is migrated and filled with `--people` people in the three Party groups and a
year of their records: 12 固定学习日 and 12 支部党员大会 with everyone invited (three in four
checked in), a 廉洁承诺书 everyone signed, 4 tests everyone submitted, 10,000 合理化建议, 2,000
volunteer activities of 50 people, 500 development files with 4 思想汇报 each, and 12 newsletter
issues read by everyone. The app is served by uvicorn as in production; signed in as an admin,
the dashboard's JSON is fetched `--rounds` times (target: median ≤ 300 ms), then the .xlsx
ledger a few times (target: ≤ 10 s), and the server's peak RSS (VmHWM) is read before and after
(target: < 300 MB).
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.console import Console, complete, insert, scratch, served, signed_in  # noqa: E402

ADMIN, PASSWORD = "bench", "bench-reports-2026"
YEAR = 2026


def _at(rng: random.Random, month: int) -> datetime:
    return datetime(YEAR, month, 1 + rng.randrange(27), 1 + rng.randrange(10), tzinfo=UTC)


async def seed(database_url: str, *, people: int) -> None:
    """The people, then a year of each kind of record by bulk insert (Core, in batches)."""
    from sqlmodel import select

    from app.db import create_engine, session_factory
    from app.models import (
        AdmissionFile,
        Meeting,
        MeetingAttendance,
        NewsletterIssue,
        NewsletterRead,
        NewsletterSeries,
        OrgUnit,
        OrgUnitKind,
        Person,
        PledgeCampaign,
        PledgeSignature,
        PledgeVersion,
        Quiz,
        QuizAttempt,
        Suggestion,
        ThoughtReport,
        VolunteerActivity,
        VolunteerSignup,
        VolunteerTeam,
    )
    from app.services.people import org_units as org_unit_service

    rng = random.Random(17)
    engine = create_engine(database_url)
    try:
        async with session_factory(engine)() as session:
            await org_unit_service.ensure_default_tree(session)
            units = (await session.exec(select(OrgUnit))).all()
            groups = [u.id or 0 for u in units if u.kind == OrgUnitKind.GROUP.value]
            branch = next(u.id or 0 for u in units if u.kind != OrgUnitKind.GROUP.value)
            await session.commit()  # the people below are inserted on another connection
            stages = ["full"] * 6 + ["probationary", "applicant", "activist", "masses"]
            rows = [
                {"employee_no": f"R{i:05d}", "name": f"员工{i}", "org_unit_id": groups[i % 3],
                 "stage": stages[i % 10]}
                for i in range(people)
            ]  # fmt: skip
            async with engine.begin() as conn:
                await insert(conn, Person.__table__, complete(Person, rows))
            ids = list((await session.exec(select(Person.id))).all())
            person_ids = [i or 0 for i in ids]
            meetings = []
            for month in range(1, 13):
                for kind in ("study_day", "general_meeting"):
                    start = _at(rng, month)
                    meetings.append(
                        Meeting(kind=kind, title=f"{month}月{kind}", org_unit_id=branch,
                                starts_at=start, ends_at=start + timedelta(hours=2),
                                checkin_opens_at=start, checkin_closes_at=start)
                    )  # fmt: skip
            campaign = PledgeCampaign(
                title="廉洁承诺书", year=YEAR, org_unit_id=branch, audience="members_and_managers",
                deadline=_at(rng, 2), status="closed", current_version=1,
            )  # fmt: skip
            quizzes = [
                Quiz(title=f"测试{n}", org_unit_id=branch, audience="party_members",
                     deadline=_at(rng, 3 * n + 3), status="closed")
                for n in range(4)
            ]  # fmt: skip
            team = VolunteerTeam(name="志愿服务队", org_unit_id=branch)
            series = NewsletterSeries(code="zuxuan", name="神特组宣")
            session.add_all([*meetings, campaign, *quizzes, team, series])
            await session.flush()
            version = PledgeVersion(campaign_id=campaign.id or 0, number=1, text="承诺", sha256="0")
            issues = [
                NewsletterIssue(series_id=series.id or 0, number=m, title=f"第{m}期", status="sent",
                                sent_at=_at(rng, m))
                for m in range(1, 13)
            ]  # fmt: skip
            files = [AdmissionFile(person_id=pid) for pid in person_ids[:500]]
            session.add_all([version, *issues, *files])
            await session.flush()
            await session.commit()
            meeting_rows = [(m.id, m.starts_at) for m in meetings]
            issue_rows = [(i.id, i.sent_at) for i in issues]
            quiz_ids = [q.id for q in quizzes]
            file_ids = [f.id for f in files]
            campaign_id, version_id, team_id = campaign.id, version.id, team.id
        async with engine.begin() as conn:
            rows = [
                {"meeting_id": mid, "person_id": pid,
                 "checked_in_at": start if rng.random() < 0.75 else None}
                for mid, start in meeting_rows
                for pid in person_ids
            ]  # fmt: skip
            await insert(conn, MeetingAttendance.__table__, complete(MeetingAttendance, rows))
            rows = [
                {"campaign_id": campaign_id, "person_id": pid, "version_id": version_id,
                 "version_number": 1, "text_sha256": "0", "channel": "chat",
                 "signed_at": _at(rng, 1)}
                for pid in person_ids
            ]  # fmt: skip
            await insert(conn, PledgeSignature.__table__, complete(PledgeSignature, rows))
            rows = [
                {"quiz_id": qid, "person_id": pid, "started_at": _at(rng, 3 * n + 2),
                 "submitted_at": _at(rng, 3 * n + 2), "score": 80, "passed": True}
                for n, qid in enumerate(quiz_ids)
                for pid in person_ids
            ]  # fmt: skip
            await insert(conn, QuizAttempt.__table__, complete(QuizAttempt, rows))
            rows = [
                {"number": f"{YEAR}-{i:05d}", "person_id": person_ids[i % people],
                 "content": "节能降耗。", "submitted_at": _at(rng, 1 + i % 12),
                 "status": "golden" if i % 50 == 0 else "received",
                 "verified_at": _at(rng, 1 + i % 12) if i % 10 == 0 else None,
                 "awarded_at": _at(rng, 1 + i % 12) if i % 50 == 0 else None,
                 "verified_benefit": Decimal(rng.randrange(1000, 90000)) if i % 10 == 0 else None}
                for i in range(10_000)
            ]  # fmt: skip
            await insert(conn, Suggestion.__table__, complete(Suggestion, rows))
            rows = [
                {"file_id": fid, "quarter": f"{YEAR}Q{q}", "submitted_at": _at(rng, 3 * q)}
                for fid in file_ids
                for q in range(1, 5)
            ]
            await insert(conn, ThoughtReport.__table__, complete(ThoughtReport, rows))
            rows = [
                {"team_id": team_id, "title": f"活动{n}", "starts_at": _at(rng, 1 + n % 12),
                 "ends_at": _at(rng, 1 + n % 12), "signup_deadline": _at(rng, 1 + n % 12),
                 "capacity": 50, "taken": 50, "status": "finished"}
                for n in range(2_000)
            ]  # fmt: skip
            await insert(conn, VolunteerActivity.__table__, complete(VolunteerActivity, rows))
            activity_ids = (await conn.execute(select(VolunteerActivity.id))).scalars().all()
            rows = [
                {"activity_id": aid, "person_id": person_ids[(n * 50 + k) % people],
                 "status": "signed", "signed_up_at": _at(rng, 1), "half_hours": 6,
                 "approved_at": _at(rng, 1)}
                for n, aid in enumerate(activity_ids)
                for k in range(50)
            ]  # fmt: skip
            await insert(conn, VolunteerSignup.__table__, complete(VolunteerSignup, rows))
            rows = [
                {"issue_id": iid, "person_id": pid, "first_opened_at": sent,
                 "last_opened_at": sent, "via": "link"}
                for iid, sent in issue_rows
                for pid in person_ids
            ]  # fmt: skip
            await insert(conn, NewsletterRead.__table__, complete(NewsletterRead, rows))
            await conn.exec_driver_sql("ANALYZE")
    finally:
        await engine.dispose()


def peak_rss_mb(pid: int) -> float:
    """The process's peak resident set (VmHWM), in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def measure(console: Console, pid: int, rounds: int) -> None:
    """Sign in; time the dashboard's JSON, then the ledger, with the server's peak RSS."""
    with signed_in(console, ADMIN, PASSWORD, timeout=120) as http:
        path = f"/admin/reports/data?year={YEAR}"
        for _ in range(3):
            assert http.get(path).status_code == 200
        took = []
        for _ in range(rounds):
            began = time.perf_counter()
            assert http.get(path).status_code == 200
            took.append((time.perf_counter() - began) * 1000)
        print(
            f"dashboard data   median {statistics.median(took):7.1f} ms   worst {max(took):7.1f} ms"
        )
        before = peak_rss_mb(pid)
        took = []
        for _ in range(3):
            began = time.perf_counter()
            response = http.get(f"/admin/reports/ledger.xlsx?year={YEAR}")
            took.append(time.perf_counter() - began)
            assert response.status_code == 200
        print(
            f"ledger .xlsx     median {statistics.median(took):7.2f} s    worst {max(took):7.2f} s"
            f"   ({len(response.content) // 1024} KB)"
        )
        print(
            f"server peak RSS  {before:.0f} MB before the ledger, {peak_rss_mb(pid):.0f} MB after"
        )


def main() -> None:
    """Create, seed, serve, measure, drop."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--people", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()
    with scratch("bench_reports", ADMIN, PASSWORD) as console:
        began = time.perf_counter()
        asyncio.run(seed(console.database_url, people=args.people))
        print(f"seeded {args.people:,} people's year in {time.perf_counter() - began:.0f} s")
        with served(console) as pid:
            measure(console, pid, args.rounds)


if __name__ == "__main__":
    main()
