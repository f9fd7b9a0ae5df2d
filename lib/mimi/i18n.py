"""The language of the texts the API writes for people (problem details): Thai first, English when asked for.

The caller's language is their profile's, carried by the app's access token (claim `lang`, set at login and at
every refresh), so writing an error in it needs no database read; without a verified token it is the request's
Accept-Language. The texts themselves live in mimi.error_texts, loaded on the first error only.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

LANGUAGES = ("th", "en")
DEFAULT = "th"
# the generic code of a status, whose text stands in when a code has no text of its own (the tests keep this unused)
GENERIC = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    409: "conflict",
    422: "validation_failed",
    429: "rate_limit_unavailable",  # "busy, try again in a moment": no wait to name
    500: "internal_error",
}


def language_of(value: Any) -> str | None:
    """A supported language named by a claim or a profile, else None."""
    return value if value in LANGUAGES else None


def negotiate(accept_language: str | None) -> str:
    """The language an Accept-Language header prefers among th and en: English only when it ranks above Thai."""
    quality = dict.fromkeys(LANGUAGES, 0.0)
    for part in (accept_language or "").split(",")[:32]:
        tag, _, params = part.partition(";")
        primary = tag.strip().lower().split("-")[0]
        if primary in quality:
            quality[primary] = max(quality[primary], _q(params))
    return "en" if quality["en"] > quality["th"] else DEFAULT


def _q(params: str) -> float:
    """The q weight of one Accept-Language entry (1 when absent, 0 when unreadable)."""
    for param in params.split(";"):
        name, _, value = param.partition("=")
        if name.strip().lower() == "q":
            try:
                weight = float(value)
            except ValueError:
                return 0.0
            return weight if 0.0 <= weight <= 1.0 else 0.0
    return 1.0


def detail(code: str, status: int, language: str, fields: Mapping[str, Any]) -> str:
    """The text for a problem's code in the language, with its fields filled in (a generic text when a field is
    missing: never a half sentence)."""
    from mimi.error_texts import TEXTS  # only an error pays for loading the texts

    lang = language_of(language) or DEFAULT
    generic = TEXTS[GENERIC.get(status, "service_unavailable" if status >= 500 else "http_error")]
    texts = TEXTS.get(code, generic)
    try:
        return texts[lang].format_map(_shown(fields, lang))
    except (KeyError, ValueError):
        return generic[lang]


def _shown(fields: Mapping[str, Any], lang: str) -> dict[str, Any]:
    """The fields as a text shows them: retry_after also as `wait`, in seconds, minutes or hours."""
    shown = dict(fields)
    if isinstance(fields.get("retry_after"), int):
        shown["wait"] = wait_text(fields["retry_after"], lang)
    return shown


def wait_text(seconds: int, lang: str) -> str:
    """A wait as a person says it: 40 seconds, 3 minutes, 5 hours (rounded up)."""
    units = (("วินาที", "second"), ("นาที", "minute"), ("ชั่วโมง", "hour"))
    amount, unit = (
        (seconds, 0)
        if seconds < 60
        else (math.ceil(seconds / 60), 1)
        if seconds < 3600
        else (math.ceil(seconds / 3600), 2)
    )
    if lang == "th":
        return f"{amount} {units[unit][0]}"
    return f"{amount} {units[unit][1]}{'' if amount == 1 else 's'}"
