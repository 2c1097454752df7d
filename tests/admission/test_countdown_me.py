"""我的记录 of a probationary member: the days to the end of 预备期, this quarter's 思想汇报."""

from __future__ import annotations

from datetime import date

from app.models import Person, PoliticalStage
from app.services import audit
from app.services.admission import files, steps
from tests.admission.reports_support import REPORT_TEXT
from tests.support.app import AppClient
from tests.support.chat import Chat, add_party_members, china, oauth_open
from tests.support.plugin import Clock

COUNTDOWN = "距预备期满还有 30 天（2027年1月6日），届时支部将讨论转正"


async def _probationary(client: AppClient, person_id: int) -> None:
    """History from paper: admitted by the branch meeting on 2026-01-06, approved in February."""
    dates = {
        "apply": date(2024, 9, 2),
        "talk": date(2024, 9, 20),
        "activist": date(2024, 10, 8),
        "candidate": date(2025, 10, 10),
        "branch_resolution": date(2026, 1, 6),
        "committee_talk": date(2026, 1, 20),
        "approval": date(2026, 2, 10),
    }
    async with client.sessions() as session:
        person = await session.get(Person, person_id)
        assert person is not None
        await files.enter_history(
            session,
            person=person,
            birth_date=date(1996, 3, 1),
            dates=dates,
            actor=audit.SYSTEM,
            rules=steps.Rules(today=date(2026, 12, 7)),
        )
        await session.commit()


async def test_a_probationary_member_sees_the_countdown_and_the_quarters_report(
    client: AppClient, clock: Clock, chat: Chat
) -> None:
    clock.set(china(2026, 12, 7, 10))
    [member] = await add_party_members(client, 1, prefix="p", stage=PoliticalStage.MASSES)
    [full] = await add_party_members(client, 1, prefix="f")
    await _probationary(client, member.person_id)

    record = await chat.click(member.openid, "MY_RECORD")
    assert COUNTDOWN in record
    assert "2026年第4季度思想汇报：未递交（12月31日前），回复「思想汇报」即可递交" in record
    page = await oauth_open(client, member.openid, "/m/me")
    assert page.status_code == 200 and COUNTDOWN in page.text

    await chat.say(member.openid, f"思想汇报 {REPORT_TEXT}")
    record = await chat.click(member.openid, "MY_RECORD")
    assert "2026年第4季度思想汇报：已递交（12月7日）" in record and COUNTDOWN in record
    clock.advance(86_400)  # a day later, a day less
    assert "距预备期满还有 29 天（2027年1月6日）" in await chat.click(member.openid, "MY_RECORD")

    other = await chat.click(full.openid, "MY_RECORD")
    assert "距预备期满" not in other and "思想汇报" not in other
