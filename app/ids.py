"""Ids in URLs: every `{x_id:int}` path parameter is 0 … 2**31 - 1 by the time a handler sees it.

Starlette's own `int` convertor turns any run of digits into a Python int, so /m/n/2147483648
reached PostgreSQL as an out-of-range integer and came back as a 500. This one is registered
under the same name before any route is declared (app/__init__.py). It matches what the stock
one matches (routing does not change) but reads an id no row can have — past PostgreSQL's
INTEGER, or longer than 10 digits — as 0, which no row has either (ids start at 1): a page
answers 404 as for any missing row, and the REST API's `IdPath` (ge=1) answers 422.
"""

from __future__ import annotations

from starlette.convertors import Convertor, register_url_convertor

MAX_ID = 2**31 - 1  # PostgreSQL's INTEGER, the type of every id column
NO_ID = 0  # what an out-of-range id reads as
_MAX_DIGITS = len(str(MAX_ID))


class IdConvertor(Convertor[int]):
    """ASCII digits; a value beyond MAX_ID (never parsed when too long) reads as NO_ID."""

    regex = "[0-9]+"

    def convert(self, value: str) -> int:
        """The id, or NO_ID when no row can have it."""
        if len(value) > _MAX_DIGITS:
            return NO_ID  # no int() of a 5,000-digit string either
        number = int(value)
        return number if number <= MAX_ID else NO_ID

    def to_string(self, value: int) -> str:
        """The id in a URL."""
        value = int(value)
        assert 0 <= value <= MAX_ID, "ids are 0 … 2**31 - 1"
        return str(value)


def install() -> None:
    """Make `{name:int}` in every route path mean an id (call before routes are declared)."""
    register_url_convertor("int", IdConvertor())
