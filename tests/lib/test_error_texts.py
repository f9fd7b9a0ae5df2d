"""Every code the API can answer has a Thai and an English text for the user, in Mimi's voice, with no internals."""

from __future__ import annotations

import importlib
import pkgutil
import re
import string

import pytest

import mimi
from mimi.app import HTTP_CODES
from mimi.error_texts import TEXTS
from mimi.errors import AppError
from mimi.i18n import GENERIC, LANGUAGES
from tests.lib.test_errors import sql_codes

# what the app factory answers itself (mimi.app), besides the codes of the error classes
APP_CODES = {
    *HTTP_CODES.values(),
    "validation_failed",
    "malformed_json",
    "internal_error",
    "http_error",
}
# wording a user must never read: our stack, our services, our tools
INTERNAL = re.compile(
    r"make dev|postgres|sql|redis|qstash|upstash|lambda|supabase|database|json|stripe|http|token|"
    r"idempotency|rpc|null|uuid|schema",
    re.IGNORECASE,
)


def error_classes() -> list[type[AppError]]:
    """Every AppError subclass in mimi (each module imported, so none is missed)."""
    for module in pkgutil.walk_packages(mimi.__path__, "mimi."):
        importlib.import_module(module.name)
    found: list[type[AppError]] = []
    pending = [AppError]
    while pending:
        cls = pending.pop()
        found.append(cls)
        pending.extend(cls.__subclasses__())
    return found


def every_code() -> set[str]:
    return (
        {cls.code for cls in error_classes()}
        | APP_CODES
        | {code for code, _ in sql_codes()}
        | set(GENERIC.values())
    )


def test_the_classes_this_test_walks_include_every_domain() -> None:
    codes = every_code()
    assert {"insufficient_credits", "reading_not_found", "not_admin", "llm_unavailable"} <= codes
    assert len(codes) > 90


@pytest.mark.parametrize("code", sorted(every_code()))
def test_every_code_has_a_thai_and_an_english_text(code: str) -> None:
    assert code in TEXTS, f"mimi/error_texts.py has no text for {code!r}"
    assert set(TEXTS[code]) == set(LANGUAGES)
    assert all(text.strip() for text in TEXTS[code].values())


def test_no_text_is_left_for_a_code_nothing_answers() -> None:
    assert set(TEXTS) - every_code() == set()


@pytest.mark.parametrize("code", sorted(TEXTS))
def test_thai_texts_are_polite_and_in_thai(code: str) -> None:
    thai = TEXTS[code]["th"]
    assert re.search("[\u0e00-\u0e7f]", thai), code
    assert "ค่ะ" in thai or "คะ" in thai, f"{code}: Mimi speaks with ค่ะ/นะคะ"


@pytest.mark.parametrize("code", sorted(TEXTS))
def test_no_internal_wording_reaches_a_user(code: str) -> None:
    for text in TEXTS[code].values():
        assert INTERNAL.search(text) is None, (code, text)


@pytest.mark.parametrize("code", sorted(TEXTS))
def test_a_text_names_only_the_fields_its_code_carries(code: str) -> None:
    declared = {name for cls in error_classes() if cls.code == code for name in cls.fields}
    shown = declared | ({"wait"} if "retry_after" in declared else set())
    for text in TEXTS[code].values():
        named = {name for _, name, _, _ in string.Formatter().parse(text) if name}
        assert named <= shown, (code, named - shown)
