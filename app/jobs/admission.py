"""组织发展 jobs: step warnings, the weekly digest, quarterly thought-report reminders."""

from __future__ import annotations
