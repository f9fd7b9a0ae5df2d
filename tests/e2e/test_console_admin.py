"""The console's admin tab in Chromium: hidden from users, shown to an admin (is_admin() in SQL), who finds a user
and adjusts their stars with a reason."""

from __future__ import annotations

import secrets
from typing import TYPE_CHECKING, Any

import pytest

from mimi_local.stack import LocalStack
from mimi_ops.admins.cli import run as admins
from tests.functions.conftest import login

if TYPE_CHECKING:
    from playwright.sync_api import Page

pytestmark = pytest.mark.browser


def test_an_admin_finds_a_user_and_adjusts_their_stars(
    page: Page, stack: LocalStack, sql: Any
) -> None:
    from playwright.sync_api import expect

    user = login(stack, name="Customer")["user"]
    name = f"Boss {secrets.token_hex(3)}"
    page.goto("/")
    page.get_by_test_id("login-name").fill(name)
    page.get_by_test_id("login-button").click()
    expect(page.get_by_test_id("app")).to_be_visible()
    expect(page.get_by_test_id("tab-admin")).to_be_hidden()  # not an admin yet
    boss = sql.execute("select id from public.users where display_name = %s", (name,)).fetchone()[
        "id"
    ]
    admins(stack.pg.dsn(), "add", str(boss), "e2e")
    page.reload()
    page.get_by_test_id("tab-admin").click()
    page.get_by_test_id("admin-reason").fill("support chat #9")
    page.get_by_test_id("admin-q").fill(user["id"])
    page.get_by_test_id("admin-q").press("Enter")
    summary = page.get_by_test_id("admin-user-summary")
    expect(summary).to_contain_text(user["id"])
    page.get_by_test_id("admin-delta").fill("4")
    page.get_by_test_id("admin-adjust").click()
    expect(summary).to_contain_text("★ 4")
    expect(page.get_by_test_id("admin-ledger")).to_contain_text("+4 star · adjustment")
    expect(page.get_by_test_id("admin-last-run")).not_to_be_empty()
    # every later action works too (issue 24: the second one met "reading 'replaceWith' of null")
    page.get_by_test_id("admin-delta").fill("2")
    page.get_by_test_id("admin-adjust").click()
    expect(summary).to_contain_text("★ 6")
    page.get_by_test_id("admin-freeze").click()
    expect(page.get_by_test_id("admin-frozen")).to_be_visible()
    page.get_by_test_id("admin-unfreeze").click()
    expect(page.get_by_test_id("admin-frozen")).to_have_count(0)
    errors = page.locator('[data-testid="toast"][data-kind="error"]')
    expect(errors).to_have_count(0)
    page.get_by_test_id("admin-reason").fill("")
    page.get_by_test_id("admin-freeze").click()
    expect(errors.filter(has_text="กรุณาใส่เหตุผลก่อน")).to_be_visible()
    page.get_by_test_id("lang-toggle").click()
    expect(page.get_by_test_id("tab-admin")).to_have_text("Admin")
