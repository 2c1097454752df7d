"""Settings: one validated place for every environment variable (see .env.example)."""

from __future__ import annotations

import os
import socket
from datetime import time
from functools import lru_cache
from typing import Literal

from pydantic import Field, SecretStr, ValidationInfo, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from app.timing import QuietHours, parse_offsets

# Values that mean "nobody configured this". Production refuses to start with any of them.
PLACEHOLDER_SECRETS = frozenset(
    {"", "change-me", "changeme", "dev-secret-key", "dev-token", "admin"}
)

# Dev defaults: a working WeChat identity for the built-in sandbox, never valid against WeChat.
DEV_APP_ID = "wxd0000000000sandbox"
DEV_APP_SECRET = "dev-app-secret"  # noqa: S105 - a sandbox-only credential
DEV_TOKEN = "dev-token"  # noqa: S105
# WeChat's documentation uses this key too: it is public, so production refuses it.
DEV_AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
WECHAT_API = "https://api.weixin.qq.com"
DEV_NOTICE_TEMPLATE = "sandbox_tpl_notice"  # seeded in the sandbox


# Console passwords, ADMIN_PASSWORD included (production checks it at start-up).
MIN_PASSWORD_LENGTH = 10


class ConfigError(RuntimeError):
    """A setting that stops start-up; the message is one line naming the variable."""


