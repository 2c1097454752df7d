"""民主评议党员: scheduled jobs."""

from __future__ import annotations
