"""Cursors over integer keys: anything but ASCII digits within a bigint is 422 invalid_cursor, never a 5xx."""

from __future__ import annotations

import pytest

from mimi.pagination import encode_cursor
from mimi_local.stack import LocalStack
from tests.functions.conftest import bearer, login
from tests.functions.invoke_support import invoke

BAD_POSITIONS = ["๑๒๓", "\u00b2\u00b3", "\u0661\u0662", str(2**63), "9" * 40, "-1", "1.5"]


@pytest.mark.parametrize("function,path", [("profile", "/transactions"), ("payments", "/")])
@pytest.mark.parametrize("position", BAD_POSITIONS)
def test_foreign_digit_and_out_of_range_cursors_are_422(
    stack: LocalStack, function: str, path: str, position: str
) -> None:
    session = login(stack)
    status, body, _ = invoke(
        function, "GET", path, query=f"cursor={encode_cursor(position)}", headers=bearer(session)
    )
    assert (status, body.get("code")) == (422, "invalid_cursor"), body


@pytest.mark.parametrize("function,path", [("profile", "/transactions"), ("payments", "/")])
def test_the_largest_bigint_is_a_valid_cursor(stack: LocalStack, function: str, path: str) -> None:
    session = login(stack)
    status, body, _ = invoke(
        function, "GET", path, query=f"cursor={encode_cursor(2**63 - 1)}", headers=bearer(session)
    )
    assert status == 200, body
