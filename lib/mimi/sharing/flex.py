"""The LINE Flex message a user sends friends with liff.shareTargetPicker: header, cards, final, one button."""

from __future__ import annotations

from typing import Any

from mimi.sharing.schemas import SharedReadingPublic

LABELS = {
    "th": {
        "brand": "แม่หมอมีมี่ ✦ MiMiVibes",
        "cards": "ไพ่ที่เปิดได้",
        "open": "ดูคำทำนาย",
        "alt": "มีมี่เปิดไพ่ให้ฉัน",
    },
    "en": {
        "brand": "Mimi ✦ MiMiVibes",
        "cards": "Cards drawn",
        "open": "Open the reading",
        "alt": "Mimi read my cards",
    },
}
ALT_TEXT_MAX = 400  # LINE's limit
ACCENT = "#7B61FF"


def _text(text: str, **style: Any) -> dict[str, Any]:
    return {"type": "text", "text": text, "wrap": True, **style}


def flex_message(view: SharedReadingPublic, url: str) -> dict[str, Any]:
    """A bubble: brand, header, the cards' names, the final answer and a button to the shared page."""
    labels = LABELS[view.language]
    names = " · ".join(c.name_th if view.language == "th" else c.name for c in view.cards)
    body = [
        _text(labels["brand"], size="xs", color=ACCENT, weight="bold"),
        _text(view.header or labels["alt"], size="md", weight="bold", margin="md"),
        _text(f"{labels['cards']}: {names}", size="sm", color="#888888", margin="md"),
    ]
    if view.final:
        body.append(_text(view.final, size="sm", margin="md"))
    button = {
        "type": "button",
        "style": "primary",
        "color": ACCENT,
        "action": {"type": "uri", "label": labels["open"], "uri": url},
    }
    alt = f"{labels['alt']}: {view.header}" if view.header else labels["alt"]
    return {
        "type": "flex",
        "altText": alt[:ALT_TEXT_MAX],
        "contents": {
            "type": "bubble",
            "body": {"type": "box", "layout": "vertical", "contents": body},
            "footer": {"type": "box", "layout": "vertical", "contents": [button]},
        },
    }
