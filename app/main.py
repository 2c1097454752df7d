"""The ASGI application: `app.main:app`, built by `create_app()`."""

from __future__ import annotations

import asyncio
import gc
import sys
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import datetime
from functools import cache
from importlib.metadata import version

import httpx
import structlog
from anyio import CapacityLimiter
from fastapi import APIRouter, Depends, FastAPI
from fastapi.staticfiles import StaticFiles
from prometheus_fastapi_instrumentator import Instrumentator
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession
from starlette.middleware.sessions import SessionMiddleware
from starlette.routing import BaseRoute

from app.api import docs, guards, health, instrumentation, wechat
from app.api import v1 as api_v1
from app.api.errors import install_error_handlers
from app.api.guards import BodyLimitMiddleware, HstsMiddleware
from app.api.lane import CallbackLane, LanedApp
from app.api.observability import StateMetrics
from app.broadcasting.pool import SenderPool
from app.config import ConfigError, Settings, get_settings, instance_id, parse_quotas
from app.db import create_engine, session_factory, unit_of_work
from app.dev import simulator as dev_pages
from app.dev.setup import create_dev_sandbox
from app.features import combined, layer_modules
from app.handlers import MessageRouter, default_router
from app.handlers.followups import CustomMessageFollowUps, FollowUpSender
from app.handlers.runtime import Dispatcher
from app.jobs.imports import ImportWorker
from app.jobs.runner import build_scheduler, in_process_runner
from app.logging import RequestIdMiddleware, configure_logging
from app.metrics import Metrics
from app.models.types import utcnow
from app.services.accounts import admins as admin_service
from app.services.newsletters import issues as newsletter_service
from app.services.people import org_units as org_unit_service
from app.web import admin as admin_console
from app.web.member import reader as member_reader
from app.web.member.headers import MemberPageHeaders
from app.web.templating import STATIC_DIR
from app.wechat.crypto import MessageCrypto
from app.wechat.dedup import (
    NoResponseCache,
    RedisResponseCache,
    ResponseCache,
    SignedQueries,
)
from app.wechat.setup import create_client, token_store

log = structlog.get_logger(__name__)


def _crypto(settings: Settings) -> MessageCrypto | None:
    aes_key = settings.aes_key
    if aes_key is None:
        return None
    return MessageCrypto(
        token=settings.wechat_token.get_secret_value(),
        encoding_aes_key=aes_key,
        app_id=settings.wechat_app_id,
    )


async def _ensure_first_run(settings: Settings, sessions: async_sessionmaker[AsyncSession]) -> None:
    """Create the default organisation tree and the first admin (ADMIN_USERNAME / _PASSWORD)."""
    try:
        async with unit_of_work(sessions) as session:
            # A new install needs its tree before the first roster import can place anyone.
            await org_unit_service.ensure_default_tree(session)
            await newsletter_service.ensure_default_series(session)
            created = await admin_service.ensure_first_admin(
                session,
                username=settings.admin_username,
                password=settings.admin_password.get_secret_value(),
            )
    except Exception as exc:  # an unmigrated database must not stop start-up
        log.warning("first admin not checked", error=type(exc).__name__)
        return
    if created is not None:
        log.info("first admin created", username=settings.admin_username)


@cache
def _page_routes(prod: bool) -> tuple[BaseRoute, ...]:
    """Every router's routes in matching order, included once per process and kind of app."""
    # FastAPI builds an included router's routes (signatures, dependants, pydantic schemas) on
    # first use, once per inclusion: included into each app, that was ~0.4 s on each app's
    # first request, paid by every test that builds an app. Included here once, the built
    # routes are shared by a process's apps, as `wechat.routes` are. (So they would not see an
    # `app.dependency_overrides`; nothing uses it: tests pass create_app their own parts.)
    pages = APIRouter()
    pages.include_router(health.router)
    if prod:
        pages.include_router(guards.signed_in_docs)  # /docs, /openapi.json behind the console
    else:
        pages.include_router(docs.router)  # /docs
    # /m/oauth/callback, then every feature's member pages: /m/me, /m/bind, /m/meetings/<id>, …
    pages.include_router(combined(member_reader, *layer_modules("web.member")))
    pages.include_router(member_reader.missing)  # any other /m/ address: the member 404 page
    pages.include_router(admin_console.router)  # /admin/…, CSRF checked on every POST
    pages.include_router(api_v1.router)  # /api/v1/…: bearer token or the console's cookie
    return tuple(pages.routes)


