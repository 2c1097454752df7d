"""志愿服务: scheduled jobs."""

from __future__ import annotations
