"""The scheduler's record: one row per job run, unique per (job, due time)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Column, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from app.models.types import UTCDateTime


class JobOutcome(StrEnum):
    """How a run ended."""

    RUNNING = "running"
    OK = "ok"
    IDLE = "idle"  # ran, found nothing due
    FAILED = "failed"

    @property
    def label(self) -> str:
        """The Chinese name."""
        return {"running": "运行中", "ok": "完成", "idle": "无事可做", "failed": "失败"}[self.value]


class JobRun(SQLModel, table=True):
    """One run of a scheduled job; a second scheduler cannot insert the same (job, due time)."""

    __tablename__ = "job_run"
    __table_args__ = (
        UniqueConstraint("job", "due_at", name="uq_job_run_due"),
        Index("ix_job_run_started_at", "started_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    job: str = Field(max_length=64)
    due_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    started_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    finished_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
    outcome: str = Field(default=JobOutcome.RUNNING.value, max_length=16)
    detail: str | None = Field(default=None, sa_column=Column(Text))
    trigger: str = Field(default="schedule", max_length=16)  # schedule / run-once / console
    runner: str | None = Field(default=None, max_length=64)  # which scheduler ran it
