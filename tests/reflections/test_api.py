"""微感悟 over REST: topics, a topic's reflections and one reflection, scoped like the console."""

from __future__ import annotations

from tests.reflections.support import NOW, TEXT, TITLE, make_topic, write
from tests.support.api import Users, assert_error
from tests.support.app import AppClient
from tests.support.chat import add_party_members
from tests.support.plugin import Clock


async def test_rest_reads_topics_and_reflections_within_scope(
    api: AppClient, users: Users, clock: Clock
) -> None:
    clock.set(NOW)
    [mine] = await add_party_members(api, 1, unit_id=users.group_id, prefix="m")
    [theirs] = await add_party_members(api, 1, unit_id=users.other_group_id, prefix="t")
    topic = await make_topic(api)
    own = await write(api, topic, mine.person_id)
    other = await write(api, topic, theirs.person_id, "他组的感悟。")

    [listed] = (await api.get("/api/v1/reflections/topics", headers=users.viewer)).json()
    assert (listed["id"], listed["title"], listed["is_open"]) == (topic, TITLE, True)

    everyone = await api.get(f"/api/v1/reflections?topic_id={topic}", headers=users.admin)
    assert [r["id"] for r in everyone.json()] == [own, other]
    scoped = await api.get(f"/api/v1/reflections?topic_id={topic}", headers=users.secretary)
    [row] = scoped.json()
    assert (row["id"], row["text"], row["state"], row["person_name"]) == (
        own, TEXT, "待编选", mine.name
    )  # fmt: skip
    one = await api.get(f"/api/v1/reflections/{own}", headers=users.secretary)
    assert one.status_code == 200 and one.json()["final_text"] == TEXT
    assert_error(
        await api.get(f"/api/v1/reflections/{other}", headers=users.secretary), 404, "not_found"
    )
    assert (await api.get("/api/v1/reflections/2147483648", headers=users.admin)).status_code == 422
    missing = await api.get("/api/v1/reflections?topic_id=999999", headers=users.admin)
    assert missing.status_code == 404
