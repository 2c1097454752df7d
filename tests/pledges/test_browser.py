"""Signing the 廉洁承诺书 in a real Chromium on a phone-sized screen, against a real server.

Needs Debian's Chromium (`apt-get install chromium fonts-wqy-microhei`); without it the test is
skipped, or fails with CI=true. The server's database gets, through the app's services, two
Party members bound to WeChat and a published campaign; each member opens the per-person link
of their prompt (/m/r/<token>), goes through the sandbox's WeChat OAuth page, and taps 我承诺.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from playwright.async_api import ConsoleMessage, Page, ViewportSize, expect
from sqlmodel import col, select

from app.config import Settings
from app.db import create_engine, session_factory, unit_of_work
from app.models import (
    AudienceKind,
    BroadcastRecipient,
    OrgUnit,
    OrgUnitKind,
    PledgeCampaign,
    PledgeSignature,
    PoliticalStage,
)
from app.models.people import PersonCreate
from app.models.types import utcnow
from app.services import audit
from app.services.binding import followers as follower_service
from app.services.broadcasts.links import RecipientLinks
from app.services.people import org_units as org_unit_service
from app.services.people import roster as people_service
from app.services.pledges import campaigns
from app.services.pledges.campaigns import CampaignDraft, text_hash
from tests.support.browser import NewContext
from tests.support.dev_app import dev_server
from tests.support.pledges import draft_with_text

pytestmark = pytest.mark.browser

SECRET_KEY = "pledge-browser-secret-key"
STEP_TIMEOUT_MS = 8_000
ACTOR = audit.Actor(id=None, name="browser-test")
PHONE: ViewportSize = {"width": 390, "height": 844}
# WeChat's in-app browser on an iPhone: the page is read there, not in a desktop browser.
WECHAT_UA = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Mobile/15E148 MicroMessenger/8.0.47(0x18002f2c) NetType/WIFI "
    "Language/zh_CN"
)

TITLE = "2026年度党员廉洁承诺书"
MIDDLE = "三、严格执行中央八项规定精神，不收受可能影响公正执行公务的礼品、礼金、消费卡。"
TEXT = (
    "本人作为神特新材党支部的一名共产党员，郑重承诺：\n"
    "一、坚定理想信念，严守政治纪律和政治规矩，自觉维护党的团结统一。\n"
    "二、廉洁自律，秉公用权，不以权谋私，不在采购、招标等环节为本人或他人谋取利益。\n"
    f"{MIDDLE}\n"
    "四、不违规操办婚丧喜庆事宜，不借机敛财。\n"
    "五、管好家属和身边工作人员，发现问题及时报告。\n"
    "承诺人自愿接受组织和群众监督，如有违反，愿承担相应责任。"
)
ADDED = "六、带头落实保密制度，不泄露公司商业秘密和技术秘密。"
TEXT_V2 = TEXT.replace("\n承诺人自愿", f"\n{ADDED}\n承诺人自愿")
UPDATED = "承诺书内容已更新为第 2 版，请阅读以下最新内容后重新确认。"
# (工号, 姓名, openid): A signs first; B's page goes stale while the text changes.
MEMBER_A = ("PB001", "陈静", "oPLEDGEBROWSER0000000000001")
MEMBER_B = ("PB002", "林涛", "oPLEDGEBROWSER0000000000002")


@dataclass(frozen=True)
class Seeded:
    """What the test put in the server's database: the campaign and each member's push link."""

    campaign_id: int
    person_ids: dict[str, int]
    push_links: dict[str, str]


def _settings(tmp: Path, base: str) -> Settings:
    """The settings the server runs with (the same database, base URL and secret)."""
    return Settings(
        app_env="dev",
        database_url=f"sqlite:///{tmp}/t.db",
        redis_url=None,
        public_base_url=base,
        secret_key=SECRET_KEY,
        quiet_hours="off",
    )


async def _seed(settings: Settings) -> Seeded:
    """Two members bound to WeChat, the campaign published, a prompt row for each of them."""
    now = utcnow()
    engine = create_engine(settings.database_url)
    try:
        async with unit_of_work(session_factory(engine)) as session:
            branch = await org_unit_service.ensure_default_tree(session)
            group = next(
                unit
                for unit in (await session.exec(select(OrgUnit))).all()
                if unit.kind == OrgUnitKind.GROUP.value
            )
            person_ids = {}
            for number, name, openid in (MEMBER_A, MEMBER_B):
                person = await people_service.create(
                    session,
                    data=PersonCreate(
                        employee_no=number,
                        name=name,
                        org_unit_id=group.id,
                        stage=PoliticalStage.FULL,
                    ),
                    actor=ACTOR,
                )
                follower = await follower_service.record_subscribe(
                    session, openid=openid, scene=None, now=now
                )
                follower.person_id, follower.bound_at = person.id, now
                session.add(follower)
                assert person.id is not None
                person_ids[name] = person.id
            await session.flush()
            assert branch.id is not None
            draft = CampaignDraft(
                title=TITLE,
                year=2026,
                org_unit_id=branch.id,
                audience=AudienceKind.MEMBERS_AND_MANAGERS,
                deadline=now + timedelta(days=30),
                text=TEXT,
            )
            campaign = await campaigns.create(session, draft=draft, actor=ACTOR, now=now)
            prompt = await campaigns.publish(
                session, campaign=campaign, settings=settings, actor=ACTOR, now=now
            )
            assert prompt is not None and campaign.id is not None
            rows = (
                await session.exec(
                    select(BroadcastRecipient).where(BroadcastRecipient.broadcast_id == prompt.id)
                )
            ).all()
            links = RecipientLinks(settings.public_base_url, settings.secret_key.get_secret_value())
            by_person = {row.person_id: links.url(row.id or 0) for row in rows}
            push_links = {name: by_person[person_id] for name, person_id in person_ids.items()}
            return Seeded(campaign.id, person_ids, push_links)
    finally:
        await engine.dispose()


async def _edit_text(settings: Settings, campaign_id: int, text: str) -> None:
    """The admin changes the text while a page is open: version 2."""
    engine = create_engine(settings.database_url)
    try:
        async with unit_of_work(session_factory(engine)) as session:
            campaign = await session.get(PledgeCampaign, campaign_id)
            assert campaign is not None
            draft = draft_with_text(campaign, text)
            await campaigns.update(
                session, campaign=campaign, draft=draft, actor=ACTOR, now=utcnow()
            )
            assert campaign.current_version == 2
    finally:
        await engine.dispose()


async def _signatures(settings: Settings, campaign_id: int) -> list[PledgeSignature]:
    """Every signature of the campaign, oldest first."""
    engine = create_engine(settings.database_url)
    try:
        async with session_factory(engine)() as session:
            statement = (
                select(PledgeSignature)
                .where(PledgeSignature.campaign_id == campaign_id)
                .order_by(col(PledgeSignature.id))
            )
            return list((await session.exec(statement)).all())
    finally:
        await engine.dispose()


@pytest.fixture(scope="module")
def pledge_server(
    chromium: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, Settings, Seeded]]:
    """The dev app with the two members and the published campaign in its database."""
    tmp: Path = tmp_path_factory.mktemp("pledges")
    with dev_server(tmp, SECRET_KEY=SECRET_KEY) as base:
        settings = _settings(tmp, base)
        seeded = asyncio.run(_seed(settings))
        # The sandbox's OAuth page offers the followers it knows: the members' WeChats.
        for _, name, openid in (MEMBER_A, MEMBER_B):
            body = {"openid": openid, "nickname": name}
            httpx.post(f"{base}/sandbox/_sandbox/followers", json=body).raise_for_status()
        yield base, settings, seeded


def _base_of(page: Page) -> str:
    """The page's scheme and host, to show console URLs by their path."""
    return "/".join(page.url.split("/", 3)[:3])


