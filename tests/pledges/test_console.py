"""廉洁承诺书 in the console: the form and its versions, 发布, progress, 作废, export, who may."""

from __future__ import annotations

import io
import re
from typing import Any

import httpx
from openpyxl import load_workbook
from sqlmodel import select

from app.jobs.broadcasts import send_due
from app.models import (
    AdminRole,
    BroadcastRecipient,
    Person,
    PledgeCampaign,
    PledgeSignature,
    PledgeVersion,
    SignatureChannel,
)
from app.services import audit
from app.services.pledges import campaigns as campaign_service
from app.services.pledges import signing
from app.services.pledges.signing import Sign
from tests.support.app import AppClient
from tests.support.chat import Member, add_party_members, china, run_job, runner_for
from tests.support.console import (
    add_person,
    add_user,
    admin_console,
    audit_entries,
    default_units,
    post_form,
    second_browser,
    sign_in,
)
from tests.support.pledges import make_campaign, pledge_broadcasts
from tests.support.plugin import Clock, count_rows
from tests.support.quizzes import SUPERVISION, add_questions, add_quiz
from tests.support.system import AppUnderTest

TEXT = "我自愿签署本承诺书。\n一、严守党的政治纪律。\n二、廉洁用权，不谋私利。"


def pledge_form(unit_id: int, **changes: Any) -> dict[str, Any]:
    """A complete, valid campaign form as the browser submits it."""
    return {
        "title": "2026年度廉洁承诺书",
        "year": "2026",
        "org_unit_id": str(unit_id),
        "audience": "members_and_managers",
        "deadline_date": "2026-12-31",
        "deadline_time": "18:00",
        "remind_every_days": "3",
        "remind_max": "2",
        "text": TEXT.replace("\n", "\r\n"),  # as a browser sends a textarea
        **changes,
    }


def flashes(html: str) -> list[str]:
    """The flash messages a page shows."""
    return [
        m.strip()
        for m in re.findall(r'<div class="alert alert-\w+ py-2" role="\w+">([^<]*)<', html)
    ]


async def stored(client: AppClient, model: Any, row_id: int | None) -> Any:
    """One row as stored now."""
    assert row_id is not None
    async with client.sessions() as session:
        return await session.get(model, row_id)


async def create(client: AppClient, unit_id: int, **changes: Any) -> int:
    """新建 through the form; the campaign's id."""
    response = await post_form(client, "/admin/pledges/new", pledge_form(unit_id, **changes))
    assert response.status_code == 303, response.text[:800]
    return int(response.headers["location"].rsplit("/", 1)[1])


async def publish(client: AppClient, campaign_id: int) -> httpx.Response:
    """发布 through the console, then let the in-process sender it starts finish."""
    response = await post_form(client, f"/admin/pledges/{campaign_id}/publish", {})
    await client.state.broadcasts.drain(10)
    return response


async def sign(
    client: AppClient, campaign_id: int, person_id: int, channel: SignatureChannel
) -> PledgeSignature:
    """The person signs the current text (as the member page does)."""
    app = client.app
    async with app.state.sessions() as session:
        campaign = await session.get(PledgeCampaign, campaign_id)
        person = await session.get(Person, person_id)
        assert campaign is not None and person is not None
        result = await signing.sign(
            session,
            campaign=campaign,
            person=person,
            version_number=campaign.current_version,
            channel=channel,
            now=app.state.clock(),
        )
        await session.commit()
        assert result.outcome is Sign.SIGNED and result.signature is not None, result.outcome
        return result.signature


async def recipients(client: AppClient, broadcast_id: int | None) -> dict[int, str]:
    """Each recipient's status."""
    assert broadcast_id is not None
    async with client.sessions() as session:
        statement = select(BroadcastRecipient).where(
            BroadcastRecipient.broadcast_id == broadcast_id
        )
        return {r.person_id: r.status for r in (await session.exec(statement)).all()}


