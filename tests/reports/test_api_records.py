"""承诺书、知识测试与廉政谈话 over REST: lists, details, scope, and talks for admins only."""

from __future__ import annotations

from app.services import audit
from tests.reports.records import make_year
from tests.support.api import Users, assert_error
from tests.support.app import AppClient
from tests.support.chat import china
from tests.support.plugin import Clock


async def test_pledges_quizzes_and_talks_read_within_scope(
    api: AppClient, users: Users, clock: Clock
) -> None:
    """The secretary sees their unit's campaign, test and people; another unit's is 404; talks
    are for admins, and reading one is audited."""
    clock.set(china(2026, 9, 1, 9))
    async with api.sessions() as session:
        made = await make_year(session, unit_id=users.group_id, other_unit_id=users.other_group_id)
        await session.commit()

    listed = (await api.get("/api/v1/pledges", headers=users.secretary)).json()
    assert [c["id"] for c in listed] == [made.campaign_id]
    detail = await api.get(f"/api/v1/pledges/{made.campaign_id}", headers=users.secretary)
    assert detail.status_code == 200
    signatures = detail.json()["signatures"]
    assert sorted(s["person_name"] for s in signatures) == ["赵一", "钱二"]
    assert {s["version_number"] for s in signatures} == {1}
    assert signatures[0]["signed_at"].startswith("2026-01-08T02:00")
    hidden = await api.get(f"/api/v1/pledges/{made.other_campaign_id}", headers=users.secretary)
    assert_error(hidden, 404, "not_found")
    everything = (await api.get("/api/v1/pledges", headers=users.admin)).json()
    assert len(everything) == 2

    quizzes = (await api.get("/api/v1/quizzes", headers=users.secretary)).json()
    assert [q["title"] for q in quizzes] == ["监察法测试"]
    quiz = (await api.get(f"/api/v1/quizzes/{made.quiz_id}", headers=users.secretary)).json()
    assert quiz["submitted"] == 2 and quiz["passed"] == 1 and quiz["takers"] == 3
    scores = {a["person_name"]: a["score"] for a in quiz["attempts"]}
    assert scores == {"赵一": 90, "钱二": 50, "孙三": None}
    assert (await api.get("/api/v1/quizzes/2147483648", headers=users.admin)).status_code == 422

    assert_error(await api.get("/api/v1/talks", headers=users.secretary), 403, "forbidden")
    assert_error(
        await api.get(f"/api/v1/talks/{made.talk_id}", headers=users.viewer), 403, "forbidden"
    )
    talks = (await api.get("/api/v1/talks", headers=users.admin)).json()
    assert [t["person_name"] for t in talks] == ["赵一"]
    one = (await api.get(f"/api/v1/talks/{made.talk_id}", headers=users.admin)).json()
    assert one["category_label"] == "财务" and one["held_on"] == "2026-06-03"
    assert_error(await api.get("/api/v1/talks/999999", headers=users.admin), 404, "not_found")
    async with api.sessions() as session:
        actions = [e.action for e in await audit.recent(session, limit=20)]
    assert "talk.view" in actions and "talk.list" in actions


async def test_the_year_figures_over_rest_within_scope(
    api: AppClient, users: Users, clock: Clock
) -> None:
    """The secretary's figures are their unit's; another unit is 404; the admin sees all."""
    clock.set(china(2026, 9, 1, 9))
    async with api.sessions() as session:
        await make_year(session, unit_id=users.group_id, other_unit_id=users.other_group_id)
        await session.commit()
    mine = (await api.get("/api/v1/reports/figures", headers=users.secretary)).json()
    assert mine["year"] == 2026 and sum(mine["series"]["suggestions"]) == 2
    assert mine["series"]["benefit"][6] == 12000 and mine["meetings"]["general_meeting"] == 1
    other = f"/api/v1/reports/figures?unit_id={users.other_group_id}"
    assert_error(await api.get(other, headers=users.secretary), 404, "not_found")
    everyone = (await api.get(other + "&year=2026", headers=users.admin)).json()
    assert sum(everyone["series"]["pledges"]) == 1
    assert (
        await api.get("/api/v1/reports/figures?year=1999", headers=users.admin)
    ).status_code == 422