class Settings(BaseSettings):
    """Every knob of the service, read from the environment and `.env`."""

    # An empty variable (VAR= in .env, ${VAR:-} in compose) means "use the default".
    model_config = SettingsConfigDict(
        env_file=".env", extra="ignore", case_sensitive=False, env_ignore_empty=True
    )

    app_env: Literal["dev", "test", "prod"] = "dev"
    database_url: str = "sqlite:///./data/shente.db"
    redis_url: str | None = None
    # Namespaces every Redis key, so several deployments (or test runs) can share one server.
    redis_key_prefix: str = "shente:"
    secret_key: SecretStr = SecretStr("dev-secret-key")
    timezone: str = "Asia/Shanghai"
    log_level: str = "INFO"
    log_format: Literal["console", "json"] | None = None

    wechat_app_id: str = ""
    wechat_app_secret: SecretStr = SecretStr("")
    wechat_token: SecretStr = SecretStr("")
    wechat_encoding_aes_key: SecretStr = SecretStr("")
    wechat_account_type: Literal["service", "subscription"] = "service"
    # Empty in dev means the built-in sandbox, mounted at /sandbox.
    wechat_api_base_url: str = ""
    wechat_oauth_base_url: str = "https://open.weixin.qq.com"
    wechat_api_timeout_seconds: float = Field(default=5.0, gt=0)
    wechat_api_max_retries: int = Field(default=3, ge=0)
    # Our own ceiling on outbound calls per second and process (WeChat's limits are per minute).
    wechat_api_rate_per_second: float = Field(default=20.0, gt=0)
    # Where members reach this backend (menu links, /m/ pages, OAuth redirects).
    public_base_url: str = "http://127.0.0.1:8000"
    # "safe" refuses plaintext pushes; "compatible" and "plain" accept whatever WeChat sends.
    wechat_message_mode: Literal["plain", "compatible", "safe"] = "safe"
    wechat_timestamp_tolerance_seconds: int = Field(default=300, ge=1)
    wechat_max_body_bytes: int = Field(default=64 * 1024, ge=1024)
    # WeChat gives up after 5 s; past this budget the member gets a holding reply instead.
    wechat_reply_budget_seconds: float = Field(default=4.0, gt=0)

    # Template messages (certified service accounts): the notice template used for newsletters
    # and notices, with fields thing1 (标题), thing2 (来源), time3 (时间). Empty: not used.
    wechat_template_notice_id: str = ""
    # Subscribe notifications (一次性订阅): a template with fields thing1, time2, thing3.
    wechat_subscribe_template_id: str = ""
    # The tag a subscription account mass-sends to (its only mass channel); empty: no mass send.
    wechat_mass_tag_id: int | None = None

    # Broadcasts: requests in flight per sender, its call rate, attempts per recipient, and how
    # long to wait for WeChat's receipt before an in-doubt template message is sent again.
    broadcast_concurrency: int = Field(default=20, ge=1, le=500)
    broadcast_rate_per_second: float = Field(default=50.0, gt=0)
    broadcast_max_attempts: int = Field(default=5, ge=1)
    broadcast_receipt_grace_seconds: int = Field(default=600, ge=1)
    # No push reaches a phone in these hours (China time); "off" to send at any hour.
    quiet_hours: str = "22:00-07:30"
    # 减负: non-urgent pushes per member per China calendar month; beyond it, notices are
    # merged into the Monday digest (urgent ones and newsletters still count).
    push_budget_per_month: int = Field(default=8, ge=1, le=100)
    # Meeting reminders before the start ("1d,1h": a day and an hour before; m/h/d units), and
    # the time (China) on the day after a meeting when absentees get the make-up task.
    meeting_reminders: str = "1d,1h"
    meeting_followup_time: str = "09:00"
    pledge_reminder_time: str = "09:30"
    # 组织发展: how long a 政审 stays valid before the branch meeting, the 公示's default length
    # in working days, and when (China time) the steps' warnings and the digest are prepared.
    political_review_valid_months: int = Field(default=12, ge=1, le=60)
    notice_working_days: int = Field(default=5, ge=1, le=30)
    admission_reminder_time: str = "09:00"

    # Request bodies above this are refused with 413 before they are read (the largest upload,
    # a meeting attachment, is 10 MiB); the sign-in form has its own 16 KiB.
    max_request_body_bytes: int = Field(default=12 * 1024 * 1024, ge=64 * 1024)
    # /metrics asks for "Authorization: Bearer <METRICS_TOKEN>" when set; in production it is
    # served only when set.
    metrics_token: SecretStr = SecretStr("")

    admin_username: str = "admin"
    admin_password: SecretStr = SecretStr("admin")

    # Backups (`shente backup`; the scheduler's housekeeping.backup once a day at BACKUP_TIME,
    # China time, when set): where they go, how many of the newest are kept, and how many
    # weeks keep their newest one beyond those.
    backup_dir: str = "./backups"
    backup_keep: int = Field(default=14, ge=1)
    backup_keep_weekly: int = Field(default=0, ge=0)
    backup_time: str = ""
    # Worker processes of `shente serve` (uvicorn's workers); one per core is the ceiling.
    web_concurrency: int = Field(default=1, ge=1, le=64)
    # Peers whose X-Forwarded-For / X-Forwarded-Proto uvicorn believes (the reverse proxy);
    # "*" only where nothing but the proxy can reach the app (compose's private network).
    forwarded_allow_ips: str = "127.0.0.1,::1"
    # Names this process in every log line and in /metrics; empty: <hostname>-<pid>.
    instance_id: str = Field(default="", max_length=64)
    # WeChat's daily call limits as the account's 接口权限 page shows them, "api=limit,…"
    # ("message/custom/send=500000"); /metrics compares today's calls with them.
    wechat_daily_quotas: str = ""

    @field_validator("quiet_hours")
    @classmethod
    def _quiet_hours_parse(cls, value: str) -> str:
        QuietHours.parse(value)  # refuse a malformed window at start-up, not at 22:00
        return value

    @field_validator("meeting_reminders")
    @classmethod
    def _reminders_parse(cls, value: str) -> str:
        parse_offsets(value)
        return value

    @field_validator("wechat_daily_quotas")
    @classmethod
    def _quotas_parse(cls, value: str) -> str:
        parse_quotas(value)
        return value

    @field_validator("meeting_followup_time", "pledge_reminder_time", "admission_reminder_time")
    @classmethod
    def _time_of_day(cls, value: str, info: ValidationInfo) -> str:
        try:
            time.fromisoformat(value.strip())
        except ValueError:
            name = str(info.field_name).upper()
            raise ValueError(f"{name} must look like 09:00, not {value!r}") from None
        return value.strip()

    @field_validator("backup_time")
    @classmethod
    def _backup_time(cls, value: str) -> str:
        if value.strip().lower() in {"", "off"}:
            return ""  # no scheduled backup
        try:
            time.fromisoformat(value.strip())
        except ValueError:
            raise ValueError(
                f"BACKUP_TIME must look like 03:30 or be empty, not {value!r}"
            ) from None
        return value.strip()

    def model_post_init(self, context: object, /) -> None:
        """Fill dev/test defaults so the app runs with no WeChat account at all."""
        if self.app_env == "prod":
            if not self.wechat_api_base_url:
                self.wechat_api_base_url = WECHAT_API
            return
        if not self.wechat_app_id:
            self.wechat_app_id = DEV_APP_ID
        if not self.wechat_app_secret.get_secret_value():
            self.wechat_app_secret = SecretStr(DEV_APP_SECRET)
        if not self.wechat_token.get_secret_value():
            self.wechat_token = SecretStr(DEV_TOKEN)
        if not self.wechat_encoding_aes_key.get_secret_value():
            self.wechat_encoding_aes_key = SecretStr(DEV_AES_KEY)
        if self.uses_sandbox and not self.wechat_template_notice_id:
            self.wechat_template_notice_id = DEV_NOTICE_TEMPLATE

    @property
    def is_dev(self) -> bool:
        """True in the developer set-up, where the sandbox and simulator are mounted."""
        return self.app_env == "dev"

    @property
    def uses_sandbox(self) -> bool:
        """True when outbound calls go to the built-in sandbox instead of WeChat."""
        return not self.wechat_api_base_url and self.app_env != "prod"

    @property
    def aes_key(self) -> str | None:
        """The EncodingAESKey, or None when the account runs in plaintext mode only."""
        return self.wechat_encoding_aes_key.get_secret_value() or None

    def secret_values(self) -> list[str]:
        """Every secret this process knows, so log redaction can mask them."""
        values = [
            self.secret_key.get_secret_value(),
            self.wechat_app_secret.get_secret_value(),
            self.wechat_token.get_secret_value(),
            self.wechat_encoding_aes_key.get_secret_value(),
            self.admin_password.get_secret_value(),
            self.metrics_token.get_secret_value(),
        ]
        return [v for v in values if len(v) >= 6]

    def check_production(self) -> None:
        """Refuse placeholder secrets and a missing WeChat set-up when APP_ENV=prod."""
        if self.app_env != "prod":
            return
        required: list[tuple[str, str]] = [
            ("SECRET_KEY", self.secret_key.get_secret_value()),
            ("WECHAT_APP_ID", self.wechat_app_id),
            ("WECHAT_APP_SECRET", self.wechat_app_secret.get_secret_value()),
            ("WECHAT_TOKEN", self.wechat_token.get_secret_value()),
            ("ADMIN_PASSWORD", self.admin_password.get_secret_value()),
        ]
        if self.wechat_message_mode != "plain":
            required.append(("WECHAT_ENCODING_AES_KEY", self.aes_key or ""))
        for name, value in required:
            if not value:
                raise ConfigError(f"启动失败：环境变量 {name} 未设置（APP_ENV=prod 时必须提供）")
            if value.lower() in PLACEHOLDER_SECRETS or value.startswith(("dev-", "wxd0000")):
                raise ConfigError(f"启动失败：环境变量 {name} 仍是占位值，请换成真实的值")
        if len(self.admin_password.get_secret_value()) < MIN_PASSWORD_LENGTH:
            raise ConfigError(
                f"启动失败：环境变量 ADMIN_PASSWORD 太短（至少 {MIN_PASSWORD_LENGTH} 个字符）"
            )
        if self.aes_key == DEV_AES_KEY:
            raise ConfigError(
                "启动失败：环境变量 WECHAT_ENCODING_AES_KEY 是公开的示例密钥，请在公众平台重新生成"
            )
        if len(self.secret_key.get_secret_value()) < 32:
            raise ConfigError("启动失败：环境变量 SECRET_KEY 太短（至少 32 个字符）")
        aes_key = self.aes_key
        if aes_key is not None and len(aes_key) != 43:
            raise ConfigError("启动失败：环境变量 WECHAT_ENCODING_AES_KEY 必须是 43 个字符")


def parse_quotas(value: str) -> dict[str, int]:
    """WECHAT_DAILY_QUOTAS ("api=limit,…") as a mapping; a malformed entry is a ValueError."""
    quotas: dict[str, int] = {}
    for item in filter(None, (part.strip() for part in value.split(","))):
        api, _, limit = item.partition("=")
        if not api.strip() or not limit.strip().isdigit():
            raise ValueError(f"WECHAT_DAILY_QUOTAS entries look like api=500000, not {item!r}")
        quotas[api.strip()] = int(limit)
    return quotas


def instance_id(settings: Settings) -> str:
    """This process's name in logs and metrics: INSTANCE_ID, else <hostname>-<pid>."""
    return settings.instance_id or f"{socket.gethostname()[:40]}-{os.getpid()}"


@lru_cache
def get_settings() -> Settings:
    """The process-wide settings, read once."""
    return Settings()
