"""The suite's fixtures live in tests/support/, loaded here as pytest plugins."""

pytest_plugins = [
    "tests.support.plugin",
    "tests.support.console",
    "tests.support.api",
    "tests.support.broadcasts",
    "tests.support.chat",
    "tests.support.database",
    "tests.support.browser",
]
