"""An issue goes to the whole organisation: a 支部书记 drafts it; an admin sends or times it."""

from __future__ import annotations

from app.models import AdminRole, IssueStatus, NewsletterIssue
from app.services.newsletters import issues as newsletter_service
from tests.support.app import AppClient
from tests.support.console import add_user, default_units, post_form, sign_in
from tests.support.plugin import count_rows


async def first_series(client: AppClient) -> int:
    """《神特组宣》 (the app creates the series at start-up; tests have no lifespan)."""
    async with client.sessions() as session:
        await newsletter_service.ensure_default_series(session)
        await session.commit()
        series = await newsletter_service.all_series(session)
        assert series[0].id is not None
        return series[0].id


def form_values(series_id: int, **changes: str) -> dict[str, str]:
    """A complete, valid issue form."""
    fields = {"series_id": str(series_id), "number": "", "title": "七一专题", "author": "党群部"}
    return fields | {"body": "## 重温誓词", "channel_mode": "auto", "scheduled_at": ""} | changes


async def test_a_secretary_drafts_but_cannot_send_or_schedule(console: AppClient) -> None:
    """The draft is saved; a set time is refused with the reason; 立即发送 is 403."""
    series_id = await first_series(console)
    units = await default_units(console)
    await add_user(console, "sec", AdminRole.SECRETARY, units.groups[0])
    await sign_in(console, "sec")
    timed = form_values(series_id, scheduled_at="2099-07-01T09:30")
    refused = await post_form(console, "/admin/newsletters/new", timed)
    assert refused.status_code == 400
    assert "定时发送面向全组织，只有管理员可以设置" in refused.text
    assert await count_rows(console, NewsletterIssue) == 0
    draft = await post_form(console, "/admin/newsletters/new", form_values(series_id))
    assert draft.status_code == 303
    issue_id = int(draft.headers["location"].rstrip("/").split("/")[-1])
    sent = await post_form(console, f"/admin/newsletters/{issue_id}/send", {})
    assert sent.status_code == 403 and "只有管理员可以发送" in sent.text
    assert "立即发送" not in (await console.get(f"/admin/newsletters/{issue_id}")).text
    draft_only = NewsletterIssue.status == IssueStatus.DRAFT.value
    assert await count_rows(console, NewsletterIssue, draft_only) == 1