async def roster(client: AppClient) -> tuple[list[Member], int, int, int]:
    """Two bound members, a bound manager (群众), an unbound member and a 群众; in the branch."""
    units = await default_units(client)
    members = await add_party_members(client, 2, unit_id=units.groups[0])
    [manager] = await add_party_members(client, 1, unit_id=units.groups[1], prefix="g")
    async with client.sessions() as session:
        person = await session.get(Person, manager.person_id)
        assert person is not None
        person.stage, person.is_manager, person.name = "masses", True, "经理甲"
        session.add(person)
        await session.commit()
    [unbound] = await add_party_members(client, 1, unit_id=units.groups[0], prefix="u", bound=False)
    masses = await add_person(client, "Q001", "群众乙", units.groups[0])
    return members, manager.person_id, unbound.person_id, masses


def cells(html: str, testid: str) -> list[str]:
    """The texts of the elements with this data-testid, tags removed."""
    found = re.findall(rf'data-testid="{testid}"[^>]*>(.*?)</', html, flags=re.S)
    return [re.sub(r"<[^>]+>", "", f).strip() for f in found]


# --- the form and its versions --------------------------------------------------------------


async def test_create_then_edit_the_text_lists_versions_1_and_2(
    console: AppClient, clock: Clock
) -> None:
    """新建 stores a draft with version 1; a changed text is version 2; a new title is not."""
    clock.set(china(2026, 11, 1, 9))
    units = await default_units(console)
    await admin_console(console)
    form = await console.get("/admin/pledges/new")
    assert form.status_code == 200 and 'value="2026年度廉洁承诺书"' in form.text
    campaign_id = await create(console, units.branch)
    campaign = await stored(console, PledgeCampaign, campaign_id)
    assert campaign.status == "draft" and campaign.current_version == 1
    assert campaign.deadline == china(2026, 12, 31, 18)
    page = await console.get(f"/admin/pledges/{campaign_id}")
    assert "已新建承诺书《2026年度廉洁承诺书》（草稿）。核对无误后请点击「发布」。" in flashes(
        page.text
    )
    assert cells(page.text, "campaign-status") == ["草稿"]
    v1 = campaign_service.text_hash(TEXT)  # stored with LF line breaks, as signed
    assert cells(page.text, "sha") == [v1[:12]]

    changed = TEXT + "\n三、自觉接受监督。"
    edit = await console.get(f"/admin/pledges/{campaign_id}/edit")
    assert (
        "一、严守党的政治纪律。" in edit.text and 'data-testid="version-warning"' not in edit.text
    )
    response = await post_form(
        console, f"/admin/pledges/{campaign_id}/edit", pledge_form(units.branch, text=changed)
    )
    assert response.status_code == 303
    response = await post_form(
        console,
        f"/admin/pledges/{campaign_id}/edit",
        pledge_form(units.branch, text=changed, title="2026年廉洁承诺"),
    )
    assert response.status_code == 303
    page = await console.get(f"/admin/pledges/{campaign_id}")
    assert re.findall(r'data-testid="version-row" data-number="(\d+)"', page.text) == ["2", "1"]
    assert cells(page.text, "sha") == [campaign_service.text_hash(changed)[:12], v1[:12]]
    assert "三、自觉接受监督。" in cells(page.text, "version-text")[0]
    assert "三、" not in cells(page.text, "version-text")[1]
    assert (await stored(console, PledgeCampaign, campaign_id)).title == "2026年廉洁承诺"
    assert await count_rows(console, PledgeVersion) == 2
    assert len(await audit_entries(console, "pledge.create")) == 1
    assert len(await audit_entries(console, "pledge.update")) == 2
    listing = (await console.get("/admin/pledges")).text
    assert "2026年廉洁承诺" in listing and cells(listing, "campaign-signed") == ["已签 0 / 0"]