async def _phone(new_context: NewContext, errors: list[str]) -> Page:
    """A fresh phone (its own cookies: its own WeChat), collecting console errors."""
    context = await new_context(
        viewport=PHONE,
        device_scale_factor=3,
        is_mobile=True,
        has_touch=True,
        user_agent=WECHAT_UA,
        locale="zh-CN",
    )
    page = await context.new_page()
    page.set_default_timeout(STEP_TIMEOUT_MS)
    page.on("pageerror", lambda exc: errors.append(str(exc)))

    def on_console(message: ConsoleMessage) -> None:
        url = str(message.location.get("url", ""))
        if message.type == "error":
            errors.append(f"console: {message.text} ({url.removeprefix(_base_of(page))})")

    page.on("console", on_console)
    return page


async def _open_push(page: Page, base: str, link: str, name: str, campaign_id: int) -> None:
    """Tap the push's link; WeChat (the sandbox) asks who is reading; back on the pledge page."""
    await page.goto(link)
    await expect(page).to_have_url(re.compile(r"/sandbox/connect/oauth2/authorize\?"))
    await page.get_by_role("link", name=name, exact=True).click()
    await expect(page).to_have_url(re.compile(rf"^{re.escape(base)}/m/pledges/{campaign_id}\?t="))


async def _fits(page: Page) -> None:
    """Nothing wider than the phone: no sideways scrolling."""
    width = await page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"page is {width} px wide on a {PHONE['width']} px phone"


