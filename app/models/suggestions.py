"""合理化建议「我为创业创效献一策」：收集、评审、采纳、实施、效益核定、金点子."""

from __future__ import annotations
