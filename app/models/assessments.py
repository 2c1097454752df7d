"""三亮三挂三考核：月度、季度、年度考核表."""

from __future__ import annotations
