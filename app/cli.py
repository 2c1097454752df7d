"""The `shente` command: serve, migrate, seed, schedule."""

from __future__ import annotations

import asyncio
from pathlib import Path

import typer
from alembic.config import Config
from rich.console import Console

from app.config import ConfigError, Settings, get_settings

cli = typer.Typer(help="神特党建 — WeChat Official Account backend", no_args_is_help=True)
db_cli = typer.Typer(help="Database migrations", no_args_is_help=True)
cli.add_typer(db_cli, name="db")
console = Console(stderr=True)

ROOT = Path(__file__).resolve().parent.parent


def _checked_settings() -> Settings:
    settings = get_settings()
    try:
        settings.check_production()
    except ConfigError as exc:
        console.print(str(exc), markup=False, soft_wrap=True, highlight=False)
        raise typer.Exit(2) from None
    return settings


def alembic_config(database_url: str | None = None) -> Config:
    """The Alembic configuration of this checkout, optionally for another database."""
    config = Config(str(ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(ROOT / "alembic"))
    if database_url:
        config.attributes["database_url"] = database_url
    return config


@db_cli.command("upgrade")
def db_upgrade(revision: str = typer.Argument("head")) -> None:
    """Migrate the database to the latest schema (or REVISION)."""
    from alembic import command

    _checked_settings()
    command.upgrade(alembic_config(), revision)


@db_cli.command("downgrade")
def db_downgrade(revision: str = typer.Argument(...)) -> None:
    """Migrate the database back to REVISION."""
    from alembic import command

    _checked_settings()
    command.downgrade(alembic_config(), revision)


@cli.command()
def serve(
    host: str = typer.Option("127.0.0.1", help="Interface to listen on"),
    port: int = typer.Option(8000, help="Port to listen on"),
    reload: bool = typer.Option(False, help="Restart on code changes (development)"),
) -> None:
    """Serve the app with uvicorn."""
    import uvicorn

    settings = _checked_settings()
    console.print(f"神特党建 serving on http://{host}:{port} (APP_ENV={settings.app_env})")
    uvicorn.run(
        "app.main:app",
        host=host,
        port=port,
        reload=reload,
        access_log=False,
        proxy_headers=True,
        log_level=settings.log_level.lower(),
    )


@cli.command("seed-demo")
def seed_demo() -> None:
    """Load demo data for trying the system locally (idempotent)."""
    from app.demo import seed

    settings = _checked_settings()
    if settings.app_env == "prod":
        console.print("拒绝执行:生产环境不能写入演示数据")
        raise typer.Exit(2)
    created = asyncio.run(seed(settings))
    console.print(f"demo data ready ({created} new rows)")


@cli.command()
def scheduler() -> None:
    """Run the scheduled jobs in this process (production runs exactly one of these)."""
    from app.jobs.runner import run_forever

    asyncio.run(run_forever(_checked_settings()))


def main() -> None:
    """Console-script entry point."""
    cli()


if __name__ == "__main__":
    main()
