"""A reading as it is written, in the console (Chromium): the cards face down at once, the text from Realtime, a
reload that resumes, a blocked socket that falls back to polling, offline then online, the LINE offer of a long
reading; and the console's fixes of issue 24 (cards, checkboxes, tabs, counter, refusals, account, shared page).

The OpenAI stand-in is paced (its test knob) so that a reading takes seconds, as with a real model.
"""

from __future__ import annotations

import re
import secrets
import time
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
LINES_OF_TEXT = "e => Math.round(e.getBoundingClientRect().height / parseFloat(getComputedStyle(e).lineHeight || 20))"


@pytest.fixture(scope="module")
def journey() -> dict[str, Any]:
    return {"name": f"Live {secrets.token_hex(3)}", "shot": 50}  # after the main journey's shots


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
        page.wait_for_function("localStorage.getItem('mimi.pending') === null")

    @pytest.mark.usefixtures("paced", "generous")
    def test_an_end_broadcast_during_a_poll_ends_the_reading_at_once(
        self, page: Page, sql: Any
    ) -> None:
        """The GET the console sends while its socket joins is answered only after the reading has ended (its end
        broadcast arrived meanwhile): the stale answer must not take the reading back to its earlier status, and
        the end must not wait for the next check of a joined socket (15 s)."""
        from playwright.sync_api import Route, expect

        held: list[str] = []

        def late(route: Route) -> None:
            response = route.fetch()
            reading = response.json()
            if held or reading["status"] in {"completed", "rejected", "failed"}:
                route.fulfill(response=response)
                return
            held.append(reading["id"])
            ended = "select 1 from public.readings where id = %s and status = 'completed'"
            # until the server has ended it, and its broadcast has had time to arrive
            for _ in range(600):
                if sql.execute(ended, (reading["id"],)).fetchone():
                    break
                time.sleep(0.05)
            time.sleep(0.5)
            route.fulfill(response=response)
            held.append("answered")

        page.route(re.compile(r"/functions/readings/[0-9a-f-]{36}$"), late)
        reading = submit(page)
        for _ in range(600):
            if "answered" in held:
                break
            page.wait_for_timeout(100)
        assert "answered" in held, "no GET was answered late"
        expect(reading).to_have_attribute("data-status", "completed", timeout=3000)
        expect(reading.get_by_test_id("reading-final")).not_to_be_empty(timeout=3000)
        page.unroute_all()

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


