"""APScheduler 3 jobs: thin wrappers that open a unit of work and call one service."""
