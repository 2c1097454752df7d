"""`python -m app.cli …` runs the `shente` command."""

from app.cli.main import main

main()
