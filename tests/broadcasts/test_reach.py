"""Channel planning: what each account can send, monthly mass caps, the 48-hour window."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from app.broadcasting.messages import template_value
from app.db import execute
from app.models import BroadcastRecipient, Channel, InboundMessage
from app.services.broadcasts import reach as reach_service
from tests.support.app import AppClient
from tests.support.broadcasts import add_members, make_broadcast

ALL = [Channel.MASS, Channel.TEMPLATE, Channel.SUBSCRIBE, Channel.CUSTOM]


async def _plan(client: AppClient, person_ids: list[int], channels: list[Channel]) -> Any:
    app = client.app
    async with app.state.sessions() as session:
        return await reach_service.plan(
            session,
            person_ids=person_ids,
            channels=channels,
            settings=app.state.settings,
            now=app.state.clock(),
        )


async def test_a_fifth_mass_message_this_month_moves_to_a_template(
    client: AppClient,
) -> None:
    members = await add_members(client, 3)
    now = client.state.clock()
    table = BroadcastRecipient.__table__  # type: ignore[attr-defined]
    # The first member already received four mass messages this month (WeChat's cap).
    for key in ("a", "b", "c", "d"):
        earlier = await make_broadcast(client, members[:2], key=key, channels=[Channel.MASS])
        async with client.sessions() as session:
            await execute(
                session,
                table.update()
                .where(table.c.broadcast_id == earlier, table.c.person_id == members[0].person_id)
                .values(status="sent", sent_at=now),
            )
            await session.commit()
    plans = {p.person_id: p for p in await _plan(client, [m.person_id for m in members], ALL)}
    assert plans[members[0].person_id].channel is Channel.TEMPLATE
    assert plans[members[1].person_id].channel is Channel.MASS
    assert plans[members[2].person_id].channel is Channel.MASS


async def test_customer_service_only_inside_the_48_hour_window(
    client: AppClient,
) -> None:
    members = await add_members(client, 2)
    now = client.state.clock()
    async with client.sessions() as session:
        for member, hours in ((members[0], 1), (members[1], 49)):
            at = now - timedelta(hours=hours)
            session.add(
                InboundMessage(
                    dedup_key=f"k-{member.openid}",
                    account="gh",
                    openid=member.openid,
                    msg_type="text",
                    content="你好",
                    sent_at=at,
                    received_at=at,
                    attempt="a",
                    response_body="success",
                    replied_at=at,
                )
            )
        await session.commit()
    plans = await _plan(client, [m.person_id for m in members], [Channel.CUSTOM])
    assert [p.channel for p in plans] == [Channel.CUSTOM, None]
    assert plans[1].reason == "48 小时内没有给公众号发过消息，客服消息发不出"


async def test_a_subscription_account_has_no_template_messages(
    make_client: Callable[..., Any],
) -> None:
    client = await make_client(wechat_account_type="subscription")
    (member,) = await add_members(client, 1)
    (plan,) = await _plan(client, [member.person_id], [Channel.TEMPLATE])
    assert plan.channel is None
    assert plan.reason == "公众号不能发模板消息（需认证服务号并配置模板）"


def test_template_values_fit_wechats_rules() -> None:
    assert template_value("短标题") == "短标题"
    long = template_value("学习贯彻党的二十届四中全会精神专题党课暨主题党日活动通知")
    assert len(long) == 20 and long.endswith("…")
    assert template_value("两行\n文字") == "两行 文字"
