"""One of the OS processes in the token race: 20 concurrent calls, then report the token used.

Run by test_token_processes.py as `python -m tests.wechat.token_race_worker SPEC.json`.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from pathlib import Path
from typing import Any

from redis.asyncio import Redis

from app.db import create_engine, session_factory
from app.wechat.client import WeChatClient
from app.wechat.token_stores import DatabaseTokenStore, RedisTokenStore
from app.wechat.tokens import TokenStore


async def main(spec: dict[str, Any]) -> None:
    engine = create_engine(spec["database_url"])
    redis = Redis.from_url(spec["redis_url"]) if spec["kind"] == "redis" else None
    store: TokenStore = (
        RedisTokenStore(redis, spec["redis_prefix"])
        if redis is not None
        else DatabaseTokenStore(session_factory(engine), poll_seconds=0.01)
    )
    wx = WeChatClient(
        base_url=spec["base_url"],
        app_id=spec["app_id"],
        app_secret=spec["app_secret"],
        token_store=store,
        backoff_base=0,
        rate_limit_per_second=None,
    )
    try:
        Path(spec["ready"]).touch()
        deadline = time.monotonic() + 20
        while not Path(spec["go"]).exists():  # start together with the other process
            if time.monotonic() > deadline:
                raise SystemExit("never told to go")
            await asyncio.sleep(0.002)
        pages = await asyncio.gather(*(wx.followers() for _ in range(20)))
        result = {"calls": len(pages), "token": await wx.tokens.get()}
        Path(spec["out"]).write_text(json.dumps(result))
    finally:
        await wx.aclose()
        if redis is not None:
            await redis.aclose()
        await engine.dispose()


if __name__ == "__main__":
    asyncio.run(main(json.loads(Path(sys.argv[1]).read_text())))
