"""REST reads within the caller's scope, and the assessments' verified contributions per person."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlmodel.ext.asyncio.session import AsyncSession

from app.models import Contribution, ContributionStatus, Person
from app.services.contributions.assessment import verified_contributions
from tests.contributions.support import NOW, add_contribution
from tests.support.api import Users, assert_error
from tests.support.app import AppClient
from tests.support.chat import add_party_members
from tests.support.plugin import Clock


async def test_rest_lists_and_reads_within_scope(
    api: AppClient, users: Users, clock: Clock
) -> None:
    clock.set(NOW)
    [mine] = await add_party_members(api, 1, unit_id=users.group_id, prefix="m")
    [theirs] = await add_party_members(api, 1, unit_id=users.other_group_id, prefix="t")
    first = await add_contribution(api, mine.person_id, title="甲", verified=True, benefit="10")
    await add_contribution(api, mine.person_id, title="乙", done_on=date(2026, 2, 1))
    other = await add_contribution(api, theirs.person_id, title="丙", verified=False)

    everything = await api.get("/api/v1/contributions", headers=users.admin)
    assert everything.status_code == 200 and everything.json()["total"] == 3
    paged = await api.get("/api/v1/contributions?limit=1&offset=1", headers=users.admin)
    assert [i["title"] for i in paged.json()["items"]] == ["甲"] and paged.json()["total"] == 3
    verified = await api.get("/api/v1/contributions?status=verified", headers=users.admin)
    [item] = verified.json()["items"]
    assert (item["title"], item["status_label"], item["benefit"]) == ("甲", "已核实", "10.00")
    dated = await api.get(
        "/api/v1/contributions?start=2026-01-01&end=2026-06-30", headers=users.viewer
    )
    assert [i["title"] for i in dated.json()["items"]] == ["乙"]

    scoped = await api.get("/api/v1/contributions", headers=users.secretary)
    assert [i["title"] for i in scoped.json()["items"]] == ["甲", "乙"]
    one = await api.get(f"/api/v1/contributions/{first}", headers=users.secretary)
    assert one.status_code == 200 and one.json()["person_name"] == mine.name
    assert_error(
        await api.get(f"/api/v1/contributions/{other}", headers=users.secretary), 404, "not_found"
    )
    assert (
        await api.get("/api/v1/contributions/99999999999", headers=users.admin)
    ).status_code == 422
    assert (
        await api.get("/api/v1/contributions?status=maybe", headers=users.admin)
    ).status_code == 422


@pytest.mark.both_databases
async def test_verified_contributions_per_person_for_the_assessments(
    db_session: AsyncSession,
) -> None:
    people = [Person(employee_no=f"A{i}", name=f"考核{i}") for i in range(3)]
    db_session.add_all(people)
    await db_session.flush()
    a, b, c = (p.id or 0 for p in people)

    def row(
        person_id: int, day: date, benefit: str | None, status: ContributionStatus
    ) -> Contribution:
        """A contribution of the person on the day, with its benefit and status."""
        return Contribution(
            person_id=person_id,
            kind="technical",
            title=f"{person_id}-{day}",
            description="说明",
            done_on=day,
            benefit=Decimal(benefit) if benefit else None,
            status=status.value,
            recorded_by="测试",
            recorded_via="console",
        )

    verified = ContributionStatus.VERIFIED
    db_session.add_all(
        [
            row(a, date(2026, 3, 1), "100.50", verified),
            row(a, date(2026, 9, 1), None, verified),
            row(a, date(2025, 12, 31), "999", verified),  # before the period
            row(a, date(2026, 5, 1), "999", ContributionStatus.PENDING),
            row(b, date(2026, 6, 30), "20", ContributionStatus.REJECTED),
            row(b, date(2026, 12, 31), "5", verified),  # the period's last day counts
        ]
    )
    await db_session.flush()

    found = await verified_contributions(
        db_session, person_ids=[a, b, c], start=date(2026, 1, 1), end=date(2026, 12, 31)
    )
    assert (found[a].count, found[a].benefit) == (2, Decimal("100.50"))
    assert [r.done_on for r in found[a].records] == [date(2026, 3, 1), date(2026, 9, 1)]
    assert (found[b].count, found[b].benefit, len(found[b].records)) == (1, Decimal("5.00"), 1)
    assert (found[c].count, found[c].benefit, found[c].records) == (0, Decimal("0.00"), [])
    assert (
        await verified_contributions(
            db_session, person_ids=[], start=date(2026, 1, 1), end=date(2026, 12, 31)
        )
        == {}
    )
