"""「公示」 in the chat: anyone following sees the notices open today, with their pages."""

from __future__ import annotations

from datetime import date

from tests.admission.notices_helpers import stored_candidate, stored_notice
from tests.support.app import AppClient
from tests.support.chat import Chat, china
from tests.support.plugin import Clock


async def test_anyone_following_sees_the_open_notices_with_their_links(
    client: AppClient, clock: Clock, chat: Chat
) -> None:
    stranger = "o-follower".ljust(28, "x")
    client.sandbox.add_follower(stranger)  # follows the account, bound to nobody
    clock.set(china(2026, 9, 29, 9))
    file_id = await stored_candidate(client)
    notice_id = await stored_notice(client, file_id, date(2026, 9, 30), date(2026, 9, 29))

    assert await chat.say(stranger, "公示") == "目前没有正在公示的人员。"  # starts tomorrow

    clock.set(china(2026, 10, 9, 9))
    reply = await chat.say(stranger, "公示")
    base = client.settings.public_base_url.rstrip("/")
    assert "关于张三同志拟发展为中共预备党员的公示" in reply
    assert "2026年9月30日至2026年10月12日（5 个工作日）" in reply
    assert f"{base}/m/admission/notices/{notice_id}" in reply

    clock.set(china(2026, 10, 13, 9))
    assert await chat.say(stranger, "公示") == "目前没有正在公示的人员。"
    assert "「公示」查看正在公示的发展党员名单并提出意见" in await chat.say(stranger, "帮助")


async def test_many_open_notices_stay_within_one_reply(
    client: AppClient, clock: Clock, chat: Chat
) -> None:
    stranger = "o-follower".ljust(28, "x")
    client.sandbox.add_follower(stranger)
    clock.set(china(2026, 9, 29, 9))
    for number in range(12):
        file_id = await stored_candidate(
            client, name=f"发展对象{number:02d}", number=f"N{number:03d}"
        )
        await stored_notice(client, file_id, date(2026, 9, 30), date(2026, 9, 29))
    clock.set(china(2026, 10, 9, 9))

    reply = await chat.say(stranger, "公示")

    assert len(reply.encode()) <= 2048
    listed = reply.count("/m/admission/notices/")
    assert 1 <= listed < 12
    assert reply.endswith(f"另有 {12 - listed} 人正在公示，详见党支部公示栏。")
