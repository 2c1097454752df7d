"""The five faults: each breaks one part of the running topology under load, puts it back, and
returns its figures and whatever broke a promise (a message lost, stored or sent twice)."""

from __future__ import annotations

import asyncio
import signal
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import asyncpg

from app.jobs.runner import LEASE_NAME, LEASE_RENEW_SECONDS, LEASE_TTL
from bench.faults import broadcasts as bc
from bench.faults.broadcasts import FaultBench
from bench.faults.cluster import Cluster, Service
from bench.faults.load import CallbackLoad, LoadResult, figures, problems, stored
from tests.support.wechat_peer import WeChatPeer

RATE = 15.0  # new callbacks a second: two cores are shared with PostgreSQL and the load itself


@dataclass
class Outcome:
    """One scenario's figures and the promises it saw broken."""

    name: str
    figures: dict[str, Any] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    seconds: float = 0.0


@dataclass
class Run:
    """What every scenario works on."""

    cluster: Cluster
    bench: FaultBench
    peer: WeChatPeer
    receipts: dict[str, int] = field(default_factory=dict)  # the sandbox's, before a broadcast

    def load(self, seconds: float) -> CallbackLoad:
        """Callbacks through the proxy, as WeChat sends them."""
        return CallbackLoad(
            self.peer, self.cluster.proxy_url + "/wechat", rate=RATE, seconds=seconds
        )

    async def relaunch(self, service: Service) -> float:
        """Start a service again (off the event loop); seconds until it answers."""
        started = time.monotonic()
        await asyncio.to_thread(self.cluster.launch, service)
        return time.monotonic() - started

    async def callbacks(self, out: Outcome, proxy_before: int, result: LoadResult) -> None:
        """Count the load's messages in the database and add their figures and problems."""
        once, doubled = await stored(self.cluster.pg.url, result)
        out.figures |= figures(result, once, doubled)
        out.figures["resent by haproxy"] = self.cluster.proxy_retries() - proxy_before
        out.problems += problems(result, once, doubled)

    async def broadcast(self, tag: str) -> int:
        """A new broadcast to every member, and a sender started for it."""
        self.receipts = (await self.bench.sandbox("/_bench/status"))["receipts"]
        broadcast_id, _ = await self.bench.make_broadcast(f"faults:{tag}:{time.time_ns()}")
        bc.start_sender(self.cluster.env, self.cluster.home / f"sender-{tag}.log")
        return broadcast_id

    async def finish_broadcast(self, out: Outcome, broadcast_id: int, timeout: float) -> None:
        """Wait for the broadcast to settle, then count what each member received."""
        started = time.monotonic()
        counts = await bc.wait_done(self.bench, broadcast_id, timeout)
        if counts["pending"] or counts["sending"] or counts["unknown"]:
            out.problems.append(f"broadcast not settled within {timeout:.0f} s: {dict(counts)}")
        out.figures["broadcast settled after (s)"] = round(time.monotonic() - started, 1)
        receipts = (await self.bench.sandbox("/_bench/status"))["receipts"]
        for kind in ("answered", "unanswered"):
            out.figures[f"receipts {kind} by then"] = receipts.get(kind, 0) - self.receipts.get(
                kind, 0
            )
        found = await bc.check(self.bench, broadcast_id, counts)
        out.figures |= {f"broadcast {k}": v for k, v in found.items()}
        out.problems += bc.problems(found)


async def app_killed(run: Run) -> Outcome:
    """SIGKILL one app instance under callback load: WeChat's retries reach the other one."""
    out = Outcome("1. app instance SIGKILLed")
    victim = run.cluster.apps[0]
    proxy_before = run.cluster.proxy_retries()
    task = asyncio.create_task(run.load(12).run())
    await asyncio.sleep(4)
    run.cluster.kill(victim, signal.SIGKILL)
    run.cluster.spawn(victim)  # its supervisor starts it again at once; it takes a while to serve
    result = await task
    await run.callbacks(out, proxy_before, result)
    started = time.monotonic()
    await asyncio.to_thread(run.cluster.ready, victim)
    out.figures["back after the load (s)"] = round(time.monotonic() - started, 1)
    return out


async def redis_restarted(run: Run) -> Outcome:
    """Redis stopped and started again under callbacks and a broadcast: the database carries on."""
    out = Outcome("2. Redis stopped and restarted")
    broadcast_id = await run.broadcast("redis")
    proxy_before = run.cluster.proxy_retries()
    task = asyncio.create_task(run.load(12).run())
    await asyncio.sleep(2)
    run.cluster.kill(run.cluster.redis, signal.SIGTERM)
    await asyncio.sleep(4)
    out.figures["Redis down for (s)"] = round(4 + await run.relaunch(run.cluster.redis), 1)
    await run.callbacks(out, proxy_before, await task)
    await run.finish_broadcast(out, broadcast_id, 60)
    return out


async def postgres_restarted(run: Run) -> Outcome:
    """pg_ctl restart -m fast in the middle of a broadcast: it resumes, once per member."""
    out = Outcome("3. PostgreSQL restarted mid-broadcast")
    broadcast_id = await run.broadcast("pg")
    await bc.wait_progress(run.bench, broadcast_id, 0.3)
    before = await bc.statuses(run.bench, broadcast_id)
    started = time.monotonic()
    await asyncio.to_thread(run.cluster.pg.restart)
    out.figures["sent before the restart"] = before["sent"]
    out.figures["restart took (s)"] = round(time.monotonic() - started, 1)
    # The sender's outage ends it; the scheduler's next round (every 30 s) resumes the rest.
    await run.finish_broadcast(out, broadcast_id, 90)
    return out


