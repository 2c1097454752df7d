"""suggestions: 合理化建议, their campaigns, co-submitters, reviewers and timeline

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-07 04:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "suggestion_campaign",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=True),
        sa.Column("ends_on", sa.Date(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("created_by", sa.String(length=64), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("name"),
    )
    op.create_table(
        "suggestion",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=20), nullable=True),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("category", sa.String(length=16), nullable=False),
        sa.Column("concerns_unit_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("via", sa.String(length=16), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("adopted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("implemented_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("verified_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("awarded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reject_reason", sa.Text(), nullable=True),
        sa.Column("merged_into_id", sa.Integer(), nullable=True),
        sa.Column("estimated_benefit", sa.Numeric(precision=14, scale=2), nullable=True),
        sa.Column("verified_benefit", sa.Numeric(precision=14, scale=2), nullable=True),
        sa.Column("benefit_basis", sa.Text(), nullable=True),
        sa.Column("verified_by", sa.String(length=64), nullable=True),
        sa.Column("campaign_id", sa.Integer(), nullable=True),
        sa.Column("award", sa.String(length=40), nullable=True),
        sa.ForeignKeyConstraint(["campaign_id"], ["suggestion_campaign.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["concerns_unit_id"], ["org_unit.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["merged_into_id"], ["suggestion.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["person_id"], ["person.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("number"),
    )
    op.create_index("ix_suggestion_adopted_at", "suggestion", ["adopted_at"], unique=False)
    op.create_index("ix_suggestion_awarded_at", "suggestion", ["awarded_at"], unique=False)
    op.create_index("ix_suggestion_campaign_id", "suggestion", ["campaign_id"], unique=False)
    op.create_index(
        "ix_suggestion_concerns_unit_id", "suggestion", ["concerns_unit_id"], unique=False
    )
    op.create_index("ix_suggestion_implemented_at", "suggestion", ["implemented_at"], unique=False)
    op.create_index("ix_suggestion_person_id", "suggestion", ["person_id"], unique=False)
    op.create_index("ix_suggestion_status", "suggestion", ["status"], unique=False)
    op.create_index("ix_suggestion_submitted_at", "suggestion", ["submitted_at"], unique=False)
    op.create_index("ix_suggestion_verified_at", "suggestion", ["verified_at"], unique=False)

    op.create_table(
        "suggestion_coauthor",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("suggestion_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["person_id"], ["person.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["suggestion_id"], ["suggestion.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("suggestion_id", "person_id", name="uq_suggestion_coauthor"),
    )
    op.create_index(
        "ix_suggestion_coauthor_person_id", "suggestion_coauthor", ["person_id"], unique=False
    )

    op.create_table(
        "suggestion_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("suggestion_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("from_status", sa.String(length=16), nullable=True),
        sa.Column("to_status", sa.String(length=16), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("amount", sa.Numeric(precision=14, scale=2), nullable=True),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("actor_name", sa.String(length=64), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["suggestion_id"], ["suggestion.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_suggestion_event_suggestion_id", "suggestion_event", ["suggestion_id"], unique=False
    )

    op.create_table(
        "suggestion_reviewer",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("suggestion_id", sa.Integer(), nullable=False),
        sa.Column("admin_user_id", sa.Integer(), nullable=False),
        sa.Column("assigned_by", sa.String(length=64), nullable=True),
        sa.Column("assigned_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["admin_user_id"], ["admin_user.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["suggestion_id"], ["suggestion.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("suggestion_id", "admin_user_id", name="uq_suggestion_reviewer"),
    )
    op.create_index(
        "ix_suggestion_reviewer_admin_user_id",
        "suggestion_reviewer",
        ["admin_user_id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_suggestion_reviewer_admin_user_id", table_name="suggestion_reviewer")

    op.drop_table("suggestion_reviewer")
    op.drop_index("ix_suggestion_event_suggestion_id", table_name="suggestion_event")

    op.drop_table("suggestion_event")
    op.drop_index("ix_suggestion_coauthor_person_id", table_name="suggestion_coauthor")

    op.drop_table("suggestion_coauthor")
    op.drop_index("ix_suggestion_verified_at", table_name="suggestion")
    op.drop_index("ix_suggestion_submitted_at", table_name="suggestion")
    op.drop_index("ix_suggestion_status", table_name="suggestion")
    op.drop_index("ix_suggestion_person_id", table_name="suggestion")
    op.drop_index("ix_suggestion_implemented_at", table_name="suggestion")
    op.drop_index("ix_suggestion_concerns_unit_id", table_name="suggestion")
    op.drop_index("ix_suggestion_campaign_id", table_name="suggestion")
    op.drop_index("ix_suggestion_awarded_at", table_name="suggestion")
    op.drop_index("ix_suggestion_adopted_at", table_name="suggestion")

    op.drop_table("suggestion")
    op.drop_table("suggestion_campaign")
