"""微感悟: scheduled jobs."""

from __future__ import annotations
