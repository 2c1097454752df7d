"""三亮三挂三考核: scheduled jobs."""

from __future__ import annotations