async def test_form_refuses_an_empty_text_a_past_deadline_and_an_empty_named_list(
    console: AppClient, clock: Clock
) -> None:
    """Each mistake is named by its field, and nothing is stored."""
    clock.set(china(2026, 11, 1, 9))
    units = await default_units(console)
    await admin_console(console)
    cases = [
        ({"text": " \r\n "}, "请填写承诺书正文。"),
        ({"deadline_date": "2026-10-31"}, "截止时间必须晚于现在。"),
        ({"audience": "people"}, "选择「指定人员」时请至少选一人。"),
        ({"remind_every_days": "0"}, "提醒间隔应在 1 到 30 天之间。"),
        ({"deadline_time": ""}, "请选择截止时间。"),
        ({"org_unit_id": "999"}, "请从列表中选择单位。"),
    ]
    for changes, message in cases:
        response = await post_form(
            console, "/admin/pledges/new", pledge_form(units.branch, **changes)
        )
        assert response.status_code == 400, changes
        assert message in response.text, changes
        assert 'data-testid="form-errors"' in response.text
    assert await count_rows(console, PledgeCampaign) == 0
    assert await audit_entries(console, "pledge.") == []


# --- publishing -----------------------------------------------------------------------------


async def test_publish_asks_members_and_managers_once_and_only_once(
    console: AppClient, clock: Clock
) -> None:
    """The confirm step counts them; 发布 sends one prompt (no 群众); a second 发布 is refused."""
    clock.set(china(2026, 11, 1, 9))
    members, manager, unbound, masses = await roster(console)
    await admin_console(console)
    campaign_id = await create(console, (await default_units(console)).branch)

    confirm = await console.get(f"/admin/pledges/{campaign_id}/publish")
    assert confirm.status_code == 200
    assert cells(confirm.text, "asked") == ["4"]
    assert "其中 1 人目前收不到通知：未绑定微信 1 人" in confirm.text
    response = await publish(console, campaign_id)
    assert response.status_code == 303
    assert response.headers["location"] == f"/admin/pledges/{campaign_id}"
    page = (await console.get(f"/admin/pledges/{campaign_id}")).text
    # 4 asked, 1 of them unbound: 3 are told, and the flash says who is not and why.
    assert (
        "已发布承诺书《2026年度廉洁承诺书》，开始接受签署。已向 3 人发出签署通知。"
        "另有 1 人无法通过微信通知（未绑定微信 1 人），请另行通知。"
    ) in flashes(page)
    [prompt] = await pledge_broadcasts(console, campaign_id)
    assert prompt.kind == "pledge_prompt"
    asked = {m.person_id for m in members} | {manager}
    assert await recipients(console, prompt.id) == {
        **{pid: "sent" for pid in asked},  # the sender started at once
        unbound: "unreachable",
    }
    assert masses not in await recipients(console, prompt.id)
    assert f'href="/admin/broadcasts/{prompt.id}"' in page
    assert cells(page, "campaign-status") == ["签署中"]
    [entry] = await audit_entries(console, "pledge.publish")
    assert entry.summary == "2026年度廉洁承诺书：4 人"

    again = await publish(console, campaign_id)
    assert again.status_code == 303
    page = (await console.get(f"/admin/pledges/{campaign_id}")).text
    assert "这份承诺书已经发布过了。" in flashes(page)
    assert len(await pledge_broadcasts(console, campaign_id)) == 1
    assert len(await audit_entries(console, "pledge.publish")) == 1
    assert (await console.get(f"/admin/pledges/{campaign_id}/publish")).status_code == 303
    edit = (await console.get(f"/admin/pledges/{campaign_id}/edit")).text
    assert "修改正文会生成第 2 版" in edit