def create_app(
    settings: Settings | None = None,
    *,
    router: MessageRouter | None = None,
    clock: Callable[[], datetime] = utcnow,
    followups: FollowUpSender | None = None,
) -> FastAPI:
    """Build the app; tests pass their own settings, router, clock and follow-up sender."""
    settings = settings or get_settings()
    settings.check_production()
    log_format = settings.log_format or ("json" if settings.app_env == "prod" else "console")
    instance = instance_id(settings)
    configure_logging(
        level=settings.log_level,
        json=log_format == "json",
        secrets=settings.secret_values(),
        instance=instance,
    )
    engine = create_engine(settings.database_url)
    sessions = session_factory(engine)
    redis = (
        Redis.from_url(settings.redis_url, socket_timeout=1, socket_connect_timeout=1)
        if settings.redis_url
        else None
    )
    cache: ResponseCache = (
        RedisResponseCache(redis, prefix=settings.redis_key_prefix)
        if redis is not None
        else NoResponseCache()
    )
    metrics = Metrics(
        instance=instance,
        version=version("shente"),
        quotas=parse_quotas(settings.wechat_daily_quotas),
    )
    # Broadcasts, the scheduler and deferred replies, read from the database when scraped.
    state_metrics = StateMetrics(sessions, clock=clock).register(metrics.registry)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # Everything loaded so far lives as long as the process: keep the collector off it,
        # and collect the young generation less often (each request allocates thousands of
        # short-lived objects; the default threshold of 700 made full collections the p99).
        gc.freeze()
        gc.set_threshold(20_000, 20, 20)
        await _ensure_first_run(settings, sessions)
        app.state.imports.kick()
        scheduler = runner = None
        if settings.is_dev:
            # In dev the scheduled jobs run inside the app; production runs `shente scheduler`.
            runner = in_process_runner(app.state)
            scheduler = build_scheduler(settings, runner)
            scheduler.start()
        yield
        if scheduler is not None and runner is not None:
            scheduler.shutdown(wait=False)
            await runner.release()
        # Shutdown (SIGTERM): uvicorn has stopped accepting and answered what was in flight.
        # The sender hands back what it has not sent; it, the imports and the deferred handlers
        # get the reply budget together — a handler still running past it is settled later by
        # the messages.orphans job, an unfinished import is claimed again.
        budget = settings.wechat_reply_budget_seconds
        await asyncio.gather(
            app.state.broadcasts.stop(budget),
            app.state.imports.stop(budget),
            app.state.dispatcher.drain(budget),
        )
        await app.state.wechat.aclose()
        await app.state.broadcast_client.aclose()
        if redis is not None:
            await redis.aclose()
        await engine.dispose()

    prod = settings.app_env == "prod"
    app = LanedApp(
        title="神特党建",
        summary="WeChat Official Account backend of the Shente Party branch",
        version="0.1.0",
        lifespan=lifespan,
        # /docs is Swagger UI from vendored files (app.api.docs), never a CDN; ReDoc would be.
        # In production the API's description is served to signed-in console users only.
        docs_url=None,
        redoc_url=None,
        openapi_url=None if prod else "/openapi.json",
        # Metrics go to Prometheus (app.metrics); FastAPI's OpenTelemetry hooks, with no
        # provider configured, would only look for one on every request.
        telemetry={"tracing": False, "metrics": False, "logs": False, "operation_spans": False},
    )
    app.state.settings = settings
    app.state.engine = engine
    app.state.sessions = sessions
    app.state.redis = redis
    app.state.metrics = metrics
    app.state.state_metrics = state_metrics
    app.state.clock = clock
    # Console sign-ins check passwords in worker threads, this many at once.
    app.state.password_checks = CapacityLimiter(admin_service.MAX_CONCURRENT_PASSWORD_CHECKS)

    # Outbound: WeChat itself, or (dev and test) the built-in sandbox, in-process.
    sandbox_transport = None
    if settings.uses_sandbox:
        sandbox = create_dev_sandbox(app, settings)
        app.state.sandbox_app = sandbox
        sandbox_transport = httpx.ASGITransport(app=sandbox)
        if settings.is_dev:
            app.mount("/sandbox", sandbox)
            dev_pages.mount(app)
    store = token_store(settings=settings, redis=redis, sessions=sessions)
    app.state.wechat = create_client(
        settings=settings,
        store=store,
        sandbox=sandbox_transport,
        metrics=metrics.outbound,
        redis=redis,
    )
    # Broadcasts get their own client: their call rate is not the chat's.
    app.state.broadcast_client = create_client(
        settings=settings,
        store=store,
        sandbox=sandbox_transport,
        rate_per_second=settings.broadcast_rate_per_second,
        max_connections=settings.broadcast_concurrency,
        metrics=metrics.outbound,
        redis=redis,
    )
    app.state.broadcasts = SenderPool(
        engine=engine,
        sessions=sessions,
        client=app.state.broadcast_client,
        settings=settings,
        clock=clock,
    )

    # Large imports run in the background; a file left queued by a restart is taken up at start.
    app.state.imports = ImportWorker(engine=engine, sessions=sessions, clock=clock)

    app.state.dispatcher = Dispatcher(
        router=router or default_router(),
        engine=engine,
        sessions=sessions,
        settings=settings,
        cache=cache,
        metrics=metrics,
        clock=clock,
        followups=followups or CustomMessageFollowUps(app.state.wechat),
    )
    app.state.callback = wechat.Callback(
        settings=settings,
        crypto=_crypto(settings),
        dispatcher=app.state.dispatcher,
        metrics=metrics,
        clock=clock,
        queries=SignedQueries(redis, prefix=settings.redis_key_prefix),
    )
    app.router.routes.extend(wechat.routes)
    # Before the pages: every page's url_for("static", …) walks the routes up to this one
    # (after all of them it was ~1 ms a call, three or more a console page); no page route
    # lies under /static/, so what matches what is unchanged.
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    app.router.routes.extend(_page_routes(prod))  # /healthz, /docs, /m/…, /admin/…, /api/v1/…
    admin_console.add_error_pages(app)  # the console's 302-to-login, 403 and 404 pages
    install_error_handlers(app)  # the API's one error schema, only under /api/
    instrumentator = Instrumentator(registry=metrics.registry, excluded_handlers=["/metrics"])
    request_metrics = instrumentation.instrument(app, instrumentator)  # its lookup, cached
    metrics_token = settings.metrics_token.get_secret_value() or None
    if metrics_token is not None or not prod:  # production: only with METRICS_TOKEN
        guard = guards.metrics_guard(metrics_token)
        instrumentator.expose(
            app,
            include_in_schema=False,
            dependencies=[Depends(guard), Depends(state_metrics.refresh)],
        )
    # The console's signed session cookie (8 hours; HTTPS-only in production).
    app.add_middleware(
        SessionMiddleware,
        secret_key=settings.secret_key.get_secret_value(),
        session_cookie="shente_session",
        max_age=8 * 3600,
        same_site="lax",
        https_only=settings.app_env == "prod",
    )
    app.add_middleware(MemberPageHeaders)  # /m/…: CSP, no framing, no referrer, no-store
    app.add_middleware(RequestIdMiddleware)
    # Outermost: an oversized body is refused before anything reads it.
    app.add_middleware(BodyLimitMiddleware, max_bytes=settings.max_request_body_bytes)
    if prod:
        app.add_middleware(HstsMiddleware)
    # Ahead of all of them: WeChat's callbacks take their own short lane (api/lane.py).
    app.lane = CallbackLane(owner=app, routes=wechat.routes, metrics=request_metrics)
    return app


def _app_or_exit() -> FastAPI:
    """Build the module-level app; a configuration error is one line on stderr, not a traceback."""
    try:
        return create_app()
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        raise SystemExit(2) from None


app = _app_or_exit()
