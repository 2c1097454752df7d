"""Scheduled jobs: importing this package registers every feature's jobs (`app.jobs.registry`)."""

from app.features import layer_modules
from app.jobs import housekeeping, imports

# Each feature's jobs module registers its jobs with @job as it is imported.
layer_modules("jobs")

__all__ = ["housekeeping", "imports"]