async def test_cancel_stops_signing_and_the_notices_not_yet_sent(
    console: AppClient, clock: Clock
) -> None:
    """取消 (audited): the campaign is 已取消, its queued prompt is not sent, the form is closed."""
    clock.set(china(2026, 11, 1, 9))
    members, _, _, _ = await roster(console)
    await admin_console(console)
    campaign_id = await create(console, (await default_units(console)).branch)
    # Published without starting the sender: the prompt is still waiting to go.
    async with console.sessions() as session:
        campaign = await session.get(PledgeCampaign, campaign_id)
        assert campaign is not None
        await campaign_service.publish(
            session,
            campaign=campaign,
            settings=console.settings,
            actor=audit.SYSTEM,
            now=clock(),
        )
        await session.commit()
    response = await post_form(console, f"/admin/pledges/{campaign_id}/cancel", {})
    assert response.status_code == 303
    page = (await console.get(f"/admin/pledges/{campaign_id}")).text
    assert cells(page, "campaign-status") == ["已取消"]
    assert any("尚未发出的 3 条通知已停止发送。" in f for f in flashes(page))
    [prompt] = await pledge_broadcasts(console, campaign_id)
    statuses = await recipients(console, prompt.id)
    assert {statuses[m.person_id] for m in members} == {"cancelled"}
    assert len(await audit_entries(console, "pledge.cancel")) == 1
    edit = await console.get(f"/admin/pledges/{campaign_id}/edit")
    assert edit.status_code == 303
    again = await post_form(console, f"/admin/pledges/{campaign_id}/cancel", {})
    assert again.status_code == 303
    page = (await console.get(f"/admin/pledges/{campaign_id}")).text
    assert "这份承诺书已经截止或取消。" in flashes(page)


# --- progress, voiding, export --------------------------------------------------------------


async def test_progress_counts_signatures_versions_and_reminders(
    console: AppClient, clock: Clock
) -> None:
    """已签 x / y; the older version flagged; reminders counted; the prompt's reason when unsent."""
    clock.set(china(2026, 11, 2, 9))
    members, manager, unbound, _ = await roster(console)
    await admin_console(console)
    units = await default_units(console)
    campaign_id = await create(console, units.branch)
    await publish(console, campaign_id)
    await sign(console, campaign_id, members[0].person_id, SignatureChannel.PAGE_LINK)
    changed = TEXT + "\n三、自觉接受监督。"
    await post_form(
        console, f"/admin/pledges/{campaign_id}/edit", pledge_form(units.branch, text=changed)
    )
    await sign(console, campaign_id, manager, SignatureChannel.PAGE_OAUTH)

    # Reminder 1 is due three days after publishing, at 09:30: to the two still unsigned.
    clock.set(china(2026, 11, 5, 9, 30))
    await run_job(console, "pledges.remind")
    await send_due(runner_for(console).ctx, clock())
    [_, reminder] = await pledge_broadcasts(console, campaign_id)
    assert reminder.kind == "pledge_reminder"
    assert await recipients(console, reminder.id) == {
        members[1].person_id: "sent",
        unbound: "unreachable",
    }
    # The manager is no longer one: the signature given stands, and still counts.
    async with console.sessions() as session:
        person = await session.get(Person, manager)
        assert person is not None
        person.is_manager = False
        session.add(person)
        await session.commit()

    page = (await console.get(f"/admin/pledges/{campaign_id}")).text
    assert cells(page, "count-signed") == ["2 / 4"] and cells(page, "count-unsigned") == ["2"]
    signed = re.findall(r'data-testid="signed-row" data-person="(\d+)"', page)
    assert signed == [str(members[0].person_id), str(manager)]
    assert cells(page, "version") == ["第 1 版 旧版本", "第 2 版"]
    assert cells(page, "channel") == ["网页（专属链接）", "网页（微信登录）"]
    assert "已不在签署范围" in page
    unsigned = re.findall(r'data-testid="unsigned-row" data-person="(\d+)"', page)
    assert unsigned == [str(members[1].person_id), str(unbound)]
    assert cells(page, "prompt") == ["已送达", "无法送达：未绑定微信"]
    assert cells(page, "reminders") == ["1 次", "0 次"]
    assert "2026-11-05 09:30" in page
    assert f'href="/admin/broadcasts/{reminder.id}"' in page
    assert "第 1 次：11月5日 09:30（已发出）" in cells(page, "plan-line")
    listing = (await console.get("/admin/pledges")).text
    assert cells(listing, "campaign-signed") == ["已签 2 / 4"]


