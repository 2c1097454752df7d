"""Large imports queued to run in the background: the upload, who asked, progress, the report."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Column, Index, LargeBinary
from sqlmodel import Field, SQLModel

from app.models.types import JSONType, UTCDateTime


class ImportKind(StrEnum):
    """What the file holds."""

    ROSTER = "roster"
    BANK = "bank"


class ImportStatus(StrEnum):
    """Where a queued import is: failed means nothing was imported (see the report)."""

    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class ImportJob(SQLModel, table=True):
    """One uploaded file waiting for, or done with, its import (all or nothing, run once)."""

    __tablename__ = "import_job"
    __table_args__ = (Index("ix_import_job_status", "status"),)

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=16)
    filename: str = Field(max_length=255)
    content: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    # The request's scope and actor, kept so the import runs as the user who asked for it.
    params: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSONType, nullable=False))
    requested_by_id: int | None = Field(default=None)
    requested_by: str = Field(max_length=64)
    created_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    status: str = Field(default=ImportStatus.QUEUED.value, max_length=16)
    claim: str | None = Field(default=None, max_length=64)  # the worker that runs it now
    claimed_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
    attempts: int = 0
    rows_done: int = 0
    rows_total: int | None = None
    report: dict[str, Any] | None = Field(default=None, sa_column=Column(JSONType))
    finished_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
