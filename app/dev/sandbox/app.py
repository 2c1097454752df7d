"""create_sandbox_app: the fake WeChat API as one FastAPI app."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from app.dev.sandbox import (
    pipeline,
    routes_control,
    routes_mass,
    routes_media,
    routes_menu,
    routes_message,
    routes_oauth,
    routes_qrcode,
    routes_token,
    routes_user,
)
from app.dev.sandbox.callbacks import SandboxCallbacks
from app.dev.sandbox.config import SandboxConfig
from app.dev.sandbox.state import SandboxState

API_ROUTERS = (
    routes_token.router,
    routes_message.router,
    routes_mass.router,
    routes_media.router,
    routes_menu.router,
    routes_user.router,
    routes_oauth.router,
    routes_qrcode.router,
)


def create_sandbox_app(config: SandboxConfig, state: SandboxState | None = None) -> FastAPI:
    """Build the fake WeChat API; `app.state.sandbox` is its SandboxState."""
    state = state if state is not None else SandboxState(config)
    state.config = config
    callbacks = SandboxCallbacks(config, state)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        # Only runs when served on its own: a mounted sub-app gets no lifespan events.
        yield
        state.release_hangs()
        await callbacks.aclose()

    app = FastAPI(
        title="WeChat sandbox",
        summary="A fake api.weixin.qq.com with WeChat's rules and error codes (dev and tests)",
        lifespan=lifespan,
    )
    app.state.sandbox = state
    app.state.sandbox_callbacks = callbacks
    app.state.sandbox_ctx = pipeline.Sandbox(config=config, state=state, callbacks=callbacks)
    pipeline.install(app, API_ROUTERS)
    app.include_router(routes_oauth.pages)
    app.include_router(routes_control.router)
    return app
