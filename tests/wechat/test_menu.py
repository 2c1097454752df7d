"""The menu file: WeChat's limits checked locally, one line per problem, nothing pushed if bad."""

from __future__ import annotations

import asyncio
import os

import pytest

from app.dev.sandbox import SandboxConfig, create_sandbox_app
from app.dev.sandbox.server import serve_in_background
from app.wechat.menu import MENU_FILE, MenuError, button_names, load_menu, validate_menu
from tests.support.commands import run_shente
from tests.support.plugin import migrate


def _menu(*tops):
    return {"button": list(tops)}


def _click(name, key="K"):
    return {"name": name, "type": "click", "key": key}


def test_the_shipped_menu_is_valid_and_covers_the_four_mechanisms():
    menu = load_menu(MENU_FILE, base_url="https://dj.example.com")
    validate_menu(menu)
    names = set(button_names(menu).values())
    for wanted in (
        "学习日签到",
        "请假",
        "廉洁承诺",
        "提建议",
        "写感悟",
        "我的记录",
        "《神特组宣》",
        "《神特清风》",
    ):
        assert wanted in names


def test_page_paths_become_absolute_links(tmp_path):
    path = tmp_path / "menu.toml"
    path.write_text('[[button]]\nname = "页面"\ntype = "view"\nurl = "/m/me"\n', encoding="utf-8")
    menu = load_menu(path, base_url="https://dj.example.com/")
    assert menu["button"][0]["url"] == "https://dj.example.com/m/me"


@pytest.mark.parametrize(
    ("menu", "message"),
    [
        (_menu(), "0 top buttons"),
        (_menu(*[_click(f"b{i}", f"k{i}") for i in range(4)]), "4 top buttons"),
        (
            _menu(_click("党建学习平台入口")),
            "「党建学习平台入口」: name is 24 bytes, the limit is 16",
        ),
        (
            _menu({"name": "学习", "sub_button": [_click(f"s{i}", f"k{i}") for i in range(6)]}),
            "「学习」: 6 sub-buttons",
        ),
        (
            _menu({"name": "学习", "sub_button": [_click("很" * 21)]}),
            "name is 63 bytes, the limit is 60",
        ),
        (_menu(_click("签到", "K" * 129)), "「签到」: key is 129 bytes, the limit is 128"),
        (
            _menu({"name": "链接", "type": "view", "url": "https://x.cn/" + "a" * 1020}),
            "url is 1033 bytes, the limit is 1024",
        ),
        (_menu({"name": "链接", "type": "view", "url": "ftp://x.cn"}), "http:// or https://"),
        (_menu({"name": "链接", "type": "view"}), "type view needs a url"),
        (_menu({"name": "怪", "type": "teleport"}), "unknown type 'teleport'"),
        (_menu({"name": "", "type": "click", "key": "K"}), "a button needs a name"),
        (
            _menu({"name": "学习", "sub_button": [_click("甲", "SAME"), _click("乙", "SAME")]}),
            "「学习」→「乙」: key SAME is already used by 「学习」→「甲」",
        ),
    ],
)
def test_each_limit_is_named_in_one_line(menu, message):
    with pytest.raises(MenuError) as raised:
        validate_menu(menu)
    assert message in str(raised.value) and "\n" not in str(raised.value)


async def test_sync_pushes_a_valid_menu_and_nothing_when_invalid(tmp_path):
    config = SandboxConfig(
        app_id="wxmenutest000001", app_secret="s" * 32, token="t" * 16, encoding_aes_key=None
    )
    sandbox = create_sandbox_app(config)
    database = f"sqlite:///{tmp_path / 'cli.db'}"
    await asyncio.to_thread(migrate, database)
    bad = tmp_path / "bad.toml"
    bad.write_text('[[button]]\nname = "党建学习平台入口"\ntype = "click"\nkey = "K"\n', "utf-8")
    async with serve_in_background(sandbox) as base_url:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("WECHAT_", "DATABASE_"))}
        env |= {
            "APP_ENV": "test",
            "DATABASE_URL": database,
            "WECHAT_API_BASE_URL": base_url,
            "WECHAT_APP_ID": config.app_id,
            "WECHAT_APP_SECRET": config.app_secret,
        }
        code, out = await run_shente(env, "menu", "sync", "--file", str(bad))
        assert code == 1 and "name is 24 bytes" in out
        assert sandbox.state.sandbox.menu is None  # nothing was pushed

        code, out = await run_shente(env, "menu", "sync")
        assert code == 0, out
        pushed = sandbox.state.sandbox.menu
        assert pushed is not None
        assert [top["name"] for top in pushed["button"]] == ["学习", "参与", "我的"]

        code, out = await run_shente(env, "menu", "show")
        assert code == 0 and "学习日签到" in out and "STUDY_CHECKIN" in out
