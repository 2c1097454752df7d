"""Broadcasts over the API: numbers for everyone, people only within the caller's scope."""

from __future__ import annotations

from sqlalchemy import update
from sqlmodel import col

from app.db import execute, unit_of_work
from app.models import Person
from tests.support.api import Users, assert_error
from tests.support.app import AppClient
from tests.support.broadcasts import add_members, make_broadcast, sender_for


async def test_numbers_and_rows_of_a_broadcast(api: AppClient, users: Users) -> None:
    members = await add_members(api, 4)
    async with unit_of_work(api.sessions) as session:
        # Half of them in the secretary's Party group, half in another.
        for index, member in enumerate(members):
            unit = users.group_id if index % 2 == 0 else users.other_group_id
            await execute(
                session,
                update(Person).where(col(Person.id) == member.person_id).values(org_unit_id=unit),
            )
    broadcast_id = await make_broadcast(api, members)
    await sender_for(api).run()

    listed = await api.get("/api/v1/broadcasts", headers=users.viewer)
    assert listed.status_code == 200
    (item,) = listed.json()
    assert (item["id"], item["status"], item["percent"]) == (broadcast_id, "done", 100)
    assert item["counts"] == {"sent": 4} and item["by_channel"] == {"template": 4}

    rows = await api.get(f"/api/v1/broadcasts/{broadcast_id}/recipients", headers=users.admin)
    assert [r["status"] for r in rows.json()] == ["sent"] * 4
    assert all(r["msgid"] for r in rows.json())
    mine = await api.get(f"/api/v1/broadcasts/{broadcast_id}/recipients", headers=users.secretary)
    assert {r["person_id"] for r in mine.json()} == {members[0].person_id, members[2].person_id}
    # The secretary still sees the whole broadcast's numbers.
    whole = await api.get(f"/api/v1/broadcasts/{broadcast_id}", headers=users.secretary)
    assert whole.json()["total"] == 4

    failed = await api.get(
        f"/api/v1/broadcasts/{broadcast_id}/recipients?status=failed", headers=users.admin
    )
    assert failed.json() == []
    bad = await api.get(
        f"/api/v1/broadcasts/{broadcast_id}/recipients?status=lost", headers=users.admin
    )
    assert_error(bad, 422, "validation_error")
    assert_error(await api.get("/api/v1/broadcasts/999", headers=users.admin), 404, "not_found")
    assert (await api.get("/api/v1/broadcasts")).status_code == 401
