"""A newsletter issue end to end: cover, WeChat draft, mass send or notices, links, archive."""

from __future__ import annotations

from collections import Counter
from typing import Any

from sqlmodel import select

from app.models import (
    BroadcastBatch,
    Follower,
    NewsletterIssue,
    NewsletterRead,
    NewsletterSeries,
    Person,
)
from app.services.broadcasts.links import RecipientLinks
from app.services.newsletters import issues as newsletter_service
from app.services.newsletters.publishing import PublishError, publish
from tests.support.app import AppClient
from tests.support.broadcasts import (
    Member,
    add_members,
    deliveries_by_openid,
    rows_of,
    sender_for,
)
from tests.support.chat import oauth_open

PNG = b"\x89PNG\r\n\x1a\n" + bytes(64)


async def _issue(client: AppClient, *, cover: bool, **fields: Any) -> int:
    app = client.app
    async with app.state.sessions() as session:
        await newsletter_service.ensure_default_series(session)
        series = (
            await session.exec(select(NewsletterSeries).where(NewsletterSeries.code == "zuxuan"))
        ).one()
        assert series.id is not None
        issue = NewsletterIssue(
            series_id=series.id,
            number=await newsletter_service.next_number(session, series_id=series.id),
            title=fields.pop("title", "学习贯彻全会精神"),
            author="党群部门",
            digest="本期导读",
            body=fields.pop(
                "body", "# 要点\n\n认真学习 **全会精神**。\n\n<script>alert(1)</script>"
            ),
            cover_image=PNG if cover else None,
            cover_filename="cover.png" if cover else None,
            **fields,
        )
        session.add(issue)
        await session.commit()
        assert issue.id is not None
        return issue.id


async def _publish(client: AppClient, issue_id: int) -> int:
    app = client.app
    published = await publish(
        sessions=app.state.sessions,
        client=app.state.broadcast_client,
        settings=app.state.settings,
        issue_id=issue_id,
        actor="tester",
        now=app.state.clock(),
    )
    assert published.broadcast.id is not None
    return published.broadcast.id


async def test_an_issue_with_a_cover_goes_out_as_one_mass_send(client: AppClient) -> None:
    members = await add_members(client, 5)
    issue_id = await _issue(client, cover=True)
    broadcast_id = await _publish(client, issue_id)
    await sender_for(client).run()

    sandbox = client.sandbox
    assert deliveries_by_openid(client, "mass") == Counter({m.openid: 1 for m in members})
    (draft,) = sandbox.drafts.values()
    content = draft.articles[0]["content"]
    assert "<strong>全会精神</strong>" in content
    assert "<script>" not in content  # an admin's raw HTML is escaped, never executed
    assert draft.articles[0]["thumb_media_id"] in sandbox.materials
    rows = await rows_of(client, broadcast_id)
    assert {r.status for r in rows} == {"sent"} and {r.channel for r in rows} == {"mass"}
    async with client.sessions() as session:
        (batch,) = (await session.exec(select(BroadcastBatch))).all()
        issue = await session.get(NewsletterIssue, issue_id)
    assert batch.status == "sent" and batch.msg_id and {r.msgid for r in rows} == {batch.msg_id}
    assert issue is not None and issue.status == "sent" and issue.draft_media_id

    # WeChat's MASSSENDJOBFINISH reaches /wechat and records WeChat's own totals.
    result = await client.sandbox_app.state.sandbox_callbacks.emit_mass_job_finish(batch.msg_id)
    assert result.status == 200
    async with client.sessions() as session:
        batch = (await session.exec(select(BroadcastBatch))).one()
    assert (batch.sent_count, batch.total_count) == (5, 5)


async def test_publishing_twice_makes_one_broadcast(client: AppClient) -> None:
    await add_members(client, 3)
    issue_id = await _issue(client, cover=False)
    first = await _publish(client, issue_id)
    assert await _publish(client, issue_id) == first
    await sender_for(client).run()
    assert sum(deliveries_by_openid(client).values()) == 3


async def test_an_empty_issue_is_refused(client: AppClient) -> None:
    issue_id = await _issue(client, cover=False, body="   ")
    try:
        await _publish(client, issue_id)
    except PublishError as exc:
        assert "正文" in str(exc)
    else:
        raise AssertionError("an empty issue was published")


