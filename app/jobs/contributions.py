"""岗位建功: scheduled jobs."""

from __future__ import annotations
