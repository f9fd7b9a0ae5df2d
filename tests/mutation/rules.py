"""How mutants are written: sql(), statement(), append() and py() register one mutant each; the test ids that
catch them.

SQL mutants name a function (schema.name, or schema.name(arguments) for one overload) or the start of a statement
and apply to the migration that defines it LAST; append() adds a statement after the last migration naming an
object (a later migration granting back what was revoked); Python mutants name file:function. A search text that
is no longer there makes the mutant `stale`.
"""

from __future__ import annotations

from tests.mutation.locate import Edit, Mutant

SQL_CREDITS = "tests/sql/test_credits.py::"
SQL_READINGS = "tests/sql/test_readings.py::"
SQL_PAYMENTS = "tests/sql/test_payments_sql.py::"
PRIVILEGE = (
    "tests/sql/test_privileges.py::test_api_roles_are_refused_what_was_revoked_from_them[{}]"
)
PRIVATE = "tests/sql/test_privileges.py::test_api_roles_can_use_nothing_in_the_private_schema"
TOKEN = "tests/auth/test_tokens.py::test_access_token_verdict[{}]"
AUTH = "tests/functions/test_auth.py::"
RLS = "tests/functions/test_rls.py::test_another_users_rows_are_invisible_through_the_gateway[{}]"
PUBLIC_TABLES = "tests/functions/test_rls.py::test_anyone_can_read_the_reference_tables[{}]"
READINGS = "tests/functions/test_readings.py::"
PROCESSOR = "tests/functions/test_reading_processor.py::"
WEBHOOK = "tests/functions/test_stripe_webhook.py::"
PAYMENTS = "tests/functions/test_payments.py::"

MUTANTS: list[Mutant] = []


def _add(
    kind: str, name: str, target: str, edits: Edit | list[Edit], bug: str, *kills: str
) -> None:
    MUTANTS.append(
        Mutant(
            name, kind, target, tuple(edits) if isinstance(edits, list) else (edits,), bug, kills
        )
    )


def sql(name: str, function: str, edits: Edit | list[Edit], bug: str, *kills: str) -> None:
    _add("sql-function", name, function, edits, bug, *kills)


def statement(name: str, prefix: str, edits: Edit | list[Edit], bug: str, *kills: str) -> None:
    _add("sql-statement", name, prefix, edits, bug, *kills)


def append(name: str, obj: str, text: str, bug: str, *kills: str) -> None:
    _add("sql-append", name, obj, ("", f"\n{text}\n"), bug, *kills)


def py(name: str, target: str, edits: Edit | list[Edit], bug: str, *kills: str) -> None:
    _add("python", name, target, edits, bug, *kills)
