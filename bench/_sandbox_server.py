"""The WeChat sandbox served over HTTP for bench/broadcast.py, with a few bench-only routes.

Run by bench/broadcast.py, not by hand:
    python bench/_sandbox_server.py --port P --openids FILE --latency-ms 20
        --app-id … --app-secret … --token … --aes-key …

Every openid in FILE (one a line) is added as a follower before serving; latency applies to
/cgi-bin/message/template/send only. The /_bench routes (this module only, not the sandbox's):
    GET  /_bench/status     deliveries so far, callbacks in flight and their outcomes, connections
    GET  /_bench/counts     template deliveries per openid newer than ?since_id=
    POST /_bench/configure  {"auto_job_events": bool, "callback_url": str | null}
"""

from __future__ import annotations

import argparse
import gc
import sys
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import uvicorn  # noqa: E402
from fastapi import FastAPI, Request  # noqa: E402

from app.dev.sandbox import SandboxConfig, SandboxState, create_sandbox_app  # noqa: E402
from app.dev.sandbox.faults import Faults  # noqa: E402

TEMPLATE_SEND = "/cgi-bin/message/template/send"


class ConnectionCounter:
    """ASGI middleware: how many distinct client connections (host, port) have been seen."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.seen: set[tuple[str, int]] = set()

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "http" and scope.get("client"):
            self.seen.add(tuple(scope["client"]))  # type: ignore[arg-type]
        await self.app(scope, receive, send)


def build(args: argparse.Namespace) -> tuple[FastAPI, ConnectionCounter]:
    """The sandbox app with its followers, latency and the /_bench routes."""
    config = SandboxConfig(
        app_id=args.app_id,
        app_secret=args.app_secret,
        token=args.token,
        encoding_aes_key=args.aes_key,
        account_type="service",
        callback_url=args.callback_url or None,
        auto_job_events=bool(args.callback_url),
    )
    state = SandboxState(config)
    openids = [line.strip() for line in Path(args.openids).read_text().splitlines() if line.strip()]
    for openid in openids:
        state.add_follower(openid)
    state.faults = Faults(latency_ms=args.latency_ms, paths=[TEMPLATE_SEND])
    app = create_sandbox_app(config, state)
    callbacks = app.state.sandbox_callbacks

    # Tally what each auto job event (TEMPLATESENDJOBFINISH) came to, as WeChat would see it.
    receipts: Counter[str] = Counter()
    original = callbacks.emit_job_finish

    async def emit_job_finish(msgid: int, status: str = "success") -> Any:
        receipts["started"] += 1
        try:
            result = await original(msgid, status)
        except Exception:
            receipts["crashed"] += 1
            raise
        receipts["answered" if result.error is None else "unanswered"] += 1
        if result.attempts > 1:
            receipts["retried"] += 1
        return result

    callbacks.emit_job_finish = emit_job_finish  # the template route looks it up on the instance

    @app.get("/_bench/status", include_in_schema=False)
    async def status() -> dict[str, Any]:
        deliveries = state.deliveries
        # Background callbacks still running (including posts past WeChat's 5 s deadline).
        in_flight = len(getattr(callbacks.sender, "_tasks", ()))
        return {
            "deliveries": len(deliveries),
            "last_id": deliveries[-1].id if deliveries else 0,
            "callbacks_in_flight": in_flight,
            "receipts": dict(receipts),
            "connections": len(counter.seen),
            "template_calls": {
                outcome: n
                for (path, outcome), n in state.call_counts.items()
                if path == TEMPLATE_SEND
            },
            "token_fetches": state.token_fetch_count,
        }

    @app.get("/_bench/counts", include_in_schema=False)
    async def counts(since_id: int = 0, url: str | None = None) -> dict[str, Any]:
        """Template deliveries per openid (only those carrying `url`, when given), and how
        many deliveries each url had: the bench gives every broadcast its own url."""
        found = [d for d in state.deliveries_for(None, since_id) if d.channel == "template"]
        by_url = Counter(str(d.payload.get("url", "")) for d in found)
        per_openid = Counter(
            d.openid for d in found if url is None or d.payload.get("url", "") == url
        )
        return {
            "counts": dict(per_openid),
            "by_url": dict(by_url),
            "other_channels": sum(1 for d in state.deliveries_for(None, since_id)) - len(found),
            "last_id": state.deliveries[-1].id if state.deliveries else since_id,
        }

    @app.get("/_bench/matrix", include_in_schema=False)
    async def matrix() -> dict[str, dict[str, int]]:
        """Template deliveries per url and openid, since the start."""
        table: dict[str, Counter[str]] = {}
        for d in state.deliveries:
            if d.channel == "template":
                table.setdefault(str(d.payload.get("url", "")), Counter())[d.openid] += 1
        return {url: dict(c) for url, c in table.items()}

    @app.post("/_bench/configure", include_in_schema=False)
    async def configure(request: Request) -> dict[str, Any]:
        body = await request.json()
        config.auto_job_events = bool(body.get("auto_job_events", config.auto_job_events))
        config.callback_url = body.get("callback_url", config.callback_url)
        return {"auto_job_events": config.auto_job_events, "callback_url": config.callback_url}

    counter = ConnectionCounter(app)
    return app, counter


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--openids", required=True, help="a file with one openid a line")
    parser.add_argument("--latency-ms", type=float, default=20.0)
    parser.add_argument("--app-id", required=True)
    parser.add_argument("--app-secret", required=True)
    parser.add_argument("--token", required=True)
    parser.add_argument("--aes-key", required=True)
    parser.add_argument("--callback-url", default="")
    parser.add_argument("--loop", default="uvloop", choices=["uvloop", "asyncio"])
    parser.add_argument(
        "--keep-alive", type=float, default=5.0, help="idle keep-alive timeout (uvicorn's 5 s)"
    )
    args = parser.parse_args()
    _, counter = build(args)
    gc.freeze()  # the followers live as long as the process
    uvicorn.run(
        counter,
        host="127.0.0.1",
        port=args.port,
        loop=args.loop,
        http="httptools",
        log_level="warning",
        access_log=False,
        lifespan="on",
        timeout_keep_alive=args.keep_alive,
    )


if __name__ == "__main__":
    main()
