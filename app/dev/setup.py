"""The built-in WeChat sandbox (dev and tests), mounted at /sandbox in dev beside /dev/."""

from __future__ import annotations

import httpx
import structlog
from fastapi import FastAPI

from app.config import Settings
from app.dev.demo import DEMO_MEMBERS
from app.dev.sandbox import SandboxConfig, SandboxState, create_sandbox_app
from app.wechat.menu import load_menu

log = structlog.get_logger(__name__)


def create_dev_sandbox(app: FastAPI, settings: Settings) -> FastAPI:
    """The fake WeChat API for this account; it calls back into the app's real POST /wechat."""
    sandbox = create_sandbox_app(
        SandboxConfig(
            app_id=settings.wechat_app_id,
            app_secret=settings.wechat_app_secret.get_secret_value(),
            token=settings.wechat_token.get_secret_value(),
            encoding_aes_key=settings.aes_key,
            account_type=settings.wechat_account_type,
            # In-process, but over the full signed and (in safe mode) encrypted HTTP path.
            callback_url="http://shente.local/wechat",
            callback_transport=httpx.ASGITransport(app=app),
        )
    )
    seed_sandbox(sandbox.state.sandbox, settings)
    return sandbox


def seed_sandbox(state: SandboxState, settings: Settings) -> None:
    """Give the in-memory sandbox the demo followers and the checked-in menu at start-up."""
    for openid, nickname in DEMO_MEMBERS:
        if state.follower(openid) is None:
            state.add_follower(openid, nickname=nickname)
    state.menu = load_menu(base_url=settings.public_base_url)