async def _bind_unbound(client: AppClient) -> tuple[int, int]:
    """One person without WeChat and one whose WeChat unfollowed."""
    async with client.sessions() as session:
        lonely = Person(employee_no="x1", name="未绑定者")
        gone = Person(employee_no="x2", name="已取关者")
        session.add_all([lonely, gone])
        await session.flush()
        session.add(Follower(openid="o-gone".ljust(28, "x"), person_id=gone.id, subscribed=False))
        await session.commit()
        assert lonely.id is not None and gone.id is not None
        return lonely.id, gone.id


async def test_notices_carry_a_per_person_link_that_records_the_read(
    client: AppClient,
) -> None:
    members = await add_members(client, 3)
    lonely, gone = await _bind_unbound(client)
    issue_id = await _issue(client, cover=False)
    broadcast_id = await _publish(client, issue_id)
    await sender_for(client).run()

    rows = {r.person_id: r for r in await rows_of(client, broadcast_id)}
    assert rows[lonely].status == "unreachable" and rows[lonely].reason == "未绑定微信"
    assert rows[gone].status == "unreachable" and rows[gone].reason == "已取消关注公众号"
    assert deliveries_by_openid(client, "template") == Counter({m.openid: 1 for m in members})

    member: Member = members[0]
    (push,) = [d for d in client.sandbox.deliveries if d.openid == member.openid]
    url = str(push.payload["url"])
    assert "/m/r/" in url
    # A service account: WeChat's OAuth names the reader first (a link alone names nobody).
    page = await oauth_open(client, member.openid, url.split("127.0.0.1:8000", 1)[-1])
    assert page.status_code == 200
    assert "学习贯彻全会精神" in page.text and "<strong>全会精神</strong>" in page.text
    assert "<script>alert" not in page.text
    await client.get(url.split("127.0.0.1:8000", 1)[-1])  # a second open is counted, once

    async with client.sessions() as session:
        (read,) = (await session.exec(select(NewsletterRead))).all()
    assert (read.person_id, read.issue_id, read.open_count, read.via) == (
        member.person_id,
        issue_id,
        2,
        "oauth",
    )
    opened = {r.person_id: r.opened_at for r in await rows_of(client, broadcast_id)}
    assert opened[member.person_id] is not None and opened[members[1].person_id] is None


async def test_a_forged_link_is_refused_and_records_nothing(client: AppClient) -> None:
    settings = client.settings
    forged = RecipientLinks(settings.public_base_url, "not-our-secret").token(1)
    page = await client.get(f"/m/r/{forged}")
    assert page.status_code == 404 and "链接无效" in page.text
    assert (await client.get("/m/r/garbage")).status_code == 404


async def test_the_archive_button_answers_with_the_latest_issues(client: AppClient) -> None:
    (member,) = await add_members(client, 1)
    callbacks = client.sandbox_app.state.sandbox_callbacks
    async with client.sessions() as session:
        await newsletter_service.ensure_default_series(session)  # what the first start does
        await session.commit()
    empty = await callbacks.click(member.openid, "ARCHIVE_ZUXUAN")
    assert empty.reply["content"] == "《神特组宣》还没有发布过内容，敬请期待。"

    ids = [await _issue(client, cover=False, title=t) for t in ("第一期标题", "第二期标题")]
    for issue_id in ids:
        await _publish(client, issue_id)
    await sender_for(client).run()
    client.sandbox.advance(2)  # a later tap: same second would be a retry, answered alike
    answer = await callbacks.click(member.openid, "ARCHIVE_ZUXUAN")
    titles = [a["title"] for a in answer.reply["articles"]]
    assert titles == ["《神特组宣》第 2 期｜第二期标题", "《神特组宣》第 1 期｜第一期标题"]
    assert answer.reply["articles"][0]["url"].endswith(f"/m/n/{ids[1]}")
    client.sandbox.advance(2)
    other = await callbacks.click(member.openid, "ARCHIVE_QINGFENG")
    assert "《神特清风》还没有发布过内容" in other.reply["content"]
    # A series an admin adds later answers on its own button, with no code change.
    async with client.sessions() as session:
        session.add(NewsletterSeries(code="tuanqing", name="《团青之声》", menu_key="ARCHIVE_TQ"))
        await session.commit()
    client.sandbox.advance(2)
    added = await callbacks.click(member.openid, "ARCHIVE_TQ")
    assert added.reply["content"] == "《团青之声》还没有发布过内容，敬请期待。"


