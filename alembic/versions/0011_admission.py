"""admission: development files, their steps and documents, 公示 and objections, thought reports,
the training class, and the holiday calendar for years the package does not know

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07 01:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "calendar_day",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("is_workday", sa.Boolean(), nullable=False),
        sa.Column("name", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("day"),
    )
    op.create_table(
        "calendar_year",
        sa.Column("year", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("entered_by", sa.String(length=64), nullable=True),
        sa.Column("entered_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("year"),
    )
    op.create_table(
        "admission_course",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=100), nullable=False),
        sa.Column("org_unit_id", sa.Integer(), nullable=False),
        sa.Column("required_hours", sa.Integer(), nullable=False),
        sa.Column("quiz_id", sa.Integer(), nullable=True),
        sa.Column("created_by", sa.String(length=64), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["org_unit_id"], ["org_unit.id"], ondelete="RESTRICT"),
        sa.ForeignKeyConstraint(["quiz_id"], ["quiz.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "admission_file",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("birth_date", sa.Date(), nullable=True),
        sa.Column("historical", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("status_reason", sa.Text(), nullable=True),
        sa.Column("probation_extension_months", sa.Integer(), nullable=False),
        sa.Column("extension_reason", sa.Text(), nullable=True),
        sa.Column("created_by", sa.String(length=64), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["person_id"], ["person.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("person_id"),
    )
    op.create_table(
        "admission_assignee",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("file_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.ForeignKeyConstraint(["file_id"], ["admission_file.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["person_id"], ["person.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("file_id", "person_id", "role", name="uq_admission_assignee"),
    )
    with op.batch_alter_table("admission_assignee", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_admission_assignee_file_id"), ["file_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_admission_assignee_person_id"), ["person_id"], unique=False
        )

    op.create_table(
        "admission_course_enrolment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("course_id", sa.Integer(), nullable=False),
        sa.Column("file_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["course_id"], ["admission_course.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["file_id"], ["admission_file.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("course_id", "file_id", name="uq_course_enrolment"),
    )
    with op.batch_alter_table("admission_course_enrolment", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_admission_course_enrolment_file_id"), ["file_id"], unique=False
        )

    op.create_table(
        "admission_course_session",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("course_id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("hours", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["course_id"], ["admission_course.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["meeting_id"], ["meeting.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("meeting_id"),
    )
    with op.batch_alter_table("admission_course_session", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_admission_course_session_course_id"), ["course_id"], unique=False
        )

    op.create_table(
        "admission_review",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("file_id", sa.Integer(), nullable=False),
        sa.Column("reviewed_on", sa.Date(), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("recorded_by", sa.String(length=64), nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["file_id"], ["admission_file.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("admission_review", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_admission_review_file_id"), ["file_id"], unique=False)

    op.create_table(
        "admission_step",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("file_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("done_on", sa.Date(), nullable=False),
        sa.Column("document_no", sa.String(length=100), nullable=True),
        sa.Column("document_date", sa.Date(), nullable=True),
        sa.Column("details", JSON, nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("recorded_by", sa.String(length=64), nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["file_id"], ["admission_file.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("file_id", "code", name="uq_admission_step_code"),
    )
    op.create_table(
        "public_notice",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("file_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("working_days", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("contact", sa.String(length=200), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["file_id"], ["admission_file.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("file_id", "kind", name="uq_public_notice_kind"),
    )
    op.create_table(
        "thought_report",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("file_id", sa.Integer(), nullable=False),
        sa.Column("quarter", sa.String(length=8), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("via", sa.String(length=16), nullable=False),
        sa.Column("content", sa.Text(), nullable=True),
        sa.Column("photos", JSON, nullable=False),
        sa.Column("acknowledged_by", sa.String(length=64), nullable=True),
        sa.Column("acknowledged_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["file_id"], ["admission_file.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("thought_report", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_thought_report_file_id"), ["file_id"], unique=False)

    op.create_table(
        "admission_document",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("step_id", sa.Integer(), nullable=False),
        sa.Column("filename", sa.String(length=128), nullable=False),
        sa.Column("content_type", sa.String(length=100), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("uploaded_by", sa.String(length=64), nullable=True),
        sa.Column("uploaded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["step_id"], ["admission_step.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("admission_document", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_admission_document_step_id"), ["step_id"], unique=False
        )

    op.create_table(
        "notice_objection",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("notice_id", sa.Integer(), nullable=False),
        sa.Column("received_on", sa.Date(), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("named", sa.Boolean(), nullable=False),
        sa.Column("objector_name", sa.String(length=50), nullable=True),
        sa.Column("objector_contact", sa.String(length=100), nullable=True),
        sa.Column("finding", sa.Text(), nullable=True),
        sa.Column("outcome", sa.String(length=16), nullable=True),
        sa.Column("checked_by", sa.String(length=64), nullable=True),
        sa.Column("checked_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["notice_id"], ["public_notice.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("notice_objection", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_notice_objection_notice_id"), ["notice_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("notice_objection", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_notice_objection_notice_id"))

    op.drop_table("notice_objection")
    with op.batch_alter_table("admission_document", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_admission_document_step_id"))

    op.drop_table("admission_document")
    with op.batch_alter_table("thought_report", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_thought_report_file_id"))

    op.drop_table("thought_report")
    op.drop_table("public_notice")
    op.drop_table("admission_step")
    with op.batch_alter_table("admission_review", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_admission_review_file_id"))

    op.drop_table("admission_review")
    with op.batch_alter_table("admission_course_session", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_admission_course_session_course_id"))

    op.drop_table("admission_course_session")
    with op.batch_alter_table("admission_course_enrolment", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_admission_course_enrolment_file_id"))

    op.drop_table("admission_course_enrolment")
    with op.batch_alter_table("admission_assignee", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_admission_assignee_person_id"))
        batch_op.drop_index(batch_op.f("ix_admission_assignee_file_id"))

    op.drop_table("admission_assignee")
    op.drop_table("admission_file")
    op.drop_table("admission_course")
    op.drop_table("calendar_year")
    op.drop_table("calendar_day")
