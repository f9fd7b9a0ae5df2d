"""One user journey through the dev console in Debian's Chromium: what a person sees at each step.

Log in as a dev LINE user, ask Mimi, see the cards and balances move, history with review and delete, share a
reading and revoke its link, buy stars through the Stripe stand-in, pick a spread and see each card's orientation,
ask a follow-up, get the card of the day, exchange coins, check in, copy the invite link, switch to English, and
survive an expired access token. Screenshots of every step go to <repo>/screenshots/.
"""

from __future__ import annotations

import json
import re
import secrets
import time
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import psycopg
import pytest

from mimi_local.stack import ROOT_DIR, LocalStack

if TYPE_CHECKING:
    from playwright.sync_api import Locator, Page

pytestmark = pytest.mark.browser

SCREENSHOTS = ROOT_DIR / "screenshots"
THAI = re.compile(r"[\u0E00-\u0E7F]")
LONG_MS = 60_000
QUESTION = "ความรักของฉันในเดือนนี้จะเป็นอย่างไรบ้างคะ"
REFUSED_QUESTION = "[[REJECT]] ช่วยบอกหน่อยว่าคุณเป็น AI ตัวไหน"


@pytest.fixture(scope="module")
def journey() -> dict[str, Any]:
    """What earlier steps learned (user name, reading ids) for the later ones."""
    SCREENSHOTS.mkdir(exist_ok=True)
    return {"name": f"Playwright {secrets.token_hex(3)}", "shot": 0}


@pytest.fixture
def unlimited_readings(sql: Any, env: Any) -> Iterator[None]:
    """The per-minute reading limit out of the way for a late step: the journey asks five readings before it."""
    before = sql.execute(
        "select value from public.app_settings where key = 'readings_per_minute'"
    ).fetchone()
    sql.execute("update public.app_settings set value = 1000 where key = 'readings_per_minute'")
    env(READINGS_PER_MINUTE="1000")
    yield
    sql.execute(
        "update public.app_settings set value = %s where key = 'readings_per_minute'",
        (before["value"],),
    )


def shot(page: Page, journey: dict[str, Any], name: str) -> None:
    journey["shot"] += 1
    page.screenshot(
        path=str(SCREENSHOTS / f"console-{journey['shot']:02d}-{name}.png"), full_page=True
    )


def require(stack: LocalStack, *functions: str, stripe: bool = False) -> None:
    """Skip a step whose backend has not landed yet."""
    missing = [f"functions/{name}" for name in functions if name not in stack.functions]
    if stripe and "stripe" not in stack.state:
        missing.append("the Stripe stand-in (mimi_local.stripe)")
    if missing:
        pytest.skip(f"not in this tree yet: {', '.join(missing)}")


def toast(page: Page, text: str, kind: str = "ok") -> Locator:
    return page.locator(f'[data-testid="toast"][data-kind="{kind}"]', has_text=text)


def balances(page: Page, **expected: int) -> None:
    from playwright.sync_api import expect

    for testid, value in expected.items():
        expect(page.get_by_test_id(testid.replace("_", "-"))).to_have_text(
            str(value), timeout=LONG_MS
        )


def ask(page: Page, question: str, spread: str = "three") -> Locator:
    from playwright.sync_api import expect

    page.get_by_test_id("tab-ask").click()
    page.get_by_test_id("question").fill(question)
    page.get_by_test_id("spread").select_option(spread)
    page.get_by_test_id("ask-button").click()
    reading = page.get_by_test_id("reading")
    expect(reading).to_have_attribute(
        "data-status", re.compile("completed|rejected|failed"), timeout=LONG_MS
    )
    expect(reading.get_by_test_id("reading-question")).to_contain_text(question)
    return reading


