"""`shente broadcasts …` and `shente push newsletter …`: send, resume, watch and cancel."""

from __future__ import annotations

import asyncio
import signal
from typing import Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from app.broadcasting import BroadcastSender
from app.cli import eventloop
from app.cli.common import quiet_settings
from app.config import Settings
from app.db import create_engine, session_factory, unit_of_work
from app.models import Broadcast, BroadcastStatus
from app.models.types import utcnow
from app.runtime import command_runtime, sender_runtime
from app.services.broadcasts import lifecycle
from app.services.broadcasts import progress as progress_service
from app.services.newsletters.publishing import PublishError, publish

broadcasts_cli = typer.Typer(help="Broadcasts: resume, list, cancel", no_args_is_help=True)
push_cli = typer.Typer(help="Push content to members", no_args_is_help=True)
console = Console(stderr=True)


async def _send(settings: Settings, broadcast_id: int | None, *, show: bool) -> dict[str, Any]:
    """Run one sender to the end, with a progress bar for one broadcast when asked."""

    async with sender_runtime(settings) as rt:
        bar = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[detail]}"),
            TimeElapsedColumn(),
            console=console,
            disable=not show,
        )
        tasks: dict[int, Any] = {}

        async def on_progress(bid: int) -> None:
            async with rt.sessions() as session:
                broadcast = await session.get(Broadcast, bid)
                if broadcast is None:
                    return
                numbers = await progress_service.progress(session, broadcast=broadcast)
            # The bar is sent / reachable: the unreachable are no progress, shown apart.
            if bid not in tasks:
                tasks[bid] = bar.add_task(broadcast.title[:30], total=numbers.reachable, detail="")
            detail = (
                f"失败 {numbers.count('failed')} 待确认 {numbers.count('unknown')}"
                f"（另有 {numbers.count('unreachable')} 人无法送达）"
            )
            bar.update(
                tasks[bid],
                total=numbers.reachable,
                completed=numbers.count("sent"),
                detail=detail,
            )

        sender = BroadcastSender(
            engine=rt.engine,
            sessions=rt.sessions,
            client=rt.client,
            settings=settings,
            on_progress=on_progress,
        )
        # SIGTERM (a deploy, `docker stop`): hand unsent rows back and exit within seconds,
        # instead of dying with them claimed (in doubt until the receipt grace has passed).
        loop = asyncio.get_running_loop()
        loop.add_signal_handler(signal.SIGTERM, sender.stop)
        try:
            with bar:
                report = await sender.run(broadcast_id)
        finally:
            loop.remove_signal_handler(signal.SIGTERM)
        finals = []
        async with rt.sessions() as session:
            touched = list(dict.fromkeys([*report.broadcasts, *report.paused]))
            for bid in touched:
                broadcast = await session.get(Broadcast, bid)
                if broadcast is not None:
                    numbers = await progress_service.progress(session, broadcast=broadcast)
                    finals.append((broadcast, numbers))
            # What this run left alone because it waits (quiet hours, quota, receipts): say so,
            # so "sent 0" never reads as "nothing left to do".
            waiting = [
                b
                for b in await lifecycle.waiting(session)
                if b.id not in touched and (broadcast_id is None or b.id == broadcast_id)
            ]
    return {"report": report, "finals": finals, "waiting": waiting}


def _summary(result: dict[str, Any]) -> None:
    """What this run did, then where each broadcast it touched stands, with the reasons."""
    report = result["report"]
    reconciled = report.reconciled
    if reconciled.get("in_doubt") or reconciled.get("requeued") or reconciled.get("batches"):
        console.print(
            f"接续上次中断：{reconciled.get('in_doubt', 0)} 条结果待确认，"
            f"{reconciled.get('requeued', 0)} 条未收到微信回执已重新排队，"
            f"{reconciled.get('batches', 0)} 个群发批次重新提交"
        )
    console.print(f"本次发出 {report.sent} 条。")
    for broadcast, numbers in result["finals"]:
        line = (
            f"推送 {broadcast.id}「{broadcast.title}」：共 {numbers.total} 人，"
            f"已发送 {numbers.count('sent')}，失败 {numbers.count('failed')}，"
            f"无法送达 {numbers.count('unreachable')}，待确认 {numbers.count('unknown')}，"
            f"待发送 {numbers.count('pending')}；{BroadcastStatus(broadcast.status).label}，"
            f"进度 {numbers.count('sent')} / 可送达 {numbers.reachable}"
        )
        console.print(line, markup=False, soft_wrap=True, highlight=False)
        _waiting_line(broadcast)
        for reason, count in sorted(numbers.reasons.items(), key=lambda item: -item[1]):
            console.print(f"  {reason}：{count} 人", markup=False, highlight=False)

    for broadcast in result.get("waiting", []):
        console.print(
            f"推送 {broadcast.id}「{broadcast.title}」{BroadcastStatus(broadcast.status).label}，"
            "本次未发送：",
            markup=False,
            soft_wrap=True,
            highlight=False,
        )
        _waiting_line(broadcast)


