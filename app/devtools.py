"""Developer mode: the built-in WeChat sandbox at /sandbox and the phone simulator at /dev/."""

from __future__ import annotations

import httpx
import structlog
from fastapi import FastAPI

from app.config import Settings
from app.demo import DEMO_MEMBERS
from app.sandbox import SandboxConfig, SandboxState, create_sandbox_app
from app.wechat.menu import load_menu

log = structlog.get_logger(__name__)


def mount_sandbox(app: FastAPI, settings: Settings) -> FastAPI:
    """Mount the fake WeChat API; it calls back into this app's real POST /wechat path."""
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
    app.mount("/sandbox", sandbox)
    app.state.sandbox_app = sandbox
    seed_sandbox(sandbox.state.sandbox, settings)
    return sandbox


def seed_sandbox(state: SandboxState, settings: Settings) -> None:
    """Give the in-memory sandbox the demo followers and the checked-in menu at start-up."""
    for openid, nickname in DEMO_MEMBERS:
        if state.follower(openid) is None:
            state.add_follower(openid, nickname=nickname)
    state.menu = load_menu(base_url=settings.public_base_url)
