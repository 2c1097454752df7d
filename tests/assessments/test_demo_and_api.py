"""The demo's year of sheets (no pushes); the REST reads within scope; the export; the job."""

from __future__ import annotations

import io
from collections import Counter
from datetime import timedelta

from openpyxl import load_workbook
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.dev.demo.assessments import seed_assessments
from app.dev.demo.contributions import seed_contributions
from app.dev.demo.people import seed_people
from app.models import AssessmentPeriod, AssessmentSheet, Broadcast
from tests.assessments.support import DECEMBER_FIRST, default_scheme
from tests.support.api import Users
from tests.support.app import AppClient
from tests.support.chat import add_party_members, run_job
from tests.support.console import admin_console, post_form
from tests.support.plugin import Clock


async def test_the_demo_year_of_sheets(db_session: AsyncSession) -> None:
    await seed_people(db_session)
    await seed_contributions(db_session, now=DECEMBER_FIRST)
    assert await seed_assessments(db_session, now=DECEMBER_FIRST) > 0
    assert await seed_assessments(db_session, now=DECEMBER_FIRST) == 0
    found = (await db_session.exec(select(AssessmentPeriod))).all()
    assert Counter((p.kind, p.status) for p in found) == {
        ("month", "signed"): 11,
        ("month", "filled"): 1,
        ("quarter", "signed"): 1,
    }
    assert (await db_session.exec(select(AssessmentSheet))).first() is not None
    assert (await db_session.exec(select(Broadcast))).first() is None


async def test_the_job_rest_reads_and_export(api: AppClient, users: Users, clock: Clock) -> None:
    clock.set(DECEMBER_FIRST)
    [mine] = await add_party_members(api, 1, unit_id=users.group_id, prefix="m")
    [theirs] = await add_party_members(api, 1, unit_id=users.other_group_id, prefix="t")
    async with api.sessions() as session:
        await default_scheme(session)
        await session.commit()
    # The job run twice (or after downtime) fills each period once.
    first = await run_job(api, "assessments.close_month")
    assert "2026年11月" in first.detail
    clock.set(DECEMBER_FIRST + timedelta(hours=5))
    second = await run_job(api, "assessments.close_month")
    assert second.outcome in ("ok", "idle") and not second.detail
    async with api.sessions() as session:
        november = (
            await session.exec(
                select(AssessmentPeriod).order_by(col(AssessmentPeriod.starts_on).desc())
            )
        ).first()
        assert november is not None and str(november.starts_on) == "2026-11-01"
        count = (
            await session.exec(
                select(AssessmentSheet).where(AssessmentSheet.period_id == november.id)
            )
        ).all()
        assert len(count) == 2

    listed = await api.get("/api/v1/assessments/periods", headers=users.viewer)
    assert listed.status_code == 200 and listed.json()[0]["name"] == "2026年11月"
    everyone = await api.get(
        f"/api/v1/assessments/sheets?period_id={november.id}", headers=users.admin
    )
    assert {s["person_name"] for s in everyone.json()} == {mine.name, theirs.name}
    scoped = await api.get(
        f"/api/v1/assessments/sheets?period_id={november.id}", headers=users.secretary
    )
    [sheet] = scoped.json()
    assert sheet["person_name"] == mine.name
    study = next(e for e in sheet["entries"] if e["code"] == "identity_study")
    assert study["value"] is None  # no study day invited: 无记录
    assert (
        await api.get("/api/v1/assessments/sheets?period_id=99999999999", headers=users.admin)
    ).status_code == 422

    await admin_console(api)
    exported = await post_form(api, f"/admin/assessments/periods/{november.id}/export", {})
    assert exported.status_code == 200
    book = load_workbook(io.BytesIO(exported.content))
    rows = list(book.active.values) if book.active is not None else []
    assert rows[0][0] == "姓名" and {r[0] for r in rows[1:]} == {mine.name, theirs.name}
    assert "无记录" in rows[1]