async def test_void_needs_a_reason_is_audited_and_the_person_is_unsigned_again(
    console: AppClient, clock: Clock
) -> None:
    """作废 without a reason is refused; with one it is audited and shown; the export has it all."""
    clock.set(china(2026, 11, 2, 9))
    members, manager, _, _ = await roster(console)
    await admin_console(console)
    campaign_id = await create(console, (await default_units(console)).branch)
    await publish(console, campaign_id)
    first = await sign(console, campaign_id, members[0].person_id, SignatureChannel.CHAT)
    await sign(console, campaign_id, manager, SignatureChannel.PAGE_LINK)
    path = f"/admin/pledges/{campaign_id}/signatures/{first.id}/void"

    refused = await post_form(console, path, {"reason": "  "})
    assert refused.status_code == 400
    assert cells(refused.text, "void-error") == ["请填写作废原因。"]
    assert (await stored(console, PledgeSignature, first.id)).voided_at is None
    assert await audit_entries(console, "pledge.void") == []

    clock.advance(60)
    response = await post_form(console, path, {"reason": "本人反映系他人代签"})
    assert response.status_code == 303
    voided = await stored(console, PledgeSignature, first.id)
    assert voided.voided_at == clock() and voided.voided_by == "admin"
    [entry] = await audit_entries(console, "pledge.void")
    assert entry.target_type == "pledge_signature" and entry.target_id == str(first.id)
    assert entry.summary == f"{members[0].name}：本人反映系他人代签"
    page = (await console.get(f"/admin/pledges/{campaign_id}")).text
    assert f"已作废{members[0].name}的签署（原因：本人反映系他人代签），需重新签署。" in flashes(
        page
    )
    assert cells(page, "count-signed") == ["1 / 4"] and cells(page, "count-voided") == ["1"]
    unsigned = re.findall(r'data-testid="unsigned-row" data-person="(\d+)"', page)
    assert str(members[0].person_id) in unsigned and "原签署已作废" in page
    assert cells(page, "voided-by") == ["admin"]
    assert cells(page, "void-reason") == ["本人反映系他人代签"]
    twice = await post_form(console, path, {"reason": "再次作废"})
    assert twice.status_code == 303
    assert "这条签署记录已经作废。" in flashes(
        (await console.get(f"/admin/pledges/{campaign_id}")).text
    )
    assert len(await audit_entries(console, "pledge.void")) == 1
    # The person may sign again; the new signature stands beside the voided one.
    await sign(console, campaign_id, members[0].person_id, SignatureChannel.PAGE_OAUTH)

    export = await console.get(f"/admin/pledges/{campaign_id}/export")
    assert export.status_code == 200
    assert "attachment" in export.headers["content-disposition"]
    book = load_workbook(io.BytesIO(export.content))
    assert book.sheetnames == ["已签署", "未签署", "已作废"]
    signed = [list(r) for r in book["已签署"].iter_rows(values_only=True)]
    assert signed[0] == ["姓名", "工号", "所在单位", "签署版本", "签署方式", "签署时间", "备注"]
    assert [(r[0], r[3], r[4]) for r in signed[1:]] == [
        ("经理甲", "第 1 版", "网页（专属链接）"),
        (members[0].name, "第 1 版", "网页（微信登录）"),
    ]
    assert signed[1][2] == "神特新材党支部/第二党小组"
    unsigned_rows = list(book["未签署"].iter_rows(values_only=True))
    assert [(r[0], r[3]) for r in unsigned_rows[1:]] == [
        (members[1].name, "已送达"),
        ("党员u0", "无法送达：未绑定微信"),
    ]
    voided_rows = list(book["已作废"].iter_rows(values_only=True))
    assert voided_rows[0][-3:] == ("作废时间", "作废人", "作废原因")
    assert [(r[0], r[4], r[7], r[8]) for r in voided_rows[1:]] == [
        (members[0].name, "公众号回复", "admin", "本人反映系他人代签")
    ]
    [entry] = await audit_entries(console, "pledge.export")
    assert entry.target_type == "pledge_campaign" and entry.target_id == str(campaign_id)
    assert "已签署 2/4 人" in (entry.summary or "")


