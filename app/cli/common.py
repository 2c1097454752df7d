"""What the commands share: their console, settings checked for production, Alembic's config."""

from __future__ import annotations

from pathlib import Path

import typer
from alembic.config import Config
from rich.console import Console

from app.config import ConfigError, Settings, get_settings
from app.logging import configure_logging

ROOT = Path(__file__).resolve().parent.parent.parent
console = Console(stderr=True)


def checked_settings() -> Settings:
    """The settings; a production configuration error is one line and exit code 2."""
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


def quiet_settings() -> Settings:
    """Checked settings, with only warnings logged: the command's own output says what happened."""
    settings = checked_settings()
    configure_logging(level="WARNING", json=False, secrets=settings.secret_values())
    return settings
