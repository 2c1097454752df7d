"""`make faults`: start the topology, run each fault under load, print the figures, fail on a
broken promise.

    .venv/bin/python -m bench.faults [--only app-kill,redis,postgres,scheduler,rolling] [--keep]

Needs Debian's PostgreSQL 15 binaries, redis-server and haproxy (`make faults-deps`); uses
nothing of the machine's own PostgreSQL or Redis. Exit status 1 when any scenario failed.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
import traceback

from rich.console import Console
from rich.table import Table

from bench.faults.broadcasts import new_bench, prepare
from bench.faults.cluster import Cluster
from bench.faults.scenarios import SCENARIOS, Outcome, Run
from tests.support.wechat_peer import WeChatPeer

console = Console(width=110)  # wide enough for a figure and its value, even when piped


def show(outcome: Outcome) -> None:
    """One scenario's figures as a two-column table, then its verdict."""
    verdict = "[green]通过[/green]" if not outcome.problems else "[red]失败[/red]"
    title = f"{outcome.name} — {verdict} ({outcome.seconds:.0f} s)"
    table = Table(title=title, title_justify="left", min_width=64)  # the title on one line
    table.add_column("figure")
    table.add_column("value", justify="right")
    for name, value in outcome.figures.items():
        table.add_row(name, str(value))
    console.print(table)
    for problem in outcome.problems:
        console.print(f"  [red]✗[/red] {problem}", markup=True, highlight=False)


def summary(outcomes: list[Outcome], total: float) -> None:
    """Every scenario in one table."""
    table = Table(title=f"fault suite ({total:.0f} s)", title_justify="left")
    for column in ("scenario", "result", "seconds"):
        table.add_column(column)
    for o in outcomes:
        result = "[green]pass[/green]" if not o.problems else f"[red]FAIL[/red] {o.problems[0]}"
        table.add_row(o.name, result, f"{o.seconds:.0f}")
    console.print(table)


async def main(names: list[str], keep: bool) -> int:
    """Run the scenarios in order on one topology; 1 when any failed."""
    started = time.monotonic()
    bench = new_bench(workdir=None)  # type: ignore[arg-type]
    cluster = Cluster(bench.wechat, bench.base_env)
    bench.workdir = cluster.home
    outcomes: list[Outcome] = []
    try:
        console.print(f"starting the topology in {cluster.home} …")
        await asyncio.to_thread(cluster.start_database)
        await prepare(bench, cluster.pg.url)
        await asyncio.to_thread(cluster.start, bench.openids)
        bench.sandbox_url = cluster.sandbox_url
        w = bench.wechat
        peer = WeChatPeer(token=w["token"], aes_key=w["aes_key"], app_id=w["app_id"])
        run = Run(cluster, bench, peer)
        console.print(
            f"ready after {time.monotonic() - started:.0f} s: {len(bench.openids)} members"
        )
        for name in names:
            began = time.monotonic()
            try:
                outcome = await SCENARIOS[name](run)
            except Exception as exc:
                outcome = Outcome(name, problems=[f"crashed: {exc!r}"])  # the others still run
                traceback.print_exc()
            outcome.seconds = time.monotonic() - began
            outcomes.append(outcome)
            show(outcome)
    finally:
        if bench.engine is not None:
            await bench.engine.dispose()
        cluster.stop_all(keep=keep)
    summary(outcomes, time.monotonic() - started)
    if keep:
        console.print(f"logs kept in {cluster.home}")
    return 1 if any(o.problems for o in outcomes) or len(outcomes) < len(names) else 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--only", default=",".join(SCENARIOS), help="scenarios, comma-separated")
    parser.add_argument("--keep", action="store_true", help="keep the temp dir and its logs")
    args = parser.parse_args()
    chosen = [n.strip() for n in args.only.split(",") if n.strip()]
    unknown = [n for n in chosen if n not in SCENARIOS]
    if unknown:
        sys.exit(f"unknown scenario(s): {', '.join(unknown)}; known: {', '.join(SCENARIOS)}")
    sys.exit(asyncio.run(main(chosen, args.keep)))
