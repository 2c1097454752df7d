"""The demo: the topic open, ten reflections, four in a sent 《神特组宣》 (authors told), the rest
waiting; no notice pushed by it, and nothing doubled on a second run."""

from __future__ import annotations

from sqlmodel import col, select

from app.dev.demo import seed
from app.models import Broadcast, IssueStatus, NewsletterIssue, Reflection
from tests.support.app import AppClient
from tests.support.console import admin_console
from tests.support.demo import seed_demo


async def test_the_demo_has_a_published_selection_and_reflections_waiting(
    client: AppClient,
) -> None:
    await seed_demo(client)
    await seed(client.settings)  # idempotent
    async with client.sessions() as session:
        rows = list((await session.exec(select(Reflection))).all())
        assert len(rows) == 10
        inserted = [r for r in rows if r.issue_id is not None]
        assert len(inserted) == 4 and all(r.told_at is not None for r in inserted)
        assert sum(1 for r in inserted if r.edited_text) == 2
        assert sorted(r.status for r in rows if r.issue_id is None) == [
            "selected", "selected", "set_aside", "submitted", "submitted", "submitted"
        ]  # fmt: skip
        issue = await session.get(NewsletterIssue, inserted[0].issue_id)
        assert issue is not None and issue.status == IssueStatus.SENT.value
        assert "## 微感悟｜" in issue.body and "张伟（" in issue.body
        pushed = select(Broadcast).where(col(Broadcast.key).startswith("reflections."))
        assert (await session.exec(pushed)).all() == []
    await admin_console(client)
    topics = await client.get("/admin/reflections")
    assert topics.status_code == 200 and "征集中" in topics.text
    queue = await client.get(f"/admin/reflections/topics/{rows[0].topic_id}")
    assert queue.status_code == 200 and queue.text.count('data-testid="reflection-row"') == 10
    assert queue.text.count("已刊用") == 4 and 'data-testid="waiting">2<' in queue.text
    edited = next(r for r in inserted if r.edited_text)
    page = await client.get(f"/admin/reflections/{edited.id}")
    assert page.status_code == 200 and "<del" in page.text and "<ins" in page.text
