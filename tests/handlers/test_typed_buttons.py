"""Every click button's name, typed, does what tapping the button does; 帮助 lists them."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from app.handlers.common import UNKNOWN_TEXT
from app.services.newsletters import issues as newsletter_service
from tests.support.chat import add_party_members

MENU = tomllib.loads((Path(__file__).parents[2] / "app" / "menu.toml").read_text("utf-8"))
BUTTONS = {
    button["key"]: button["name"]
    for top in MENU["button"]
    for button in [top, *top.get("sub_button", [])]
    if button.get("type") == "click"
}
NOT_OPEN: set[str] = set()


@pytest.fixture(autouse=True)
async def series(client):
    """《神特组宣》 and 《神特清风》, as the first start makes them."""
    async with client.sessions() as session:
        await newsletter_service.ensure_default_series(session)
        await session.commit()


async def test_typing_a_buttons_name_answers_like_tapping_it(client, chat):
    assert len(BUTTONS) >= 10
    # Two twins per button: one taps, the other types (the same state, names apart).
    tappers = await add_party_members(client, len(BUTTONS), prefix="t")
    typists = await add_party_members(client, len(BUTTONS), prefix="y")
    for i, (key, name) in enumerate(BUTTONS.items()):
        tapped = await chat.click(tappers[i].openid, key)
        typed = await chat.say(typists[i].openid, name)
        as_typist = tapped.replace(f"党员t{i}", f"党员y{i}").replace(f"t{i:04d}", f"y{i:04d}")
        assert typed == as_typist, (name, tapped, typed)
        assert typed != UNKNOWN_TEXT, name


async def test_a_series_name_is_understood_without_its_brackets(client, chat):
    (member,) = await add_party_members(client, 1)
    tapped = await chat.click(member.openid, "ARCHIVE_ZUXUAN")
    assert await chat.say(member.openid, "神特组宣") == tapped


async def test_help_lists_the_buttons_that_work_and_not_those_coming(client, chat):
    (member,) = await add_party_members(client, 1)
    reply = await chat.say(member.openid, "帮助")
    for key, name in BUTTONS.items():
        if key in NOT_OPEN:
            assert f"「{name}」" not in reply
        else:
            assert f"「{name}」" in reply or name in {"请假", "补学"}, name
    assert "「请假」" in reply and "「补学」" in reply