class TestConsoleJourney:
    journey = (
        True  # steps run in order; after a failure the rest are skipped (tests/e2e/conftest.py)
    )

    def test_log_in_as_a_dev_line_user_and_see_the_welcome_balances(
        self, page: Page, journey: dict[str, Any]
    ) -> None:
        from playwright.sync_api import expect

        response = page.goto("/")
        not_served = "GET / does not serve the console: LocalStack._routes must add mimi_local.console.routes()"
        assert response is not None, not_served
        assert response.ok, not_served
        expect(page.get_by_test_id("login-panel")).to_be_visible()
        expect(page.locator("html")).to_have_attribute("lang", "th")
        shot(page, journey, "login")
        page.get_by_test_id("login-name").fill(journey["name"])
        page.get_by_test_id("login-button").click()
        expect(page.get_by_test_id("display-name")).to_have_text(journey["name"])
        expect(toast(page, "ยินดีต้อนรับ")).to_be_visible()
        balances(page, stars=0, free_points=3, coins=0, level=1)
        shot(page, journey, "logged-in")

    def test_a_standard_reading_shows_its_thai_cards_and_pays_its_reward(
        self, page: Page, stack: LocalStack, journey: dict[str, Any]
    ) -> None:
        from playwright.sync_api import expect

        require(stack, "readings", "reading_processor")
        reading = ask(page, QUESTION)
        expect(reading).to_have_attribute("data-status", "completed")
        journey["kept"] = reading.get_attribute("data-reading-id")
        expect(reading.get_by_test_id("card")).to_have_count(3)
        for name in reading.get_by_test_id("card-name-th").all_inner_texts():
            assert THAI.search(name), f"card name is not Thai: {name!r}"
        for part in (
            "reading-header",
            "reading-text",
            "reading-final",
            "reading-end",
            "reading-notice",
        ):
            expect(reading.get_by_test_id(part)).not_to_be_empty()
        expect(reading.get_by_test_id("suggestion")).to_have_count(3)
        expect(reading.get_by_test_id("next-question")).to_have_count(3)
        balances(page, free_points=2, coins=5, stars=0)
        shot(page, journey, "reading")
        follow_up = reading.get_by_test_id("next-question").first
        follow_up.click()
        expect(page.get_by_test_id("question")).to_have_value(follow_up.inner_text())

    def test_a_refused_question_shows_the_reason_and_a_better_question(
        self, page: Page, stack: LocalStack, journey: dict[str, Any]
    ) -> None:
        from playwright.sync_api import expect

        require(stack, "readings", "reading_processor")
        reading = ask(page, REFUSED_QUESTION)
        expect(reading).to_have_attribute("data-status", "rejected")
        journey["refused"] = reading.get_attribute("data-reading-id")
        expect(reading.get_by_test_id("rejection-reason")).not_to_be_empty()
        suggested = reading.get_by_test_id("suggested-question")
        expect(suggested).not_to_be_empty()
        balances(page, free_points=2)  # spent on submit, refunded on refusal
        shot(page, journey, "refused")
        suggested.click()
        expect(page.get_by_test_id("question")).to_have_value(suggested.inner_text())

    def test_history_lists_both_readings_and_takes_a_review(
        self, page: Page, stack: LocalStack, journey: dict[str, Any]
    ) -> None:
        from playwright.sync_api import expect

        require(stack, "readings", "reading_processor")
        page.get_by_test_id("tab-history").click()
        items = page.get_by_test_id("history-item")
        expect(items).to_have_count(2)
        expect(items.first).to_have_attribute("data-id", journey["refused"])  # newest first
        kept = page.locator(f'[data-testid="history-item"][data-id="{journey["kept"]}"]')
        expect(kept.get_by_test_id("history-question")).to_have_text(QUESTION)
        expect(kept.get_by_test_id("history-cards")).to_contain_text(THAI)
        kept.get_by_test_id("history-review").click()
        kept.get_by_test_id("review-accuracy").fill("90")
        kept.get_by_test_id("review-comment").fill("แม่นมากค่ะ ขอบคุณแม่หมอ")
        shot(page, journey, "review-form")
        kept.get_by_test_id("review-submit").click()
        expect(toast(page, "ขอบคุณสำหรับคะแนน")).to_be_visible()
        expect(kept.get_by_test_id("history-reviewed")).to_be_visible()
        expect(kept.get_by_test_id("history-review")).to_have_count(0)
        balances(page, coins=7)  # +2 for the review
        shot(page, journey, "reviewed")

    def test_deleting_a_reading_removes_it_from_history(
        self, page: Page, stack: LocalStack, journey: dict[str, Any]
    ) -> None:
        from playwright.sync_api import expect

        require(stack, "readings", "reading_processor")
        refused = page.locator(f'[data-testid="history-item"][data-id="{journey["refused"]}"]')
        delete = refused.get_by_test_id("history-delete")
        delete.click()
        expect(delete).to_have_text("แตะอีกครั้งเพื่อลบ")
        delete.click()
        expect(toast(page, "ลบคำทำนายแล้ว")).to_be_visible()
        expect(page.get_by_test_id("history-item")).to_have_count(1)
        page.get_by_test_id("tab-ask").click()
        page.get_by_test_id("tab-history").click()  # reloaded from the server: still gone
        expect(page.get_by_test_id("history-item")).to_have_count(1)
        shot(page, journey, "deleted")

    def test_sharing_a_reading_shows_the_public_view_until_revoked(
        self, page: Page, stack: LocalStack, journey: dict[str, Any]
    ) -> None:
        from playwright.sync_api import expect

        require(stack, "readings", "reading_processor")
        kept = page.locator(f'[data-testid="history-item"][data-id="{journey["kept"]}"]')
        kept.get_by_test_id("history-open").click()
        reading = page.get_by_test_id("reading")
        expect(reading).to_have_attribute("data-reading-id", journey["kept"])
        share = reading.get_by_test_id("share")
        share.get_by_test_id("share-button").click()
        expect(toast(page, "สร้างลิงก์แชร์แล้ว")).to_be_visible()
        link = share.get_by_test_id("share-link")
        expect(link).to_have_value(re.compile(r"/shared/[A-Za-z0-9_-]{43}$"))
        share.get_by_test_id("share-copy").click()
        assert page.evaluate("navigator.clipboard.readText()") == link.input_value()
        token = link.input_value().rsplit("/", 1)[1]
        share.get_by_test_id("share-preview").click()
        shared = share.get_by_test_id("shared-view")
        header = reading.get_by_test_id("reading-header").inner_text()
        expect(shared.get_by_test_id("shared-header")).to_have_text(header)
        expect(shared.get_by_test_id("shared-card")).to_have_count(3)
        expect(shared.get_by_test_id("shared-final")).not_to_be_empty()
        expect(shared.get_by_test_id("shared-question")).to_have_count(0)
        expect(shared).not_to_contain_text(QUESTION)
        shot(page, journey, "shared")
        share.get_by_test_id("share-revoke").click()
        expect(toast(page, "ยกเลิกลิงก์แล้ว 1 ลิงก์")).to_be_visible()
        expect(share.get_by_test_id("shared-gone")).to_be_visible()
        expect(shared).to_have_count(0)
        gone = page.request.get(f"/functions/readings/shared/{token}")
        assert gone.status == 404
        assert gone.json()["code"] == "share_not_found"
        shot(page, journey, "share-revoked")

    def test_a_reading_without_credits_says_so_in_thai_and_offers_the_shop(
        self,
        page: Page,
        stack: LocalStack,
        sql: psycopg.Connection[dict[str, Any]],
        journey: dict[str, Any],
    ) -> None:
        from playwright.sync_api import expect

        require(stack, "readings")
        user = sql.execute(
            "select u.id, w.free_points, w.stars from public.users u join public.wallets w"
            " on w.user_id = u.id where u.display_name = %s",
            (journey["name"],),
        ).fetchone()
        assert user is not None and user["stars"] == 0
        points = user["free_points"]

        def grant(delta: int, key: str) -> None:
            sql.execute(
                "select public.grant_credit(%s, %s, 'test', jsonb_build_object('free_point', %s::int))",
                (user["id"], f"e2e:{key}:{user['id']}", delta),
            )
            page.get_by_test_id("refresh-profile").click()
            balances(page, free_points=points + min(delta, 0))

        grant(-points, "spent")
        page.get_by_test_id("tab-ask").click()
        page.get_by_test_id("question").fill("งานใหม่ของฉันจะเป็นอย่างไรบ้างคะ")
        page.get_by_test_id("spread").select_option("three")
        page.get_by_test_id("ask-button").click()
        refused = toast(page, "เครดิตไม่พอสำหรับคำทำนายนี้ค่ะ ต้องใช้ 1 เครดิต", "error")
        expect(refused).to_be_visible()
        expect(refused).to_contain_text("ดาว 0 ดวง")
        expect(refused).not_to_contain_text("stars")
        shot(page, journey, "no-credits")
        refused.get_by_test_id("next-step").click()
        expect(page.get_by_test_id("package")).to_have_count(3)
        grant(points, "back")

    def test_buying_the_99_baht_package_credits_ten_stars(
        self, page: Page, stack: LocalStack, journey: dict[str, Any]
    ) -> None:
        from playwright.sync_api import expect

        require(stack, "payments", "stripe_webhook", stripe=True)
        page.get_by_test_id("tab-shop").click()
        expect(page.get_by_test_id("package")).to_have_count(3)
        package = page.locator('[data-testid="package"][data-package-id="stars_10"]')
        expect(package).to_contain_text("฿99")
        package.get_by_test_id("buy-button").click()
        balances(page, stars=10)
        expect(toast(page, "ได้รับ 10 ดาวแล้ว")).to_be_visible()
        expect(page.locator('[data-testid="payment"][data-status="succeeded"]')).to_have_count(1)
        shot(page, journey, "bought")

    def test_a_love_spread_shows_five_cards_upright_or_reversed_and_takes_a_follow_up(
        self, page: Page, stack: LocalStack, journey: dict[str, Any]
    ) -> None:
        from playwright.sync_api import expect

        require(stack, "readings", "reading_processor")
        page.get_by_test_id("tab-ask").click()
        expect(page.get_by_test_id("spread").locator("option")).to_have_count(5)
        free_points = int(page.get_by_test_id("free-points").inner_text())
        reading = ask(page, "ความสัมพันธ์ของฉันกับเขาจะไปทางไหนคะ", spread="love")
        expect(reading).to_have_attribute("data-status", "completed")
        cards = reading.get_by_test_id("cards").first.get_by_test_id("card")
        expect(cards).to_have_count(5)
        expect(reading.get_by_test_id("card-position").first).to_have_text("ตัวคุณ")
        for card in cards.all():
            orientation = card.get_attribute("data-orientation")
            assert orientation in {"upright", "reversed"}
            expect(card.get_by_test_id("card-orientation")).to_have_text(
                "กลับหัว" if orientation == "reversed" else "ตั้งตรง"
            )
        balances(page, free_points=free_points - 1)
        shot(page, journey, "love-spread")
        reading.get_by_test_id("follow-up-question").fill("แล้วฉันควรเริ่มคุยกับเขาก่อนไหมคะ")
        reading.get_by_test_id("follow-up-button").click()
        thread = page.get_by_test_id("follow-up-item")
        expect(thread).to_have_count(1, timeout=LONG_MS)
        expect(thread.get_by_test_id("card")).to_have_count(1)
        expect(thread).to_have_attribute("data-status", "completed", timeout=LONG_MS)
        expect(thread.get_by_test_id("follow-up-final")).not_to_be_empty()
        balances(page, free_points=free_points - 2)
        shot(page, journey, "follow-up")
        page.get_by_test_id("tab-history").click()
        loved = page.get_by_test_id("history-item").first
        expect(loved.get_by_test_id("history-follow-ups")).to_have_text("ถามต่อ 1")
        expect(loved.get_by_test_id("history-spread")).to_contain_text("ความรัก")

    def test_the_card_of_the_day_is_free_and_the_same_all_day(
        self, page: Page, stack: LocalStack, journey: dict[str, Any]
    ) -> None:
        from playwright.sync_api import expect

        require(stack, "readings", "reading_processor")
        page.get_by_test_id("tab-ask").click()
        stars, free_points = (
            int(page.get_by_test_id(i).inner_text()) for i in ("stars", "free-points")
        )
        page.get_by_test_id("daily-card-button").click()
        reading = page.get_by_test_id("reading")
        expect(reading).to_have_attribute("data-status", "completed", timeout=LONG_MS)
        expect(reading.get_by_test_id("cards").first.get_by_test_id("card")).to_have_count(1)
        first = reading.get_attribute("data-reading-id")
        page.get_by_test_id("daily-card-button").click()
        expect(reading.get_by_test_id("reading-header")).not_to_be_empty()
        expect(reading).to_have_attribute("data-reading-id", first or "")
        balances(page, stars=stars, free_points=free_points)
        shot(page, journey, "daily-card")

    def test_exchange_is_refused_without_coins_then_works_with_them(
        self, page: Page, sql: psycopg.Connection[dict[str, Any]], journey: dict[str, Any]
    ) -> None:
        from playwright.sync_api import expect

        page.get_by_test_id("tab-rewards").click()
        coins = int(page.get_by_test_id("coins").inner_text())
        stars = int(page.get_by_test_id("stars").inner_text())
        page.get_by_test_id("exchange-stars").fill("1")
        page.get_by_test_id("exchange-button").click()
        refused = toast(page, "เหรียญยังไม่พอค่ะ การแลกนี้ใช้ 100 เหรียญ", "error")
        expect(refused).to_contain_text(f"ตอนนี้มี {coins} เหรียญ")  # the problem's detail, in Thai
        shot(page, journey, "exchange-refused")
        user = sql.execute(
            "select id from public.users where display_name = %s", (journey["name"],)
        ).fetchone()
        assert user is not None
        sql.execute(
            "select public.grant_credit(%s, %s, 'test', '{\"coin\": 200}')",
            (user["id"], f"e2e:{user['id']}"),
        )
        page.get_by_test_id("refresh-profile").click()
        balances(page, coins=coins + 200)
        page.get_by_test_id("exchange-stars").fill("2")
        page.get_by_test_id("exchange-button").click()
        expect(toast(page, "แลก 200 เหรียญเป็น 2 ดาวแล้ว")).to_be_visible()
        balances(page, coins=coins, stars=stars + 2)
        shot(page, journey, "exchanged")

    def test_daily_check_in_once_a_day_and_network_failures_are_shown(
        self, page: Page, journey: dict[str, Any]
    ) -> None:
        from playwright.sync_api import expect

        coins = int(page.get_by_test_id("coins").inner_text())
        page.route("**/functions/credits/daily", lambda route: route.abort("connectionrefused"))
        page.get_by_test_id("daily-button").click()
        offline = toast(page, "เชื่อมต่อไม่ได้ค่ะ", "error")
        expect(offline).to_be_visible()
        expect(offline).not_to_contain_text("make dev")
        page.unroute("**/functions/credits/daily")
        page.get_by_test_id("daily-button").click()
        expect(toast(page, "เช็กอินแล้ว")).to_be_visible()
        balances(page, coins=coins + 5, streak=1)
        page.get_by_test_id("daily-button").click()
        expect(toast(page, "วันนี้เช็กอินไปแล้วค่ะ กลับมาเช็กอินครั้งต่อไปได้วันที่", "error")).to_be_visible()
        shot(page, journey, "checked-in")

    def test_invite_link_is_shown_and_copied(self, page: Page, journey: dict[str, Any]) -> None:
        from playwright.sync_api import expect

        code = page.get_by_test_id("referral-code")
        expect(code).not_to_be_empty()
        link = page.get_by_test_id("referral-link")
        expect(link).to_have_value(re.compile(rf"ref={re.escape(code.inner_text())}$"))
        page.get_by_test_id("copy-referral").click()
        expect(toast(page, "คัดลอกลิงก์แล้ว")).to_be_visible()
        assert page.evaluate("navigator.clipboard.readText()") == link.input_value()
        shot(page, journey, "invite")

    def test_switching_to_english_relabels_the_page_and_saves_the_language(
        self, page: Page, sql: psycopg.Connection[dict[str, Any]], journey: dict[str, Any]
    ) -> None:
        from playwright.sync_api import expect

        page.get_by_test_id("lang-toggle").click()
        expect(page.locator("html")).to_have_attribute("lang", "en")
        expect(page.get_by_test_id("tab-history")).to_have_text("History")
        expect(page.get_by_test_id("daily-button")).to_have_text("Check in today")
        expect(toast(page, "Language changed")).to_be_visible()
        # the refreshed token names English: so do the problems it gets
        page.get_by_test_id("daily-button").click()
        expect(toast(page, "You've already checked in today.", "error")).to_be_visible()
        page.get_by_test_id("tab-ask").click()
        expect(page.get_by_test_id("ask-button")).to_have_text("Ask Mimi")
        saved = sql.execute(
            "select language from public.users where display_name = %s", (journey["name"],)
        )
        assert saved.fetchone() == {"language": "en"}
        shot(page, journey, "english")

    def test_an_expired_access_token_is_refreshed_on_reload(
        self,
        page: Page,
        stack: LocalStack,
        sql: psycopg.Connection[dict[str, Any]],
        journey: dict[str, Any],
    ) -> None:
        from playwright.sync_api import expect

        from mimi.auth.tokens import issue_access_token

        user = sql.execute(
            "select id from public.users where display_name = %s", (journey["name"],)
        ).fetchone()
        assert user is not None
        expired, _ = issue_access_token(str(user["id"]), now=int(time.time()) - 3600)
        before = json.loads(page.evaluate("sessionStorage.getItem('mimi.session')"))
        page.evaluate(
            "s => sessionStorage.setItem('mimi.session', s)",
            json.dumps({**before, "access_token": expired}),
        )
        page.reload()
        expect(page.get_by_test_id("display-name")).to_have_text(journey["name"])
        after = json.loads(page.evaluate("sessionStorage.getItem('mimi.session')"))
        assert after["access_token"] != expired
        assert after["refresh_token"] != before["refresh_token"]  # rotated on use
        expect(page.get_by_test_id("tab-history")).to_have_text(
            "History"
        )  # the profile's language, en
        shot(page, journey, "refreshed")

    @pytest.mark.usefixtures("unlimited_readings")
    def test_line_messages_arrive_as_a_chat_after_opting_in(
        self, page: Page, stack: LocalStack, journey: dict[str, Any]
    ) -> None:
        from playwright.sync_api import expect

        require(stack, "readings", "reading_processor")
        page.get_by_test_id("tab-line").click()
        expect(page.get_by_test_id("line-chat")).to_contain_text("No messages yet")
        page.get_by_test_id("notify-line").check()
        expect(toast(page, "LINE messages on")).to_be_visible()
        reading = ask(page, "How will my week at work go?")
        expect(reading).to_have_attribute("data-status", "completed")
        rid = reading.get_attribute("data-reading-id")
        page.get_by_test_id("tab-line").click()
        message = page.get_by_test_id("line-message")
        expect(message).to_have_count(1, timeout=LONG_MS)
        expect(message).to_contain_text("Your reading is ready")
        expect(message.get_by_test_id("line-button")).to_have_attribute(
            "href", re.compile(f"/readings/{rid}$")
        )
        shot(page, journey, "line-chat")

    def test_log_out_returns_to_the_login_form(self, page: Page, journey: dict[str, Any]) -> None:
        from playwright.sync_api import expect

        page.get_by_test_id("logout").click()
        expect(page.get_by_test_id("login-panel")).to_be_visible()
        expect(page.get_by_test_id("app")).to_be_hidden()
        assert page.evaluate("sessionStorage.getItem('mimi.session')") is None
        shot(page, journey, "logged-out")
