"""thought-report photos move to the shared attachment store; a report keeps only their count

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-07 04:00:00
"""

import json
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from alembic import op

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
OWNER = "thought_report"


def _photos(value: Any) -> list[dict[str, Any]]:
    """The JSON column as a list (SQLite hands it back as text)."""
    if isinstance(value, str):
        value = json.loads(value or "[]")
    return list(value or [])


def upgrade() -> None:
    with op.batch_alter_table("thought_report", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("photo_count", sa.Integer(), nullable=False, server_default="0")
        )
    bind = op.get_bind()
    kept = {
        (row.report_id, row.media_id): row
        for row in bind.execute(sa.text("SELECT * FROM thought_report_photo"))
    }
    attachment = sa.table(
        "attachment",
        *(sa.column(name) for name in (
            "owner_kind", "owner_id", "content_type", "size", "content", "media_id", "url",
            "created_at", "fetched_at", "attempts", "failure",
        )),
    )  # fmt: skip
    reports = bind.execute(sa.text("SELECT id, photos, submitted_at FROM thought_report"))
    for report in reports.all():
        photos = _photos(report.photos)
        for photo in photos:
            media_id = str(photo.get("media_id") or "")
            copy = kept.get((report.id, media_id))
            content = copy.content if copy is not None else None
            bind.execute(
                attachment.insert().values(
                    owner_kind=OWNER,
                    owner_id=report.id,
                    content_type=(copy.content_type if copy is not None else None) or "image/jpeg",
                    size=len(content or b""),
                    content=content,
                    media_id=media_id or None,
                    url=str(photo.get("url") or "") or None,
                    created_at=report.submitted_at,
                    fetched_at=copy.fetched_at if copy is not None else None,
                    attempts=copy.attempts if copy is not None else 0,
                    failure=copy.failure if copy is not None else None,
                )
            )
        if photos:
            bind.execute(
                sa.text("UPDATE thought_report SET photo_count = :n WHERE id = :id"),
                {"n": len(photos), "id": report.id},
            )
    with op.batch_alter_table("thought_report", schema=None) as batch_op:
        batch_op.alter_column("photo_count", server_default=None)
        batch_op.drop_column("photos")
    op.drop_index(op.f("ix_thought_report_photo_report_id"), table_name="thought_report_photo")
    op.drop_table("thought_report_photo")


def downgrade() -> None:
    # The columns first: on SQLite a batch rebuilds thought_report, and dropping the old table
    # would cascade to photo rows already inserted.
    with op.batch_alter_table("thought_report", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("photos", JSON, nullable=False, server_default=sa.text("'[]'"))
        )
    with op.batch_alter_table("thought_report", schema=None) as batch_op:
        batch_op.alter_column("photos", server_default=None)
        batch_op.drop_column("photo_count")
    op.create_table(
        "thought_report_photo",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("report_id", sa.Integer(), nullable=False),
        sa.Column("media_id", sa.String(length=128), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=True),
        sa.Column("content_type", sa.String(length=100), nullable=True),
        sa.Column("fetched_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("failure", sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(["report_id"], ["thought_report.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("report_id", "media_id", name="uq_report_photo_media"),
    )
    op.create_index(
        op.f("ix_thought_report_photo_report_id"), "thought_report_photo", ["report_id"]
    )
    bind = op.get_bind()
    rows = bind.execute(
        sa.text(
            "SELECT owner_id, media_id, url, content, content_type, fetched_at, attempts, failure"
            " FROM attachment WHERE owner_kind = :kind ORDER BY id"
        ),
        {"kind": OWNER},
    ).all()
    photos: dict[int, list[dict[str, str]]] = {}
    for row in rows:
        reference = {"url": row.url or "", "media_id": row.media_id or ""}
        photos.setdefault(row.owner_id, []).append(reference)
        if row.media_id:
            bind.execute(
                sa.text(
                    "INSERT INTO thought_report_photo (report_id, media_id, content, content_type,"
                    " fetched_at, attempts, failure) VALUES (:r, :m, :c, :t, :f, :a, :x)"
                ),
                {"r": row.owner_id, "m": row.media_id, "c": row.content, "t": row.content_type,
                 "f": row.fetched_at, "a": row.attempts, "x": row.failure},
            )  # fmt: skip
    reports = sa.table("thought_report", sa.column("id"), sa.column("photos", JSON))
    for report_id, listed in photos.items():
        bind.execute(reports.update().where(reports.c.id == report_id).values(photos=listed))
    bind.execute(sa.text("DELETE FROM attachment WHERE owner_kind = :kind"), {"kind": OWNER})
