"""Property-based: schemathesis drives every /api/v1 operation from /openapi.json; no 5xx.

PostgreSQL only (~12 s): it is the production database and the stricter one. NUL characters,
ids past 32 bits and lone surrogates fail there and pass on SQLite, so a SQLite run adds time
(~15 s) without adding findings. Without PostgreSQL the conftest skips it and gives the reason.

Examples per operation follow what it takes as input (EXAMPLES): an operation that reads only
the bearer token gets a few, one with a single parameter some more, the rest the full count.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.result import Err, Ok
from schemathesis.specs.openapi.checks import response_schema_conformance

from app.db import create_engine, session_factory
from tests.support.api import new_person

Operation = schemathesis.APIOperation[Any, Any, Any, Any]
Loops = set[asyncio.AbstractEventLoop]

# Examples by the number of parameters besides the token (a body counts as many). With only the
# token, or one scalar, the cases soon repeat (the same id 404s, the same junk token 401s);
# bodies and several parameters combine, so they keep the full count.
EXAMPLES = {0: 5, 1: 10}
FULL = 20


def _without_lifespan(app: Any, loops: Loops) -> Any:
    """The app for schemathesis' own event loop, minus start-up (the fixtures did it)."""

    async def asgi(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            raise RuntimeError("no lifespan")  # refused before any message: "not supported"
        loops.add(asyncio.get_running_loop())
        await app(scope, receive, send)

    return asgi


@pytest.fixture
async def fuzz_app(api, users, backend) -> AsyncIterator[Any]:
    """The app with a few people, on connections that schemathesis' event loop may open."""
    if backend.name != "postgresql":
        pytest.skip("property-based run: PostgreSQL only (see the module docstring)")
    for number in range(1, 4):
        person = await new_person(api, users.admin, f"F{number:02}", org_unit_id=users.group_id)
        await api.post(f"/api/v1/people/{person['id']}/binding-codes", headers=users.admin)
    app = api.app
    # Requests run on schemathesis' loop (one thread for the whole run), so they get their own
    # pool, whose connections all open on that loop; a connection per request (NullPool) cost
    # a PostgreSQL backend start each time, about half the run.
    engine = create_engine(backend.database_url)
    own = app.state.sessions
    app.state.sessions = session_factory(engine)
    loops: Loops = set()
    yield _without_lifespan(app, loops)
    app.state.sessions = own
    assert len(loops) <= 1, loops
    for loop in loops:  # asyncpg closes a connection only on the loop that opened it
        disposed = asyncio.run_coroutine_threadsafe(engine.dispose(), loop)
        await asyncio.wait_for(asyncio.wrap_future(disposed), 30)  # a stopped loop never would


def _examples(operation: Operation) -> int:
    if len(operation.body):
        return FULL
    parameters = [*operation.path_parameters, *operation.query, *operation.cookies]
    parameters += [p for p in operation.headers if p.name.lower() != "authorization"]
    return EXAMPLES.get(len(parameters), FULL)


def _order(operation: Operation) -> tuple[bool, str]:
    # Revoking tokens last: a generated id may well be the fuzzing admin's own token.
    return operation.method.upper() == "DELETE" and "/tokens/" in operation.path, operation.label


def test_api_never_answers_5xx(fuzz_app, users):
    # Driven through hypothesis directly: schemathesis' pytest loader (from_fixture) reads
    # Node._nodeid, which pytest 9 no longer has.
    schema = schemathesis.openapi.from_asgi("/openapi.json", fuzz_app)
    results = list(schema.include(path_regex="^/api/v1/").get_all_operations())
    broken = [result.err() for result in results if isinstance(result, Err)]
    assert not broken, broken
    operations = sorted((result.ok() for result in results if isinstance(result, Ok)), key=_order)
    assert len(operations) >= 22, [op.label for op in operations]
    failures: list[str] = []
    for operation in operations:
        cases = st.one_of(
            operation.as_strategy(GenerationMode.POSITIVE),
            operation.as_strategy(GenerationMode.NEGATIVE),
        )

        @given(case=cases)
        @settings(
            max_examples=_examples(operation),
            # The same examples every run: CI stays reproducible; explore with more by hand.
            derandomize=True,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def call(case: schemathesis.Case[Operation]) -> None:
            case.call_and_validate(
                headers=users.admin, checks=[not_a_server_error, response_schema_conformance]
            )

        try:
            call()
        except Exception as exc:
            failures.append(f"{operation.label}: {exc}")
    assert not failures, "\n\n".join(failures)
