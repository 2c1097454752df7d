"""岗位建功：技术攻关、工艺改进、降本增效."""

from __future__ import annotations
