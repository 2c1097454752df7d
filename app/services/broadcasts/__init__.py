"""Broadcasts: reach, recipient rows, receipts, progress; no commits (see app.broadcasting)."""
