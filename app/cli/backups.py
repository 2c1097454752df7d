"""`shente backup` (a consistent dump into BACKUP_DIR, with retention) and `shente restore FILE`."""

from __future__ import annotations

from pathlib import Path

import typer
from alembic.script import ScriptDirectory

from alembic import command
from app.cli.common import alembic_config, console, quiet_settings
from app.services import backups
from app.services.backups import BackupError, RestoreRefused


def _say(text: str) -> None:
    console.print(text, markup=False, soft_wrap=True, highlight=False)


def _size(size: int) -> str:
    return f"{size / 1024 / 1024:.1f} MB" if size >= 1024 * 1024 else f"{size / 1024:.0f} KB"


def backup(
    directory: Path | None = typer.Option(None, "--dir", help="Where to write (BACKUP_DIR)"),
    keep: int | None = typer.Option(None, help="How many of the newest to keep (BACKUP_KEEP)"),
) -> None:
    """Write a consistent backup of the database, then delete those retention does not keep."""
    settings = quiet_settings()
    target = directory or Path(settings.backup_dir)
    try:
        made = backups.make_backup(
            settings.database_url,
            target,
            keep=keep or settings.backup_keep,
            keep_weekly=settings.backup_keep_weekly,
        )
    except (BackupError, OSError) as exc:
        _say(f"备份失败：{exc}")
        raise typer.Exit(1) from None
    _say(f"备份完成：{made.path}（{_size(made.size)}，用时 {made.seconds:.1f} 秒）")
    if made.removed:
        names = "、".join(p.name for p in made.removed)
        _say(f"按保留规则删除了 {len(made.removed)} 个旧备份：{names}")


def restore(
    file: Path = typer.Argument(..., help="A file `shente backup` wrote"),
) -> None:
    """Restore a backup into the configured database, which must be empty; then migrate it."""
    settings = quiet_settings()
    url = settings.database_url
    script = ScriptDirectory.from_config(alembic_config())
    known = {revision.revision for revision in script.walk_revisions()}
    try:
        dumped = backups.dumped_revisions(file)
        if not dumped:
            raise RestoreRefused(f"{file.name} 里没有数据库版本记录（alembic_version），不能恢复")
        newer = dumped - known
        if newer:
            raise RestoreRefused(
                f"备份的数据库版本 {'、'.join(sorted(newer))} 比当前代码新："
                "请部署与备份同版本或更新的代码再恢复"
            )
        backups.restore(url, file)
    except RestoreRefused as exc:
        _say(str(exc))
        raise typer.Exit(2) from None
    except (BackupError, OSError) as exc:
        _say(f"恢复失败：{exc}")
        raise typer.Exit(1) from None
    heads = set(script.get_heads())
    _say(f"已恢复 {file.name} 到 {backups.safe_url(url)}")
    if dumped != heads:
        config = alembic_config(url)
        config.attributes["configure_logger"] = False
        command.upgrade(config, "head")
        moved = f"{'、'.join(sorted(dumped))} → {'、'.join(sorted(heads))}"
        _say(f"备份的数据库版本较旧，已迁移：{moved}")
