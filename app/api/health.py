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
    """Ready when the database answers (503 otherwise); Redis is reported but optional."""
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
    ready = checks["database"] == "ok"
    return JSONResponse(
        {"status": "ready" if ready else "unavailable", **checks},
        status_code=200 if ready else 503,
    )
