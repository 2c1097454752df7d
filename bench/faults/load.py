"""WeChat's side of the callbacks: signed, encrypted messages at a steady rate, retried as WeChat
retries (no answer within 5 s, or an error: the same message again, at most twice more).

Some answered messages are sent once more on purpose (an answer lost on its way back to
WeChat), so the replay of the stored reply is exercised in every scenario.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from typing import Any

import asyncpg
import httpx

from tests.support.wechat_peer import WeChatPeer, random_openid

DEADLINE = 5.0  # WeChat waits this long for an answer
RETRIES = 2  # then tries the same message this many more times
RETRY_PAUSE = 1.0  # after an error answer (WeChat's own spacing is a few seconds)
ECHO_EVERY = 10  # every tenth answered message is delivered again


@dataclass
class Message:
    """One member's message and every answer it got."""

    openid: str
    xml: str
    msg_id: int
    created: int
    attempts: int = 0
    answers: list[dict[str, str]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    late: list[asyncio.Task[Any]] = field(default_factory=list)

    @property
    def dedup_key(self) -> str:
        return f"msg:{self.msg_id}:{self.openid}:{self.created}"


@dataclass
class LoadResult:
    """What the load sent and what came back."""

    messages: list[Message]
    seconds: float

    @property
    def sent(self) -> int:
        return len(self.messages)

    @property
    def attempts(self) -> int:
        return sum(m.attempts for m in self.messages)

    @property
    def answered(self) -> int:
        return sum(1 for m in self.messages if m.answers)

    @property
    def mismatched(self) -> list[Message]:
        """Messages answered twice or more with different replies."""
        return [m for m in self.messages if len({repr(a) for a in m.answers}) > 1]

    @property
    def replays(self) -> int:
        """Answers beyond the first: retries answered from what was stored."""
        return sum(max(0, len(m.answers) - 1) for m in self.messages)

    def errors(self) -> dict[str, int]:
        """Failed attempts by kind."""
        counts: dict[str, int] = {}
        for m in self.messages:
            for e in m.errors:
                counts[e] = counts.get(e, 0) + 1
        return counts


class CallbackLoad:
    """Posts `rate` new messages a second to `url` for `seconds` (at most `limit`)."""

    def __init__(
        self, peer: WeChatPeer, url: str, *, rate: float, seconds: float, limit: int = 2000
    ) -> None:
        """Bounded in time and count; 50 members share the messages."""
        self.peer, self.url, self.rate, self.seconds, self.limit = peer, url, rate, seconds, limit
        self.openids = [random_openid() for _ in range(50)]
        self.messages: list[Message] = []

    def make(self, n: int) -> Message:
        """A new text message from one of the members."""
        openid = self.openids[n % len(self.openids)]
        created = int(time.time())
        xml = self.peer.text(openid, f"学习心得 {n}", create_time=created)
        msg_id = int(xml.split("<MsgId>")[1].split("</MsgId>")[0])
        return Message(openid=openid, xml=xml, msg_id=msg_id, created=created)

    async def post(self, http: httpx.AsyncClient, message: Message) -> bool:
        """One delivery attempt; True when WeChat would take the answer (200 within 5 s)."""
        message.attempts += 1
        params, body = self.peer.request(message.xml, "safe", openid=message.openid)
        task = asyncio.ensure_future(http.post(self.url, params=params, content=body))
        done, _ = await asyncio.wait({task}, timeout=DEADLINE)
        if not done:
            message.errors.append("no answer in 5 s")
            message.late.append(task)  # the instance may still answer: its reply is compared too
            return False
        try:
            response = task.result()
        except httpx.HTTPError as exc:
            message.errors.append(type(exc).__name__)
            return False
        if response.status_code != 200:
            message.errors.append(f"HTTP {response.status_code}")
            return False
        message.answers.append(self.peer.open_reply(response.text))
        return True

    async def deliver(self, http: httpx.AsyncClient, message: Message, n: int) -> None:
        """Deliver as WeChat does, then (now and then) once more as if the answer were lost."""
        for attempt in range(1 + RETRIES):
            if await self.post(http, message):
                break
            if attempt < RETRIES and message.errors[-1] != "no answer in 5 s":
                await asyncio.sleep(RETRY_PAUSE)
        if message.answers and n % ECHO_EVERY == 0:
            await self.post(http, message)

    async def run(self) -> LoadResult:
        """Send until the time or the count runs out, then wait for every message to finish."""
        started = time.monotonic()
        tasks: list[asyncio.Task[None]] = []
        limits = httpx.Limits(max_connections=200, max_keepalive_connections=50)
        async with httpx.AsyncClient(timeout=30, limits=limits) as http:
            n = 0
            while time.monotonic() - started < self.seconds and n < self.limit:
                message = self.make(n)
                self.messages.append(message)
                tasks.append(asyncio.create_task(self.deliver(http, message, n)))
                n += 1
                await asyncio.sleep(max(0.0, started + n / self.rate - time.monotonic()))
            await asyncio.gather(*tasks)
            await self.collect_late()
        return LoadResult(self.messages, time.monotonic() - started)

    async def collect_late(self) -> None:
        """Answers that came after WeChat stopped waiting count for the comparison too."""
        for message in self.messages:
            for task in message.late:
                try:
                    response = await asyncio.wait_for(task, timeout=30)
                except (httpx.HTTPError, TimeoutError):
                    continue
                if response.status_code == 200:
                    message.answers.append(self.peer.open_reply(response.text))


async def stored(database_url: str, result: LoadResult) -> tuple[int, int]:
    """(messages stored, rows beyond one per message) in inbound_message, by dedup key."""
    conn = await asyncpg.connect(database_url)
    try:
        keys = [m.dedup_key for m in result.messages]
        rows = await conn.fetch(
            "SELECT dedup_key, count(*) AS n FROM inbound_message"
            " WHERE dedup_key = ANY($1::text[]) GROUP BY dedup_key",
            keys,
        )
        # The same text under any other key would be a message stored twice.
        openids = list({m.openid for m in result.messages})
        total = await conn.fetchval(
            "SELECT count(*) FROM inbound_message WHERE openid = ANY($1::text[])", openids
        )
    finally:
        await conn.close()
    return len(rows), int(total) - len(rows)


def figures(result: LoadResult, stored_once: int, doubled: int) -> dict[str, Any]:
    """The callback figures every scenario prints."""
    return {
        "sent": result.sent,
        "attempts": result.attempts,
        "retries": result.attempts - result.sent,
        "answered": result.answered,
        "stored": stored_once,
        "duplicates": doubled,
        "replays": result.replays,
        "replies differ": len(result.mismatched),
        "errors": ", ".join(f"{k} ×{v}" for k, v in sorted(result.errors().items())) or "—",
    }


def problems(result: LoadResult, stored_once: int, doubled: int) -> list[str]:
    """What breaks the promise: a message lost, stored twice, or answered two ways."""
    found = []
    if result.answered < result.sent:
        found.append(f"{result.sent - result.answered} message(s) never answered")
    if stored_once < result.sent:
        found.append(f"{result.sent - stored_once} message(s) not stored")
    if doubled:
        found.append(f"{doubled} message(s) stored twice")
    if result.mismatched:
        m = result.mismatched[0]
        found.append(
            f"{len(result.mismatched)} retried message(s) answered differently: {m.answers}"
        )
    return found