class TestConsoleFixes:
    """Issue 24's console defects, each checked where a person meets it (the same logged-in page)."""

    journey = True

    def test_cards_say_their_number_and_reversal_without_turning_the_glyph(
        self, page: Page, journey: dict[str, Any]
    ) -> None:
        from playwright.sync_api import expect

        page.get_by_test_id("tab-ask").click()
        cards = page.get_by_test_id("reading").get_by_test_id("card")
        expect(cards.first).to_be_visible()
        for card in cards.all():
            expect(card.get_by_test_id("card-number")).not_to_be_empty()
            glyph = card.locator(".card-glyph")
            assert glyph.evaluate("e => getComputedStyle(e).transform") == "none"
            reversed_mark = card.get_by_test_id("card-reversed-mark")
            expected = 1 if card.get_attribute("data-orientation") == "reversed" else 0
            expect(reversed_mark).to_have_count(expected)
        shot(page, journey, "fix-cards")

    def test_prices_say_stars_like_the_wallet(self, page: Page) -> None:
        from playwright.sync_api import expect

        page.get_by_test_id("tab-ask").click()
        for option in page.get_by_test_id("spread").locator("option").all_inner_texts():
            assert "ดาว" in option and "เครดิต" not in option, option
        expect(page.get_by_test_id("price-hint")).to_contain_text("แต้มฟรี")
        expect(page.get_by_test_id("follow-up-button")).to_contain_text("ดาว")

    def test_the_length_counter_counts_as_the_server_does(self, page: Page) -> None:
        from playwright.sync_api import expect

        from mimi.readings.schemas import clean_text, visible_text

        box, counter = page.get_by_test_id("question"), page.get_by_test_id("question-count")
        for text in ["😀" * 10, "  ดูดวง\u200bความรัก   ค่ะ  ", "👨‍👩‍👧 family", "é" * 3]:
            box.fill(text)
            expect(counter).to_have_attribute(
                "data-count", str(len(visible_text(clean_text(text))))
            )
        box.fill("😀" * 9)
        expect(counter).to_have_attribute("data-state", "short")

    def test_checkboxes_keep_their_size(self, page: Page) -> None:
        page.get_by_test_id("tab-line").click()
        size = page.get_by_test_id("notify-line").bounding_box()
        assert size is not None and size["width"] <= 24 and size["height"] >= 14, size
        page.get_by_test_id("tab-ask").click()

    def test_thai_tab_labels_never_break_mid_word_at_320_px(
        self, page: Page, journey: dict[str, Any]
    ) -> None:
        page.set_viewport_size({"width": 320, "height": 700})
        try:
            for tab in page.locator("nav.tabs [data-tab]:visible").all():
                lines = tab.evaluate(LINES_OF_TEXT)
                assert tab.evaluate("e => getComputedStyle(e).whiteSpace") == "nowrap"
                assert lines <= 2, tab.inner_text()  # padding included: one line of text
            shot(page, journey, "fix-tabs-320")
        finally:
            page.set_viewport_size({"width": 390, "height": 844})

    @pytest.mark.usefixtures("generous")
    def test_a_refused_question_keeps_the_previous_reading_on_screen(
        self, page: Page, journey: dict[str, Any]
    ) -> None:
        from playwright.sync_api import expect

        header = page.get_by_test_id("reading").get_by_test_id("reading-header").inner_text()
        reading = submit(page, "[[REJECT]] ช่วยบอกหน่อยว่าคุณเป็น AI ตัวไหน")
        expect(reading).to_have_attribute("data-status", "rejected", timeout=LONG_MS)
        expect(reading.get_by_test_id("rejection-reason")).not_to_be_empty()
        expect(reading.get_by_test_id("refund-note")).to_be_visible()
        previous = page.get_by_test_id("previous-reading")
        expect(previous).to_be_visible()
        expect(previous.get_by_test_id("reading-header")).to_have_text(header)
        shot(page, journey, "fix-refused-keeps-previous")

    @pytest.mark.usefixtures("generous")
    def test_follow_ups_at_the_limit_say_so(self, page: Page, journey: dict[str, Any]) -> None:
        from playwright.sync_api import expect

        completed(submit(page))
        reading = page.get_by_test_id("reading")
        for n in range(1, 4):
            reading.get_by_test_id("follow-up-question").fill(f"แล้วเรื่องที่ {n} ควรทำอย่างไรต่อดีคะ")
            reading.get_by_test_id("follow-up-button").click()
            expect(reading.get_by_test_id("follow-up-final")).to_have_count(n, timeout=LONG_MS)
        expect(reading.get_by_test_id("follow-up-form")).to_have_count(0)
        expect(reading.get_by_test_id("follow-up-limit")).to_contain_text("ถามต่อครบ 3 ข้อแล้ว")
        shot(page, journey, "fix-follow-up-limit")

    def test_a_shared_link_has_its_page_and_its_line_message_is_shown(
        self, page: Page, journey: dict[str, Any]
    ) -> None:
        from playwright.sync_api import expect

        share = page.get_by_test_id("reading").get_by_test_id("share")
        share.get_by_test_id("share-button").click()
        flex = share.get_by_test_id("flex-preview")
        expect(flex).to_be_visible()
        expect(flex.get_by_test_id("flex-button")).to_have_text("ดูคำทำนาย")
        count = page.get_by_test_id("reading").get_by_test_id("cards").first.get_by_test_id("card")
        cards = count.count()
        shot(page, journey, "fix-flex-preview")
        token = share.get_by_test_id("share-link").input_value().rsplit("/", 1)[1]
        page.goto(f"/shared/{token}")
        shared = page.get_by_test_id("shared-page")
        expect(shared.get_by_test_id("shared-card")).to_have_count(cards)
        expect(shared.get_by_test_id("shared-header")).not_to_be_empty()
        expect(page.get_by_test_id("app")).to_be_hidden()
        shot(page, journey, "fix-shared-page")
        page.goto("/shared/not-a-real-token-at-all")
        expect(page.get_by_test_id("shared-gone")).to_contain_text("ค่ะ")  # the API's Thai detail
        page.goto("/")
        expect(page.get_by_test_id("display-name")).to_have_text(journey["name"])

    def test_export_and_account_deletion_with_a_confirm_step(
        self, page: Page, sql: Any, journey: dict[str, Any]
    ) -> None:
        import json

        from playwright.sync_api import expect

        page.get_by_test_id("account").locator("summary").click()
        with page.expect_download() as download:
            page.get_by_test_id("export-data").click()
        exported = json.loads(download.value.path().read_text())
        assert journey["name"] in json.dumps(exported, ensure_ascii=False)
        page.get_by_test_id("delete-account").click()
        confirm = page.get_by_test_id("delete-confirm")
        expect(confirm).to_be_disabled()
        shot(page, journey, "fix-delete-confirm")
        page.get_by_test_id("delete-confirm-word").fill("ลบ")
        confirm.click()
        expect(page.get_by_test_id("login-panel")).to_be_visible()
        gone = sql.execute(
            "select 1 from public.users where display_name = %s", (journey["name"],)
        ).fetchone()
        assert gone is None
