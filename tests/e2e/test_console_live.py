"""A reading as it is written, in the console (Chromium): the cards face down at once, the text from Realtime, a
reload that resumes, a blocked socket that falls back to polling, offline then online, the LINE offer of a long
reading; and the console's fixes of issue 24 (cards, checkboxes, tabs, counter, refusals, account, shared page).

The OpenAI stand-in is paced (its test knob) so that a reading takes seconds, as with a real model.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import pytest

from mimi_local.openai import Pace
from mimi_local.stack import LocalStack
from tests.e2e.test_console import LONG_MS, shot

if TYPE_CHECKING:
    from playwright.sync_api import Locator, Page

pytestmark = pytest.mark.browser

QUESTION = "งานของฉันในเดือนหน้าจะเป็นอย่างไรบ้างคะ"


@pytest.fixture(scope="module")
def journey() -> dict[str, Any]:
    return {"name": f"Live {secrets.token_hex(3)}", "shot": 20}


@pytest.fixture
def paced(stack: LocalStack) -> Iterator[None]:
    """Mimi writes as a real model does: about 0.3 s to the first token, then 120 tokens a second."""
    controls = stack.state["openai"]
    controls.pace = Pace(0.3, 120)
    yield
    controls.pace = Pace()


@pytest.fixture
def generous(sql: Any, env: Any, journey: dict[str, Any]) -> Iterator[None]:
    """Enough free points and no per-minute limit for the readings of this module."""
    sql.execute("update public.app_settings set value = 1000 where key = 'readings_per_minute'")
    env(READINGS_PER_MINUTE="1000")
    user = sql.execute(
        "select id from public.users where display_name = %s", (journey["name"],)
    ).fetchone()
    if user:
        sql.execute(
            "select public.grant_credit(%s, %s, 'test', '{\"free_point\": 20}')",
            (user["id"], f"e2e-live:{secrets.token_hex(4)}"),
        )
    yield
    sql.execute("update public.app_settings set value = 5 where key = 'readings_per_minute'")


def submit(page: Page, question: str = QUESTION) -> Locator:
    """Ask, and return the reading box once it shows the new reading (its cards, from the submit response)."""
    from playwright.sync_api import expect

    page.get_by_test_id("tab-ask").click()
    reading = page.get_by_test_id("reading")
    before = reading.get_attribute("data-reading-id") if reading.is_visible() else None
    page.get_by_test_id("question").fill(question)
    page.get_by_test_id("ask-button").click()
    expect(reading).to_have_attribute("data-reading-id", re.compile(r"^[0-9a-f-]{36}$"))
    expect(reading).not_to_have_attribute("data-reading-id", before or "-")
    return reading


def completed(reading: Locator) -> None:
    from playwright.sync_api import expect

    expect(reading).to_have_attribute("data-status", "completed", timeout=LONG_MS)
    expect(reading.get_by_test_id("reading-final")).not_to_be_empty()


class TestLiveReading:
    journey = True

    def test_log_in(self, page: Page, journey: dict[str, Any]) -> None:
        from playwright.sync_api import expect

        page.goto("/")
        page.get_by_test_id("login-name").fill(journey["name"])
        page.get_by_test_id("login-button").click()
        expect(page.get_by_test_id("display-name")).to_have_text(journey["name"])

    @pytest.mark.usefixtures("paced", "generous")
    def test_cards_show_face_down_before_the_text_which_arrives_over_realtime(
        self, page: Page, journey: dict[str, Any]
    ) -> None:
        from playwright.sync_api import expect

        gets: list[str] = []
        page.on(
            "request",
            lambda r: (
                gets.append(r.url)
                if r.method == "GET" and re.search(r"/functions/readings/[0-9a-f-]{36}$", r.url)
                else None
            ),
        )
        reading = submit(page)
        cards = reading.get_by_test_id("card")
        expect(cards).to_have_count(3)
        assert (
            reading.get_attribute("data-status") != "completed"
        )  # the cards came before the reading
        expect(reading.get_by_test_id("reading-text")).to_have_count(0)
        expect(reading).to_have_attribute("data-live", "socket")
        expect(reading.locator('[data-testid="card"][data-face="down"]')).to_have_count(0)
        expect(reading.get_by_test_id("reading-header")).not_to_be_empty()
        expect(reading).to_have_attribute("data-status", "writing")
        shot(page, journey, "live-writing")
        completed(reading)
        assert len(gets) <= 4, f"polled while the socket was joined: {gets}"
        expect(page.get_by_test_id("reading-status")).to_have_text("คำทำนายเสร็จแล้วค่ะ")
        shot(page, journey, "live-done")

    @pytest.mark.usefixtures("paced", "generous")
    def test_a_reload_mid_reading_resumes_it(self, page: Page, journey: dict[str, Any]) -> None:
        from playwright.sync_api import expect

        reading = submit(page)
        expect(reading.get_by_test_id("card")).to_have_count(3)
        rid = reading.get_attribute("data-reading-id")
        assert page.evaluate("localStorage.getItem('mimi.pending')")
        page.reload()
        expect(reading).to_have_attribute("data-reading-id", rid or "")
        expect(page.get_by_test_id("toast").filter(has_text="กลับมาดูคำทำนาย")).to_be_visible()
        completed(reading)
        assert page.evaluate("localStorage.getItem('mimi.pending')") is None

    @pytest.mark.usefixtures("paced", "generous")
    def test_a_closed_socket_falls_back_to_polling_and_waits_while_offline(
        self, page: Page, journey: dict[str, Any]
    ) -> None:
        from playwright.sync_api import expect

        page.route_web_socket(re.compile(r"/realtime/v1/websocket"), lambda ws: ws.close())
        page.reload()  # the page's socket is open already: a new page opens a new one, which is closed
        expect(page.get_by_test_id("display-name")).to_have_text(journey["name"])
        reading = submit(page)
        expect(reading.get_by_test_id("card")).to_have_count(3)
        expect(reading).to_have_attribute("data-live", re.compile("polling"))
        page.context.set_offline(True)
        expect(reading).to_have_attribute("data-live", "offline")
        expect(page.get_by_test_id("reading-status")).to_contain_text("ออฟไลน์")
        shot(page, journey, "live-offline")
        page.context.set_offline(False)
        completed(reading)
        page.unroute_all()

    @pytest.mark.usefixtures("generous")
    def test_a_long_reading_offers_a_line_message(
        self, page: Page, stack: LocalStack, journey: dict[str, Any]
    ) -> None:
        from playwright.sync_api import expect

        stack.state["openai"].pace = Pace(9.0, 400)  # a slow model: 9 s to the first token
        try:
            reading = submit(page)
            offer = page.get_by_test_id("line-offer")
            expect(offer).to_be_visible(timeout=LONG_MS)
            expect(offer).to_contain_text("LINE")
            offer.get_by_test_id("line-offer-button").click()
            expect(offer.get_by_test_id("line-offer-on")).to_be_visible()
            shot(page, journey, "live-line-offer")
            completed(reading)
        finally:
            stack.state["openai"].pace = Pace()
        page.get_by_test_id("tab-line").click()
        expect(page.get_by_test_id("notify-line")).to_be_checked()
