"""Liveness and readiness for the load balancer and the orchestrator."""

from __future__ import annotations

import asyncio

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from app.db import ping

router = APIRouter(tags=["health"])

_READY_TIMEOUT = 2.0


@router.get("/healthz")
async def healthz() -> dict[str, str]:
    """The process is alive and serving."""
    return {"status": "ok"}


@router.get("/readyz")
async def readyz(request: Request) -> JSONResponse:
    """Ready when the database answers (503 otherwise); Redis is reported but optional.

    `limits` says whether WeChat's call rates are counted for the whole deployment ("shared",
    in Redis) or by each process alone ("per-process": no Redis, or Redis failing) — still
    ready, but N instances may then together exceed the rates.
    """
    checks: dict[str, str] = {}
    try:
        await asyncio.wait_for(ping(request.app.state.engine), _READY_TIMEOUT)
        checks["database"] = "ok"
    except Exception:
        checks["database"] = "unavailable"
    redis = request.app.state.redis
    if redis is None:
        checks["redis"] = "not configured"
    else:
        try:
            await asyncio.wait_for(redis.ping(), _READY_TIMEOUT)
            checks["redis"] = "ok"
        except Exception:
            checks["redis"] = "unavailable"
    limiters = [
        client.limiter
        for client in (request.app.state.wechat, request.app.state.broadcast_client)
        if client.limiter is not None
    ]
    shared = checks["redis"] == "ok" and all(limiter.shared for limiter in limiters)
    checks["limits"] = "shared" if shared else "per-process"
    ready = checks["database"] == "ok"
    return JSONResponse(
        {"status": "ready" if ready else "unavailable", **checks},
        status_code=200 if ready else 503,
    )
