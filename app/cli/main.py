"""The `shente` command: serve, migrate, seed, schedule, back up and restore."""

from __future__ import annotations

import contextlib
import math
from collections.abc import Coroutine
from pathlib import Path
from typing import Any, TypeVar

import typer
from rich.console import Console

from app import serving
from app.cli import backups, eventloop
from app.cli.broadcasts import broadcasts_cli, push_cli
from app.cli.common import alembic_config, checked_settings, console
from app.cli.scheduler import scheduler_cli
from app.config import Settings
from app.dev.demo import seed
from app.runtime import outbound_client
from app.wechat.errors import WeChatError
from app.wechat.menu import MENU_FILE, MenuError, load_menu, validate_menu

cli = typer.Typer(help="神特党建 — WeChat Official Account backend", no_args_is_help=True)
db_cli = typer.Typer(help="Database migrations", no_args_is_help=True)
cli.add_typer(db_cli, name="db")
menu_cli = typer.Typer(help="The account's custom menu (app/menu.toml)", no_args_is_help=True)
cli.add_typer(menu_cli, name="menu")
cli.add_typer(broadcasts_cli, name="broadcasts")
cli.add_typer(push_cli, name="push")
cli.add_typer(scheduler_cli, name="scheduler")
cli.command("backup")(backups.backup)
cli.command("restore")(backups.restore)


T = TypeVar("T")
# What `shente serve` serves, as uvicorn imports it in each worker.
APP = "app.main:app"


@db_cli.command("upgrade")
def db_upgrade(revision: str = typer.Argument("head")) -> None:
    """Migrate the database to the latest schema (or REVISION)."""
    from alembic import command

    checked_settings()
    command.upgrade(alembic_config(), revision)


@db_cli.command("downgrade")
def db_downgrade(revision: str = typer.Argument(...)) -> None:
    """Migrate the database back to REVISION."""
    from alembic import command

    checked_settings()
    command.downgrade(alembic_config(), revision)


@cli.command()
def serve(
    host: str = typer.Option("127.0.0.1", help="Interface to listen on"),
    port: int = typer.Option(8000, help="Port to listen on"),
    reload: bool = typer.Option(False, help="Restart on code changes (development)"),
) -> None:
    """Serve the app with uvicorn: WEB_CONCURRENCY worker processes (one with --reload)."""
    import uvicorn
    from uvicorn.supervisors import Multiprocess

    settings = checked_settings()
    workers = 1 if reload else settings.web_concurrency
    console.print(
        f"神特党建 serving on http://{host}:{port} (APP_ENV={settings.app_env}, "
        f"{workers} worker{'s' if workers > 1 else ''})"
    )
    options: dict[str, Any] = dict(
        host=host,
        port=port,
        reload=reload,
        workers=workers,
        # The supervisor restarts a worker not ready within this; importing the app takes
        # seconds of CPU (9 s on a busy 2-core machine), past uvicorn's default of 5.
        timeout_worker_healthcheck=60,
        access_log=False,
        # The client's address from the reverse proxy's X-Forwarded-For, trusted only from
        # FORWARDED_ALLOW_IPS (sign-in lockouts and the audit log record it).
        proxy_headers=True,
        forwarded_allow_ips=settings.forwarded_allow_ips,
        log_level=settings.log_level.lower(),
        # h11, not httptools: h11 refuses request headers past 16 KiB before the app sees
        # them, where httptools buffers any size (a probe sent 50 MB).
        http="h11",
        h11_max_incomplete_event_size=16 * 1024,
        # SIGTERM: stop accepting, let the requests in flight finish (a callback answers within
        # the reply budget, with a holding reply at worst), then close what is still open.
        timeout_graceful_shutdown=math.ceil(settings.wechat_reply_budget_seconds) + 1,
    )
    if workers > 1 and serving.SPREADS_CONNECTIONS:
        # uvicorn.run with its own supervisor, each worker on a listener of its own.
        with contextlib.suppress(KeyboardInterrupt):
            config = uvicorn.Config(APP, **options)
            Multiprocess(config, sockets=[serving.reserve(host, port)]).run()
    else:
        uvicorn.run(APP, **options)


@cli.command("seed-demo")
def seed_demo() -> None:
    """Load demo data for trying the system locally (idempotent)."""

    settings = checked_settings()
    if settings.app_env == "prod":
        console.print("拒绝执行：生产环境不能写入演示数据")
        raise typer.Exit(2)
    created = eventloop.run(seed(settings))
    console.print(f"演示数据已就绪（新增 {created} 行）")
    console.print(
        f"控制台：{settings.public_base_url}/admin/（用户 {settings.admin_username}）；"
        f"模拟器：{settings.public_base_url}/dev/",
        markup=False,
        soft_wrap=True,
        highlight=False,
    )


MenuFile = typer.Option(None, "--file", help="Menu file (default: app/menu.toml)")


def _checked_menu(settings: Settings, path: Path | None) -> dict[str, Any]:

    try:
        menu = load_menu(path or MENU_FILE, base_url=settings.public_base_url)
        validate_menu(menu)
    except (MenuError, OSError) as exc:
        console.print(f"菜单有误：{exc}", markup=False, soft_wrap=True, highlight=False)
        raise typer.Exit(1) from None
    return menu


def _print_menu(menu: dict[str, Any]) -> None:
    from rich.tree import Tree

    tree = Tree("自定义菜单")
    for top in menu.get("button", []):
        branch = tree.add(top["name"])
        for sub in top.get("sub_button", []):
            target = sub.get("key") or sub.get("url") or sub.get("media_id") or ""
            branch.add(f"{sub['name']}  [dim]{sub.get('type', '')} {target}[/dim]")
    Console().print(tree)


@menu_cli.command("check")
def menu_check(path: Path | None = MenuFile) -> None:
    """Validate the menu file against WeChat's limits, locally."""
    menu = _checked_menu(checked_settings(), path)
    _print_menu(menu)
    console.print("菜单符合微信的限制。")


@menu_cli.command("sync")
def menu_sync(path: Path | None = MenuFile) -> None:
    """Validate the menu file, then push it to WeChat (nothing is pushed when it is invalid)."""

    settings = checked_settings()
    menu = _checked_menu(settings, path)

    async def push() -> None:
        async with outbound_client(settings) as client:
            await client.create_menu(menu)

    _run_wechat(push())
    console.print("菜单已推送到公众号（微信客户端约 5 分钟内刷新）。")


@menu_cli.command("show")
def menu_show() -> None:
    """Print the menu WeChat currently has."""

    settings = checked_settings()

    async def fetch() -> dict[str, Any] | None:
        async with outbound_client(settings) as client:
            return await client.get_menu()

    current = _run_wechat(fetch())
    if current is None:
        console.print("公众号当前没有自定义菜单。")
        return
    _print_menu(current.get("menu", current))


def _run_wechat(coro: Coroutine[Any, Any, T]) -> T:
    """Run an outbound call; a WeChat error is one line and exit code 1, not a traceback."""

    try:
        return eventloop.run(coro)
    except WeChatError as exc:
        console.print(f"微信接口返回错误：{exc}", markup=False, soft_wrap=True, highlight=False)
        raise typer.Exit(1) from None


def main() -> None:
    """Console-script entry point."""
    cli()


if __name__ == "__main__":
    main()
