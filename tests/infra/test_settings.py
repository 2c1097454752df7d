"""Settings: working dev defaults, and production refusing placeholders with one clear line."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from app.config import DEV_AES_KEY, ConfigError, Settings

GOOD_PROD = {
    "app_env": "prod",
    "secret_key": "k" * 40,
    "wechat_app_id": "wx1234567890abcdef",
    "wechat_app_secret": "0123456789abcdef0123456789abcdef",
    "wechat_token": "a-real-callback-token",
    "wechat_encoding_aes_key": "Zq3m9XbT0vK7pLw2Rn5sYc8Hd1Fg4Ju6Ea0Vi7Ot3Ux",
    "admin_password": "a long admin password",
}


def _settings(**values) -> Settings:
    return Settings(_env_file=None, **values)


def test_dev_needs_no_configuration():
    settings = _settings()
    settings.check_production()
    assert (
        settings.wechat_app_id and settings.aes_key and settings.database_url.startswith("sqlite")
    )


def test_good_production_settings_pass():
    _settings(**GOOD_PROD).check_production()


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("WECHAT_TOKEN", "", "未设置"),
        ("WECHAT_APP_ID", "", "未设置"),
        ("WECHAT_APP_SECRET", "", "未设置"),
        ("WECHAT_ENCODING_AES_KEY", "", "未设置"),
        ("SECRET_KEY", "change-me", "占位值"),
        ("ADMIN_PASSWORD", "admin", "占位值"),
        ("SECRET_KEY", "short-but-not-placeholder", "太短"),
        ("WECHAT_ENCODING_AES_KEY", "tooshort", "43"),
        ("ADMIN_PASSWORD", "abc", "太短"),
        ("WECHAT_ENCODING_AES_KEY", DEV_AES_KEY, "公开的示例密钥"),
    ],
)
def test_production_refuses_missing_or_placeholder_values(variable, value, message):
    with pytest.raises(ConfigError) as raised:
        _settings(**(GOOD_PROD | {variable.lower(): value})).check_production()
    text = str(raised.value)
    assert variable in text and message in text and "\n" not in text


def test_plaintext_mode_needs_no_aes_key_in_production():
    _settings(
        **(GOOD_PROD | {"wechat_encoding_aes_key": "", "wechat_message_mode": "plain"})
    ).check_production()


@pytest.mark.parametrize("command", [["-m", "app.cli", "serve"], ["-c", "import app.main"]])
def test_start_up_refuses_with_one_line(command, tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("WECHAT_", "SECRET_"))}
    env |= {
        "APP_ENV": "prod",
        "SECRET_KEY": "k" * 40,
        "WECHAT_APP_ID": "wx1234567890abcdef",
        "WECHAT_APP_SECRET": "s" * 32,
        "ADMIN_PASSWORD": "a long admin password",
        "WECHAT_ENCODING_AES_KEY": GOOD_PROD["wechat_encoding_aes_key"],
    }
    root = Path(__file__).resolve().parents[2]
    result = subprocess.run(
        [sys.executable, *command],
        cwd=tmp_path,
        env=env | {"PYTHONPATH": str(root)},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "WECHAT_TOKEN" in lines[0], result.stderr


def test_env_example_documents_every_setting():
    documented = (Path(__file__).resolve().parents[2] / ".env.example").read_text("utf-8")
    missing = [
        name.upper() for name in Settings.model_fields if f"\n{name.upper()}=" not in documented
    ]
    assert missing == [], f".env.example does not document {missing}"


def test_copying_env_example_keeps_dev_on_the_sandbox(tmp_path):
    """A newcomer who copies .env.example must not start calling the real WeChat."""
    example = Path(__file__).resolve().parents[2] / ".env.example"
    env_file = tmp_path / ".env"
    env_file.write_text(example.read_text("utf-8"), "utf-8")
    settings = Settings(_env_file=env_file)
    assert settings.app_env == "dev" and settings.uses_sandbox