async def test_the_export_keeps_a_name_and_a_reason_that_look_like_formulas_as_text(
    app_under_test: AppUnderTest,
) -> None:
    """A name or a typed 作废原因 starting with "=" is exported as text, never as a formula."""
    app = app_under_test
    app.clock.set(china(2026, 11, 2, 9))
    [member] = await add_party_members(app.client, 1)
    name, reason = '=HYPERLINK("http://x","y")', "=1+1 代签"
    async with app.sessions() as session:
        person = await session.get(Person, member.person_id)
        assert person is not None
        person.name = name
        session.add(person)
        await session.commit()
    console = await app.console()
    campaign_id = await create(console, (await default_units(console)).branch)
    await publish(console, campaign_id)
    signature = await sign(console, campaign_id, member.person_id, SignatureChannel.CHAT)
    path = f"/admin/pledges/{campaign_id}/signatures/{signature.id}/void"
    assert (await post_form(console, path, {"reason": reason})).status_code == 303

    export = await console.get(f"/admin/pledges/{campaign_id}/export")
    book = load_workbook(io.BytesIO(export.content))
    [row] = book["已作废"].iter_rows(min_row=2)
    assert (row[0].value, row[0].data_type) == (name, "s")
    assert (row[8].value, row[8].data_type) == (reason, "s")
    [row] = book["未签署"].iter_rows(min_row=2)
    assert (row[0].value, row[0].data_type) == (name, "s")


# --- who may --------------------------------------------------------------------------------


async def test_viewer_reads_but_cannot_publish_edit_or_void(
    console: AppClient, clock: Clock
) -> None:
    """A read-only account sees the progress without buttons; every write answers 403."""
    clock.set(china(2026, 11, 2, 9))
    members = await add_party_members(console, 1)
    await admin_console(console)
    branch = (await default_units(console)).branch
    draft_id = await create(console, branch, title="草稿承诺书")
    open_id = await create(console, branch)
    await publish(console, open_id)
    signature = await sign(console, open_id, members[0].person_id, SignatureChannel.PAGE_LINK)
    await add_user(console, "viewer", AdminRole.VIEWER)
    async with second_browser(console) as viewer:
        await sign_in(viewer, "viewer")

        listing = await viewer.get("/admin/pledges")
        assert listing.status_code == 200 and "新建承诺书" not in listing.text
        page = await viewer.get(f"/admin/pledges/{open_id}")
        assert page.status_code == 200 and cells(page.text, "count-signed") == ["1 / 1"]
        assert "/void" not in page.text and "/cancel" not in page.text
        assert (await viewer.get(f"/admin/pledges/{open_id}/export")).status_code == 200
        for path in ("/admin/pledges/new", f"/admin/pledges/{draft_id}/edit"):
            assert (await viewer.get(path)).status_code == 403, path
        assert (await viewer.get(f"/admin/pledges/{draft_id}/publish")).status_code == 403
        writes = [
            ("/admin/pledges/new", pledge_form(branch)),
            (f"/admin/pledges/{draft_id}/edit", pledge_form(branch)),
            (f"/admin/pledges/{draft_id}/publish", {}),
            (f"/admin/pledges/{open_id}/cancel", {}),
            (f"/admin/pledges/{open_id}/signatures/{signature.id}/void", {"reason": "试试"}),
        ]
        for path, data in writes:
            response = await post_form(viewer, path, data)
            assert response.status_code == 403, path
            assert "只读账号" in response.text
    assert (await stored(console, PledgeCampaign, draft_id)).status == "draft"
    assert (await stored(console, PledgeSignature, signature.id)).voided_at is None
    assert len(await pledge_broadcasts(console, draft_id)) == 0