async def test_freepublish_sends_readers_to_the_published_article(
    client: AppClient,
) -> None:
    members = await add_members(client, 2)
    issue_id = await _issue(client, cover=True, freepublish=True)
    await _publish(client, issue_id)
    await sender_for(client).run()
    sandbox = client.sandbox
    (publication,) = sandbox.publications.values()
    callbacks = client.sandbox_app.state.sandbox_callbacks
    assert (await callbacks.emit_publish_job_finish(publication.publish_id)).status == 200
    async with client.sessions() as session:
        issue = await session.get(NewsletterIssue, issue_id)
    assert issue is not None and issue.article_url == publication.article_urls[0]
    # The archive link now leads to WeChat's article.
    page = await oauth_open(client, members[0].openid, f"/m/n/{issue_id}")
    assert page.status_code == 302 and page.headers["location"] == issue.article_url


async def test_a_lost_mass_answer_is_resent_and_wechat_refuses_the_duplicate(
    client: AppClient,
) -> None:
    members = await add_members(client, 3)
    issue_id = await _issue(client, cover=True)
    broadcast_id = await _publish(client, issue_id)
    sandbox = client.sandbox
    # WeChat does the mass send, but its answer never reaches us: the client times out.
    sandbox.faults.hang_after_next = 1
    sandbox.faults.hang_seconds = 0.5
    sandbox.faults.paths = ["/cgi-bin/message/mass/send"]
    client.state.broadcast_client._timeout = 0.2

    await sender_for(client).run()

    # The retry carried the same clientmsgid; WeChat said 45065, so nobody got it twice.
    assert sandbox.call_count("/cgi-bin/message/mass/send", 45065) == 1
    assert deliveries_by_openid(client, "mass") == Counter({m.openid: 1 for m in members})
    rows = await rows_of(client, broadcast_id)
    assert {(r.status, r.reason) for r in rows} == {("sent", "微信确认此批此前已发出")}


async def test_a_subscription_account_out_of_mass_sends_pauses_until_tomorrow(
    make_client: Any,
) -> None:
    client = await make_client(wechat_account_type="subscription", wechat_mass_tag_id=100)
    members = await add_members(client, 3)
    sandbox = client.sandbox
    tag = sandbox.tags.setdefault(100, type(next(iter(sandbox.tags.values())))(100, "党员"))
    for member in members:
        sandbox.followers[member.openid].tagids.append(tag.id)
    sandbox.mass_sends_by_day[
        __import__("app.dev.sandbox.rules", fromlist=["x"]).china_day(sandbox.now())
    ] = 1
    issue_id = await _issue(client, cover=True)
    broadcast_id = await _publish(client, issue_id)

    report = await sender_for(client).run()

    assert report.paused == [broadcast_id]
    assert deliveries_by_openid(client) == Counter()
    async with client.sessions() as session:
        (batch,) = (await session.exec(select(BroadcastBatch))).all()
    assert batch.status == "pending" and batch.errcode == 45028


async def test_a_double_tap_on_a_link_counts_two_opens(client: AppClient) -> None:
    import asyncio

    (member,) = await add_members(client, 1)
    issue_id = await _issue(client, cover=False)
    sessions = client.sessions
    now = client.state.clock()

    async def open_it(session: Any) -> None:
        await newsletter_service.record_read(
            session, issue_id=issue_id, person_id=member.person_id, via="link", now=now
        )

    # Two requests at once: both look, neither finds a read; the first inserts and commits
    # while the second's insert waits on it.
    async with sessions() as first, sessions() as second:
        await open_it(first)  # inserted, not committed
        racing = asyncio.create_task(_open_and_commit(open_it, second))
        await asyncio.sleep(0.2)
        await first.commit()
        await racing

    async with sessions() as session:
        (read,) = (await session.exec(select(NewsletterRead))).all()
    assert (read.person_id, read.open_count) == (member.person_id, 2)


async def _open_and_commit(open_it: Any, session: Any) -> None:
    await open_it(session)
    await session.commit()
