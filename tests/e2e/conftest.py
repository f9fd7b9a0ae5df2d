"""Browser tests' shared parts: Debian's Chromium and a phone-sized page (every e2e module uses them), and journey
classes whose steps run in order and stop at the first failure."""

from __future__ import annotations

from collections.abc import Generator, Iterator
from typing import TYPE_CHECKING

import pytest

from tests.parts import CHROMIUM

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

    from mimi_local.stack import LocalStack

FAILED_STEP = "_journey_failed_step"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.skip(
            f"Debian's Chromium is not installed at {CHROMIUM}: `apt-get install -y chromium chromium-driver` "
            "(make test does it when apt works)"
        )
    sync_api = pytest.importorskip(
        "playwright.sync_api",
        reason="the playwright package is not installed: pip install -e '.[dev]'",
    )
    with sync_api.sync_playwright() as pw:
        launched = pw.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        yield launched
        launched.close()


@pytest.fixture(scope="module")
def page(browser: Browser, stack: LocalStack) -> Iterator[Page]:
    """A phone-sized page (LIFF runs in LINE's webview) that records uncaught script errors."""
    from playwright.sync_api import expect

    expect.set_options(timeout=15_000)
    context = browser.new_context(
        viewport={"width": 390, "height": 844},
        locale="th-TH",
        base_url=stack.url,
        permissions=["clipboard-read", "clipboard-write"],
    )
    opened = context.new_page()
    errors: list[str] = []
    opened.on("pageerror", lambda exc: errors.append(str(exc)))
    yield opened
    context.close()
    assert errors == [], f"uncaught errors in the console page: {errors}"


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """Remember the first failed step of a journey class (a class with `journey = True`)."""
    report = yield
    cls = getattr(item, "cls", None)
    if getattr(cls, "journey", False) and report.failed and call.when in ("setup", "call"):
        setattr(cls, FAILED_STEP, item.name)
    return report


def pytest_runtest_setup(item: pytest.Item) -> None:
    """Later steps of a journey need the state earlier ones built: skip them once a step failed."""
    failed = getattr(getattr(item, "cls", None), FAILED_STEP, None)
    if failed:
        pytest.skip(f"an earlier step of this journey failed: {failed}")