async def _to_sign(page: Page, name: str, version: int, text: str) -> None:
    """The full text of this version, the member named as signer, and the 我承诺 button."""
    await expect(page.get_by_test_id("pledge-title")).to_have_text(TITLE)
    await expect(page.get_by_text(f"第 {version} 版 · 截止")).to_be_visible()
    await expect(page.get_by_test_id("pledge-text")).to_contain_text(MIDDLE)
    assert await page.get_by_test_id("pledge-text").inner_text() == text
    await expect(page.get_by_test_id("sign-form")).to_contain_text(f"签署人：{name}")
    await expect(page.get_by_test_id("sign-button")).to_be_visible()
    await expect(page.get_by_test_id("pledge-signed")).to_have_count(0)
    await expect(page.locator('link[rel="icon"]')).to_have_count(1)  # it never asks for a favicon
    await _fits(page)


async def _signed(page: Page, name: str, version: int) -> None:
    """The signed state: who, which version; no button any more."""
    signed = page.get_by_test_id("pledge-signed")
    await expect(signed).to_contain_text(f"{name}，您已于")
    await expect(signed).to_contain_text(f"签署本承诺书（第 {version} 版）")
    await expect(page.get_by_test_id("sign-button")).to_have_count(0)
    await expect(page.get_by_test_id("pledge-notice")).to_have_count(0)
    await _fits(page)


async def test_members_sign_on_the_phone_and_a_stale_page_asks_again(
    pledge_server: tuple[str, Settings, Seeded], new_context: NewContext
) -> None:
    """A signs from the push; B's open page goes stale, is told so, and signs version 2."""
    base, settings, seeded = pledge_server
    campaign_id = seeded.campaign_id
    a_name, b_name = MEMBER_A[1], MEMBER_B[1]
    errors: list[str] = []
    page_a = await _phone(new_context, errors)
    await _open_push(page_a, base, seeded.push_links[a_name], a_name, campaign_id)
    await _to_sign(page_a, a_name, 1, TEXT)
    await page_a.get_by_test_id("sign-button").tap()
    await _signed(page_a, a_name, 1)
    await page_a.reload()
    await _signed(page_a, a_name, 1)

    [signature] = await _signatures(settings, campaign_id)
    assert signature.person_id == seeded.person_ids[a_name]
    assert (signature.version_number, signature.channel) == (1, "page_oauth")
    assert signature.text_sha256 == text_hash(TEXT)

    page_b = await _phone(new_context, errors)
    await _open_push(page_b, base, seeded.push_links[b_name], b_name, campaign_id)
    await _to_sign(page_b, b_name, 1, TEXT)
    await _edit_text(settings, campaign_id, TEXT_V2)
    await page_b.get_by_test_id("sign-button").tap()
    await expect(page_b.get_by_test_id("pledge-notice")).to_have_text(UPDATED)
    await expect(page_b.get_by_test_id("pledge-text")).to_contain_text(ADDED)
    await _to_sign(page_b, b_name, 2, TEXT_V2)
    assert len(await _signatures(settings, campaign_id)) == 1  # B: nothing yet

    await page_b.get_by_test_id("sign-button").tap()
    await _signed(page_b, b_name, 2)
    await expect(page_b.get_by_test_id("pledge-text")).to_contain_text(ADDED)

    # A's signature keeps the text A read: their page still shows version 1.
    await page_a.reload()
    await _signed(page_a, a_name, 1)
    assert await page_a.get_by_test_id("pledge-text").inner_text() == TEXT
    # Chromium reports the stale tap's answer (409, the page with the new text) as a
    # failed load; that status is the app's design, and it is the only message.
    assert errors == [
        "console: Failed to load resource: the server responded with a status of "
        f"409 (Conflict) (/m/pledges/{campaign_id}/sign)"
    ]

    first, second = await _signatures(settings, campaign_id)
    assert first.text_sha256 == text_hash(TEXT) and first.version_number == 1
    assert second.person_id == seeded.person_ids[b_name]
    assert (second.version_number, second.channel) == (2, "page_oauth")
    assert second.text_sha256 == text_hash(TEXT_V2)
