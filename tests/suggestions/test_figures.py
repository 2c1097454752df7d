"""The figures for any period, each linked to its list; the .xlsx of the list and the figures;
the REST endpoints and their scope."""

from __future__ import annotations

import io
from datetime import timedelta

from openpyxl import load_workbook
from openpyxl.worksheet.worksheet import Worksheet

from app.models import AdminRole, Person, SuggestionCampaign
from app.services import audit
from app.services.suggestions import decisions, records
from tests.support.api import Users
from tests.support.app import AppClient
from tests.support.chat import add_party_members, china
from tests.support.console import add_user, sign_in

ADMIN = audit.Actor(id=None, name="测试")
STEPS = ("review", "adopt", "implementing", "implemented", "verify", "award")


async def _year(client: AppClient, unit_id: int | None = None) -> list[int]:
    """Five suggestions in 2026 (one only received, one rejected, three to 金点子 with ¥) and
    one in 2025, adopted; their ids."""
    [member] = await add_party_members(client, 1, unit_id=unit_id)
    ids = []
    async with client.sessions() as session:
        person = await session.get(Person, member.person_id)
        assert person is not None
        campaign = SuggestionCampaign(name="2026年金点子评选")
        session.add(campaign)
        await session.flush()
        plans = [
            (china(2025, 11, 3, 9), ("review", "adopt"), "1000"),
            (china(2026, 1, 3, 9), (), "0"),
            (china(2026, 2, 3, 9), ("review", "reject"), "0"),
            (china(2026, 3, 3, 9), STEPS, "100000"),
            (china(2026, 4, 3, 9), STEPS, "250000.50"),
            (china(2026, 5, 3, 9), STEPS, "12345.67"),
        ]
        for number, (when, steps, amount) in enumerate(plans):
            made = await records.submit(
                session, person=person, content=f"第 {number} 条建议：节能降耗。", now=when
            )
            form = {
                "reason": "不可行", "estimated_benefit": "9000", "verified_benefit": amount,
                "benefit_basis": "测算", "verified_by": "财务", "campaign_id": str(campaign.id),
                "award": "二等奖",
            }  # fmt: skip
            for day, action in enumerate(steps, start=1):
                await decisions.decide(
                    session, suggestion=made, action=action, form=form, by=ADMIN,
                    now=when + timedelta(days=day),
                )  # fmt: skip
            assert made.id is not None
            ids.append(made.id)
        await session.commit()
    return ids


def _sheet(data: bytes) -> Worksheet:
    sheet = load_workbook(io.BytesIO(data)).active
    assert isinstance(sheet, Worksheet)
    return sheet


async def test_the_figures_their_lists_and_spreadsheets(client: AppClient) -> None:
    ids = await _year(client)
    await add_user(client, "admin", AdminRole.ADMIN)
    await sign_in(client, "admin")
    page = await client.get("/admin/suggestions/figures?start=2026-01-01&end=2026-12-31")
    assert page.status_code == 200
    for key, value in (
        ("received", "5 条"),
        ("adopted", "3 条"),
        ("implemented", "3 条"),
        ("golden", "3 条"),
        ("verified", "¥362,346.17（3 条）"),
        ("estimated", "¥27,000.00"),
    ):
        assert f'data-testid="figure-{key}-value">{value}<' in page.text, key
    # Each figure links to the list behind it.
    listing = await client.get("/admin/suggestions?start=2026-01-01&end=2026-12-31&basis=adopted")
    assert 'data-testid="suggestions-total">3<' in listing.text
    last_year = await client.get("/admin/suggestions?start=2025-01-01&end=2025-12-31&basis=adopted")
    assert 'data-testid="suggestions-total">1<' in last_year.text
    one_month = await client.get("/admin/suggestions/figures?start=2026-04-01&end=2026-04-30")
    assert 'data-testid="figure-golden-value">1 条' in one_month.text
    assert 'data-testid="figure-received-value">1 条' in one_month.text

    sheet = await client.get("/admin/suggestions/export.xlsx?status=golden")
    assert sheet.status_code == 200
    rows = list(_sheet(sheet.content).iter_rows(values_only=True))
    assert len(rows) == 4 and rows[0][0] == "编号" and {r[6] for r in rows[1:]} == {"金点子"}
    numbers = await client.get("/admin/suggestions/figures.xlsx?start=2026-01-01&end=2026-12-31")
    cells = {row[0]: row[1] for row in _sheet(numbers.content).iter_rows(values_only=True)}
    assert cells["采纳（条）"] == 3 and str(cells["核定经济效益（元）"]) == "362346.17"
    assert ids


async def test_rest_list_one_and_figures_within_scope(api: AppClient, users: Users) -> None:
    ids = await _year(api, unit_id=users.other_group_id)
    figures = await api.get(
        "/api/v1/suggestions/figures?start=2026-01-01&end=2026-12-31", headers=users.admin
    )
    assert figures.status_code == 200, figures.text
    body = figures.json()
    assert (body["received"], body["adopted"], body["golden"]) == (5, 3, 3)
    assert body["verified_benefit"] == "362346.17"
    listed = await api.get("/api/v1/suggestions?status=golden&limit=2", headers=users.admin)
    assert listed.json()["total"] == 3 and len(listed.json()["items"]) == 2
    one = await api.get(f"/api/v1/suggestions/{ids[3]}", headers=users.admin)
    assert one.status_code == 200
    assert [e["kind"] for e in one.json()["timeline"]] == ["received", *STEPS]
    # The secretary of 第一党小组 sees none of 第二党小组's.
    assert (
        await api.get(f"/api/v1/suggestions/{ids[3]}", headers=users.secretary)
    ).status_code == 404
    mine = await api.get("/api/v1/suggestions", headers=users.secretary)
    assert mine.json()["total"] == 0
    theirs = await api.get("/api/v1/suggestions/figures", headers=users.secretary)
    assert theirs.json()["received"] == 0
    assert (
        await api.get("/api/v1/suggestions/99999999999", headers=users.admin)
    ).status_code == 422