async def test_secretary_sees_only_their_units_campaigns(console: AppClient, clock: Clock) -> None:
    """Another group's secretary gets 404 for the campaign and all it holds; its own sees it."""
    clock.set(china(2026, 11, 2, 9))
    units = await default_units(console)
    members = await add_party_members(console, 1, unit_id=units.groups[0])
    await admin_console(console)
    campaign_id = await create(console, units.groups[0], title="第一党小组承诺书")
    await publish(console, campaign_id)
    signature = await sign(console, campaign_id, members[0].person_id, SignatureChannel.CHAT)
    await add_user(console, "sec2", AdminRole.SECRETARY, units.groups[1])
    await add_user(console, "sec1", AdminRole.SECRETARY, units.groups[0])
    async with second_browser(console) as other:
        await sign_in(other, "sec2")

        assert "第一党小组承诺书" not in (await other.get("/admin/pledges")).text
        for path in ("", "/edit", "/export", "/publish"):
            response = await other.get(f"/admin/pledges/{campaign_id}{path}")
            assert response.status_code == 404, path
            assert "不在您负责的组织范围内" in response.text
        for path, data in (
            ("/cancel", {}),
            (f"/signatures/{signature.id}/void", {"reason": "越权"}),
            ("/edit", pledge_form(units.groups[0])),
        ):
            response = await post_form(other, f"/admin/pledges/{campaign_id}{path}", data)
            assert response.status_code == 404, path
        assert (await stored(console, PledgeSignature, signature.id)).voided_at is None
        assert (await stored(console, PledgeCampaign, campaign_id)).status == "open"
        # Nor can they make one for another unit.
        response = await post_form(other, "/admin/pledges/new", pledge_form(units.groups[0]))
        assert response.status_code == 400 and "请从列表中选择单位。" in response.text

    async with second_browser(console) as own:
        await sign_in(own, "sec1")
        assert "第一党小组承诺书" in (await own.get("/admin/pledges")).text
        page = await own.get(f"/admin/pledges/{campaign_id}")
        assert page.status_code == 200 and cells(page.text, "count-signed") == ["1 / 1"]


async def test_the_home_page_shows_open_pledges_and_tests_with_totals_only(
    client: AppClient, clock: Clock
) -> None:
    clock.set(china(2026, 12, 1, 9))
    members = await add_party_members(client, 3)
    await make_campaign(client, deadline=china(2026, 12, 31, 18))
    ids = await add_questions(client, SUPERVISION)
    await add_quiz(client, ids, deadline=china(2026, 12, 20, 18), title="监察法知识测试")
    await admin_console(client)

    home = await client.get("/admin/")
    assert home.status_code == 200
    table = home.text.split('data-testid="open-work"', 1)[1].split("</table>", 1)[0]
    assert table.index("监察法知识测试") < table.index("2026年度廉洁承诺书")  # by deadline
    assert '已签 <span class="fw-semibold">0 / 3</span>' in table
    assert '已交 <span class="fw-semibold">0 / 3</span>' in table
    assert all(member.name not in table for member in members)


async def test_a_persons_page_shows_their_pledges_and_tests(
    client: AppClient, clock: Clock
) -> None:
    clock.set(china(2026, 12, 1, 9))
    signer, other = await add_party_members(client, 2)
    campaign_id = await make_campaign(client, deadline=china(2026, 12, 31, 18))
    ids = await add_questions(client, SUPERVISION)
    await add_quiz(client, ids, deadline=china(2026, 12, 20, 18), title="监察法知识测试")
    async with client.sessions() as session:
        campaign = await campaign_service.get(session, campaign_id=campaign_id)
        person = await session.get(Person, signer.person_id)
        assert campaign is not None and person is not None
        await signing.sign(
            session,
            campaign=campaign,
            person=person,
            version_number=1,
            channel=SignatureChannel.PAGE_OAUTH,
            now=clock(),
        )
        await session.commit()
    await admin_console(client)

    signed = (await client.get(f"/admin/people/{signer.person_id}")).text
    duties = signed.split('data-testid="duties"', 1)[1].split("</table>", 1)[0]
    assert "已签署 · 第 1 版 · 2026-12-01" in duties and "尚未作答" in duties
    assert "未签署" in (await client.get(f"/admin/people/{other.person_id}")).text