def _waiting_line(broadcast: Broadcast) -> None:
    """Why an unfinished broadcast waits, and until when (quiet hours, quota, receipts)."""
    if broadcast.pause_reason and broadcast.status in lifecycle.ACTIVE:
        prefix = "已暂停：" if broadcast.status == BroadcastStatus.PAUSED.value else ""
        console.print(
            f"  {prefix}{broadcast.pause_reason}", markup=False, soft_wrap=True, highlight=False
        )


@broadcasts_cli.command("resume")
def resume(
    broadcast_id: int | None = typer.Argument(None, help="Only this broadcast"),
    quiet: bool = typer.Option(False, "--quiet", help="No progress bar"),
) -> None:
    """Finish every broadcast that is due (after a crash, a pause, or a scheduled time)."""
    result = eventloop.run(_send(quiet_settings(), broadcast_id, show=not quiet))
    _summary(result)


@broadcasts_cli.command("list")
def list_broadcasts(limit: int = typer.Option(20, help="How many, newest first")) -> None:
    """The newest broadcasts with their numbers."""

    async def load() -> list[tuple[Any, Any]]:
        engine = create_engine(quiet_settings().database_url)
        try:
            async with session_factory(engine)() as session:
                items = await progress_service.recent(session, limit=limit)
                return [(b, await progress_service.progress(session, broadcast=b)) for b in items]
        finally:
            await engine.dispose()

    table = Table("ID", "状态", "人数", "已发送", "失败", "无法送达", "待发送", "待确认", "标题")
    for broadcast, numbers in eventloop.run(load()):
        table.add_row(
            str(broadcast.id),
            BroadcastStatus(broadcast.status).label,
            str(numbers.total),
            *(
                str(numbers.count(s))
                for s in ("sent", "failed", "unreachable", "pending", "unknown")
            ),
            broadcast.title,
        )
    Console().print(table)


@broadcasts_cli.command("cancel")
def cancel(broadcast_id: int = typer.Argument(..., help="The broadcast to stop")) -> None:
    """Stop a broadcast: what has not been sent is not sent."""

    async def run() -> int:
        engine = create_engine(quiet_settings().database_url)
        try:
            async with unit_of_work(session_factory(engine)) as session:
                return await lifecycle.cancel(
                    session, broadcast_id=broadcast_id, now=utcnow(), by="cli"
                )
        finally:
            await engine.dispose()

    console.print(f"已取消，{eventloop.run(run())} 人不再发送。")


@push_cli.command("newsletter")
def push_newsletter(
    issue_id: int = typer.Argument(..., help="The newsletter issue (see the console's 刊物 page)"),
    quiet: bool = typer.Option(False, "--quiet", help="No progress bar"),
) -> None:
    """Publish an issue and send it to every member, showing progress."""

    settings = quiet_settings()

    async def run() -> int:
        async with command_runtime(settings) as rt:
            published = await publish(
                sessions=rt.sessions,
                client=rt.client,
                settings=settings,
                issue_id=issue_id,
                actor="cli",
                now=utcnow(),
            )
        assert published.broadcast.id is not None
        return published.broadcast.id

    try:
        broadcast_id = eventloop.run(run())
    except PublishError as exc:
        console.print(f"发送失败：{exc}", markup=False)
        raise typer.Exit(1) from None
    console.print(f"已生成推送 {broadcast_id}，开始发送……")
    _summary(eventloop.run(_send(settings, broadcast_id, show=not quiet)))
