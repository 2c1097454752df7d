"""The suite's fixtures live in tests/support/, loaded here as pytest plugins.

`client` and `make_client` give an AppClient (tests/support/app.py): HTTP to the app under test,
with `client.sessions`, `client.settings`, `client.sandbox` and `client.state` typed. Helpers are
imported from tests/support/ modules; a conftest holds fixtures only.
"""

pytest_plugins = [
    "tests.support.plugin",
    "tests.support.console",
    "tests.support.api",
    "tests.support.broadcasts",
    "tests.support.chat",
    "tests.support.system",
    "tests.support.database",
    "tests.support.browser",
]
