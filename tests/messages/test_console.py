"""The message log page: what a member sent through the real callback, and what we answered."""

from __future__ import annotations

from app.models import AdminRole
from tests.support.app import AppClient
from tests.support.console import add_user, admin_console, default_units, sign_in
from tests.support.plugin import post
from tests.support.wechat_peer import WeChatPeer, random_openid


async def test_message_log_shows_the_text_and_our_reply(
    console: AppClient, peer: WeChatPeer
) -> None:
    """A 「帮助」 sent to /wechat appears with its reply, handler and status; filters work."""
    await admin_console(console)
    openid = random_openid()
    response = await post(console, peer, peer.text(openid, "帮助"), "safe")
    assert response.status_code == 200
    await post(console, peer, peer.event(openid, "subscribe"), "safe")
    page = await console.get("/admin/messages")
    assert page.status_code == 200
    assert page.text.count('data-testid="message-row"') == 2
    assert "帮助" in page.text and "「帮助」" in page.text  # the member's text and our reply
    assert "已回复" in page.text and "未绑定" in page.text and "关注" in page.text
    only_text = await console.get("/admin/messages", params={"type": "text"})
    assert only_text.text.count('data-testid="message-row"') == 1
    other = await console.get("/admin/messages", params={"openid": "nobody", "page": "2"})
    assert "没有消息记录" in other.text
    home = await console.get("/admin/")
    assert "共 2 条" in home.text


async def test_secretary_does_not_see_unbound_followers(
    console: AppClient, peer: WeChatPeer
) -> None:
    """Messages of followers bound to no one in the secretary's units stay with the admins."""
    units = await default_units(console)
    await post(console, peer, peer.text(random_openid(), "帮助"), "safe")
    await add_user(console, "sec", AdminRole.SECRETARY, units.groups[0])
    await sign_in(console, "sec")
    page = await console.get("/admin/messages")
    assert page.status_code == 200 and 'data-testid="message-row"' not in page.text


async def test_message_log_speaks_chinese_not_internals(console: AppClient, clock) -> None:
    """A tapped button shows by its name, the handler by what it stands for, a link as words."""
    from tests.support.chat import Chat, add_party_members

    chat = Chat(console, clock)
    await admin_console(console)
    (member,) = await add_party_members(console, 1)
    assert "<a href=" in await chat.click(member.openid, "MY_RECORD")
    await chat.say(member.openid, "帮助")
    page = (await console.get("/admin/messages")).text
    assert "点击菜单" in page and "「我的记录」" in page and "查看完整记录" in page
    assert "菜单「我的记录」" in page and "关键词「帮助」" in page
    for internal in ("MY_RECORD", "on_my_record_button", "common.on_help", "&lt;a href", ">click<"):
        assert internal not in page, internal
