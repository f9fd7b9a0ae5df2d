"""The dev console is served by the dev server: the page at /, its script and stylesheet under /console/."""

from __future__ import annotations

import httpx
import pytest

from mimi_local.stack import LocalStack

KEY_TESTIDS = (
    "login-form",
    "login-name",
    "login-button",
    "stars",
    "free-points",
    "coins",
    "level",
    "question",
    "spread",
    "daily-card-button",
    "ask-button",
    "reading",
    "history-list",
    "packages",
    "daily-button",
    "exchange-stars",
    "exchange-button",
    "referral-link",
    "copy-referral",
    "lang-toggle",
    "toasts",
)


def _get(stack: LocalStack, path: str) -> httpx.Response:
    response = httpx.get(f"{stack.url}{path}")
    if path == "/" and response.status_code == 404:
        pytest.fail(
            "GET / is 404: the console is not wired into the dev server "
            "(LocalStack._routes must add mimi_local.console.routes())"
        )
    return response


def test_root_serves_the_console_page_with_its_test_ids(stack: LocalStack) -> None:
    response = _get(stack, "/")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    html = response.text
    missing = [testid for testid in KEY_TESTIDS if f'data-testid="{testid}"' not in html]
    assert missing == []
    assert '<html lang="th">' in html
    assert 'src="/console/app.js"' in html
    assert 'href="/console/style.css"' in html


def test_console_script_and_stylesheet_are_served_without_external_resources(
    stack: LocalStack,
) -> None:
    script, style = _get(stack, "/console/app.js"), _get(stack, "/console/style.css")
    assert script.status_code == style.status_code == 200
    assert "javascript" in script.headers["content-type"]
    assert style.headers["content-type"].startswith("text/css")
    for body in (script.text, style.text, _get(stack, "/").text):
        assert "//cdn" not in body
        assert "fonts.googleapis" not in body
        assert "https://" not in body


def test_unknown_console_asset_is_not_found(stack: LocalStack) -> None:
    assert _get(stack, "/console/nope.js").status_code == 404
