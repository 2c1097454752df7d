"""People who join an open campaign's scope after it was published get the 签署通知 once."""

from __future__ import annotations

from sqlmodel import select

from app.models import BroadcastRecipient, JobOutcome
from tests.support.app import AppClient
from tests.support.chat import Chat, add_party_members, china, run_job
from tests.support.console import admin_console
from tests.support.pledges import make_campaign, pledge_broadcasts, send
from tests.support.plugin import Clock

DEADLINE = china(2026, 12, 20, 18)


async def _people_of(client: AppClient, broadcast_id: int) -> set[int]:
    async with client.sessions() as session:
        statement = select(BroadcastRecipient.person_id).where(
            BroadcastRecipient.broadcast_id == broadcast_id
        )
        return {pid for pid in (await session.exec(statement)).all() if pid is not None}


async def test_newcomers_to_an_open_campaign_are_asked_once(
    client: AppClient, clock: Clock, chat: Chat
) -> None:
    clock.set(china(2026, 12, 1, 9))
    first = await add_party_members(client, 3, prefix="a")
    campaign_id = await make_campaign(client, deadline=DEADLINE)
    await send(client)
    clock.set(china(2026, 12, 2, 10))
    newcomers = await add_party_members(client, 2, prefix="n")  # joined the branch since
    await admin_console(client)
    before = (await client.get(f"/admin/pledges/{campaign_id}")).text
    assert before.count("发布后才列入签署范围，未收到签署通知") == 2

    run = await run_job(client, "pledges.newcomers")
    assert run.outcome == JobOutcome.OK.value and "2 人" in (run.detail or "")
    prompt, again = await pledge_broadcasts(client, campaign_id)
    assert again.kind == prompt.kind == "pledge_prompt" and again.title == prompt.title
    assert await _people_of(client, prompt.id or 0) == {m.person_id for m in first}
    assert await _people_of(client, again.id or 0) == {m.person_id for m in newcomers}
    await send(client)
    assert "签署成功" in await chat.say(newcomers[0].openid, "我承诺")

    clock.set(china(2026, 12, 2, 10, 10))  # once: nobody new, nothing more
    assert (await run_job(client, "pledges.newcomers")).outcome == JobOutcome.IDLE.value
    assert len(await pledge_broadcasts(client, campaign_id)) == 2

    response = await client.get(f"/admin/pledges/{campaign_id}")
    assert response.status_code == 200 and newcomers[1].name in response.text
    assert "发布后才列入签署范围，未收到签署通知" not in response.text