async def lease(url: str) -> tuple[str | None, datetime | None]:
    """The scheduler lease's holder and expiry."""
    conn = await asyncpg.connect(url)
    try:
        row = await conn.fetchrow(
            "SELECT holder, until FROM wechat_lease WHERE name = $1", LEASE_NAME
        )
    finally:
        await conn.close()
    return (row["holder"], row["until"]) if row else (None, None)


async def job_runs(url: str, holder: str) -> tuple[int, int, int]:
    """(runs in all, (job, due time) pairs run more than once, runs by `holder`)."""
    conn = await asyncpg.connect(url)
    try:
        total = await conn.fetchval("SELECT count(*) FROM job_run")
        doubled = await conn.fetchval(
            "SELECT count(*) FROM (SELECT job, due_at FROM job_run"
            " GROUP BY job, due_at HAVING count(*) > 1) AS d"
        )
        by_holder = await conn.fetchval("SELECT count(*) FROM job_run WHERE runner = $1", holder)
    finally:
        await conn.close()
    return int(total), int(doubled), int(by_holder)


async def until(check: Callable[[], Awaitable[bool]], timeout: float) -> bool:
    """Poll `check` every 0.2 s; False when the time ran out."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if await check():
            return True
        await asyncio.sleep(0.2)
    return False


async def scheduler_killed(run: Run) -> Outcome:
    """SIGKILL the scheduler holding the lease: the standby takes over within it, no job twice."""
    out = Outcome("4. scheduler leader SIGKILLed")
    url = run.cluster.pg.url

    async def led_by_ours() -> bool:
        holder, _ = await lease(url)
        return holder is not None and run.cluster.lease_owner(holder) is not None

    if not await until(led_by_ours, LEASE_RENEW_SECONDS * 2 + 5):
        out.problems.append("no scheduler of ours holds the lease")
        return out
    holder, _ = await lease(url)
    assert holder is not None
    leader = run.cluster.lease_owner(holder)
    assert leader is not None
    run.cluster.kill(leader, signal.SIGKILL)
    killed = datetime.now(UTC)

    async def taken_over() -> bool:
        now = await lease(url)
        return now[0] is not None and now[0] != holder

    limit = (LEASE_TTL.total_seconds() + LEASE_RENEW_SECONDS) * 1.5
    if not await until(taken_over, limit):
        out.problems.append(f"the standby did not take the lease within {limit:.0f} s")
        return out
    new_holder, _ = await lease(url)
    assert new_holder is not None
    successor = run.cluster.lease_owner(new_holder)
    out.figures["lease passed"] = f"{leader.name} → {successor.name if successor else new_holder}"
    took = (datetime.now(UTC) - killed).total_seconds()
    out.figures["lease TTL (s)"] = LEASE_TTL.total_seconds()
    out.figures["standby took over after (s)"] = round(took, 1)
    # The standby renews every LEASE_RENEW_SECONDS: it takes over at most that long after expiry.
    if took > LEASE_TTL.total_seconds() + LEASE_RENEW_SECONDS + 2:
        out.problems.append(f"takeover took {took:.1f} s, longer than the lease and one renewal")

    async def new_leader_ran() -> bool:
        return (await job_runs(url, new_holder))[2] > 0

    # broadcasts.send_due runs every 30 s: the new leader's first run shows it is working.
    if not await until(new_leader_ran, 40):
        out.problems.append("the new leader ran no job within 40 s")
    total, doubled, by_new = await job_runs(url, new_holder)
    out.figures |= {
        "job runs": total,
        "runs by the new leader": by_new,
        "(job, due) twice": doubled,
    }
    if doubled:
        out.problems.append(f"{doubled} (job, due time) pair(s) ran twice")
    out.figures["killed one restarted as standby in (s)"] = round(await run.relaunch(leader), 1)
    return out


async def rolling_restart(run: Run) -> Outcome:
    """SIGTERM and restart each app instance in turn while callbacks flow."""
    out = Outcome("5. rolling restart (SIGTERM)")
    proxy_before = run.cluster.proxy_retries()
    load = run.load(180)  # until both instances are back (stopped below)
    task = asyncio.create_task(load.run())
    stops = []
    for app in run.cluster.apps:
        await asyncio.sleep(3)
        started = time.monotonic()
        await asyncio.to_thread(run.cluster.kill, app, signal.SIGTERM, 30)
        stops.append(f"{app.name} {time.monotonic() - started:.1f}")
        await run.relaunch(app)
        await asyncio.sleep(2.5)  # the proxy sees it healthy after two checks
    await asyncio.sleep(2)
    load.seconds = 0  # no new messages; those under way finish
    out.figures["shutdown took (s)"] = ", ".join(stops)
    await run.callbacks(out, proxy_before, await task)
    return out


SCENARIOS: dict[str, Callable[[Run], Awaitable[Outcome]]] = {
    "app-kill": app_killed,
    "redis": redis_restarted,
    "postgres": postgres_restarted,
    "scheduler": scheduler_killed,
    "rolling": rolling_restart,
}
