"""合理化建议: scheduled jobs."""

from __future__ import annotations
