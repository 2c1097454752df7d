"""Selected reflections into a newsletter draft in one action (once, even twice at once), and
each author told once after the issue is sent."""

from __future__ import annotations

import asyncio

from sqlmodel import select

from app.models import IssueStatus, NewsletterImage, NewsletterIssue, NewsletterSeries
from app.models.types import CHINA
from app.services import attachments, audit
from app.services.newsletters import issues as newsletter_service
from app.services.reflections import insertion, topics
from app.services.reflections import person as person_records
from app.services.reflections.writing import ReflectionRefused
from tests.reflections.support import (
    NOW,
    TEXT,
    TITLE,
    broadcasts,
    get_reflection,
    make_topic,
    write,
)
from tests.support.app import AppClient
from tests.support.chat import add_party_members, run_job
from tests.support.console import admin_console, post_form
from tests.support.plugin import Clock

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


async def _zuxuan(client: AppClient) -> int:
    async with client.sessions() as session:
        await newsletter_service.ensure_default_series(session)
        await session.commit()
        found = (
            await session.exec(select(NewsletterSeries).where(NewsletterSeries.code == "zuxuan"))
        ).one()
        assert found.id is not None
        return found.id


async def _issue(client: AppClient, issue_id: int) -> NewsletterIssue:
    async with client.sessions() as session:
        found = await session.get(NewsletterIssue, issue_id)
        assert found is not None
        return found


async def test_inserted_into_a_new_draft_then_the_authors_are_told_once(
    client: AppClient, clock: Clock
) -> None:
    clock.set(NOW)
    series = await _zuxuan(client)
    a, b, c = await add_party_members(client, 3)
    topic = await make_topic(client)
    first = await write(client, topic, a.person_id, selected=True)
    second = await write(client, topic, b.person_id, "第二篇：安全生产无小事。", selected=True)
    waiting = await write(client, topic, c.person_id, "还没选用的一篇。")
    async with client.sessions() as session:
        await attachments.upload(
            session, owner_kind="reflection", owner_id=second, filename="现场.png", data=PNG,
            now=NOW,
        )  # fmt: skip
        await session.commit()
    await admin_console(client)

    done = await post_form(
        client,
        f"/admin/reflections/topics/{topic}/insert",
        {"series_id": series, "issue_id": "new"},
    )
    assert done.status_code == 303
    issue_id = int(done.headers["location"].rsplit("/", 1)[1])
    issue = await _issue(client, issue_id)
    assert issue.status == IssueStatus.DRAFT.value and issue.series_id == series
    assert f"## 微感悟｜{TITLE}" in issue.body
    assert f"### {a.name}（" in issue.body and TEXT in issue.body
    assert "第二篇：安全生产无小事。" in issue.body and "![图片说明](image:1)" in issue.body
    assert "还没选用的一篇。" not in issue.body
    async with client.sessions() as session:
        images = (
            await session.exec(select(NewsletterImage).where(NewsletterImage.issue_id == issue_id))
        ).all()
        assert [i.content for i in images] == [PNG]
    assert (await get_reflection(client, first)).issue_id == issue_id
    assert (await get_reflection(client, waiting)).issue_id is None
    # Again: nothing is left to insert, the body does not grow.
    again = await post_form(
        client, f"/admin/reflections/topics/{topic}/insert",
        {"series_id": series, "issue_id": str(issue_id)},
    )  # fmt: skip
    assert again.status_code == 303
    assert (await _issue(client, issue_id)).body == issue.body
    assert "没有可编入的感悟" in (await client.get(again.headers["location"])).text

    await run_job(client, "reflections.published")  # still a draft: nobody is told
    assert await broadcasts(client, "reflections.published:") == []
    async with client.sessions() as session:  # the newsletters feature sends the issue
        sent = await session.get(NewsletterIssue, issue_id)
        assert sent is not None
        sent.status, sent.sent_at = IssueStatus.SENT.value, NOW
        session.add(sent)
        await session.commit()
    for _ in range(2):  # the next run, and the one after: told once
        clock.advance(6 * 60)
        await run_job(client, "reflections.published")
    told = await broadcasts(client, "reflections.published:")
    assert sorted(n.key for n in told) == [
        f"reflections.published:{first}", f"reflections.published:{second}"
    ]  # fmt: skip
    assert all(str(n.message["url"]).endswith(f"/m/n/{issue_id}") for n in told)
    assert "《神特组宣》第 1 期" in str(told[0].message["text"])
    async with client.sessions() as session:
        lines = await person_records.member_lines(session, person_id=b.person_id, year=2026)
        assert lines == ["今年撰写微感悟 1 篇，刊用 1 篇"]
        [entry] = await person_records.entries(session, person_id=b.person_id)
        assert (entry.kind, entry.state) == ("微感悟", "已刊用")
    assert (await client.get(f"/admin/reflections/{second}")).text.count("已刊用") >= 1


async def test_inserting_twice_at_once_inserts_each_reflection_once(
    client: AppClient, clock: Clock
) -> None:
    clock.set(NOW)
    series = await _zuxuan(client)
    a, b = await add_party_members(client, 2)
    topic_id = await make_topic(client)
    for member in (a, b):
        await write(client, topic_id, member.person_id, f"{member.name}的感悟。", selected=True)
    async with client.sessions() as session:
        draft = NewsletterIssue(series_id=series, number=1, title="第一期", body="卷首语。\n")
        session.add(draft)
        await session.commit()
        assert draft.id is not None
        draft_id = draft.id

    async def attempt(name: str) -> str:
        async with client.sessions() as session:
            topic = await topics.get(session, topic_id=topic_id)
            assert topic is not None
            try:
                await insertion.insert(
                    session, topic=topic, series_id=series, issue_id=draft_id,
                    actor=audit.Actor(id=None, name=name), now=NOW,
                )  # fmt: skip
            except ReflectionRefused as refused:
                return str(refused)
            await session.commit()
            return "inserted"

    outcomes = await asyncio.gather(attempt("甲"), attempt("乙"))
    assert sorted(outcomes) == sorted(["inserted", insertion.NOTHING])
    body = (await _issue(client, draft_id)).body
    assert body.startswith("卷首语。")
    for member in (a, b):
        assert body.count(f"{member.name}的感悟。") == 1
    assert body.count("## 微感悟｜") == 1
    assert NOW.astimezone(CHINA).year == 2026
