"""The `shente` command, one module per command group; `app.cli.main:main` is the entry point."""
