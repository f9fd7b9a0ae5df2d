"""The OpenAI stand-in's Mimi: a schema-valid mimi_reading built from the cards listed in the system prompt.

It cannot understand a question: it refuses only the test marker or several question marks at once.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

REJECT_MARKER = "[[REJECT]]"
CARD_LINE = re.compile(
    r"^- \[(?P<position>[a-z_]+)\] (?P<id>\S+) \| (?P<th>[^|]+?) \| (?P<en>[^|]+?)"
    r"(?: \| (?P<orientation>upright|reversed))?\s*$"
)
DETAIL_LINE = re.compile(r"^\s+(?P<key>position|keywords|meaning)(?: \([a-z]+\))?: (?P<value>.*)$")
LANGUAGE_LINE = re.compile(r"^LANGUAGE: (th|en)\b", re.MULTILINE)
# "LENGTH of reading: ..., 200 to 350 Thai characters" or "..., 60 to 100 words": the stand-in writes up to the top
LENGTH_LINE = re.compile(r"^LENGTH of reading: .*?to (\d+) (Thai characters|words)", re.MULTILINE)
QUESTION = re.compile(r"<question>\s*(.*?)\s*</question>", re.DOTALL)
TOPICS = [
    (("รัก", "แฟน", "love", "partner"), "ความรัก", "love"),
    (("งาน", "work", "job", "career"), "การงาน", "work"),
    (("เงิน", "money", "finance"), "การเงิน", "money"),
    (("สุขภาพ", "health"), "สุขภาพ", "health"),
    (("ครอบครัว", "family"), "ครอบครัว", "family"),
]


@dataclass
class PromptCard:
    """One card as the system prompt lists it."""

    card_id: str
    position: str
    name_th: str
    name_en: str
    orientation: str = "upright"
    position_label: str = ""
    meaning: str = ""


def parse_cards(system: str) -> list[PromptCard]:
    """The cards in a system prompt, from its `- [position] id | Thai | English` lines and their details."""
    cards: list[PromptCard] = []
    for line in system.splitlines():
        if found := CARD_LINE.match(line):
            cards.append(
                PromptCard(
                    found["id"],
                    found["position"],
                    found["th"],
                    found["en"],
                    found["orientation"] or "upright",
                )
            )
        elif cards and (detail := DETAIL_LINE.match(line)):
            if detail["key"] == "position":
                cards[-1].position_label = detail["value"]
            elif detail["key"] == "meaning":
                cards[-1].meaning = detail["value"]
    return cards


def parse_language(system: str) -> str:
    """The reading language a system prompt asks for (Thai unless it says en)."""
    found = LANGUAGE_LINE.search(system)
    return found.group(1) if found else "th"


def parse_question(user: str) -> str:
    """The question between <question> tags of a user message (the whole message when untagged)."""
    found = QUESTION.search(user)
    return found.group(1) if found else user


def mimi_reading(system: str, user: str, overlong: bool = False) -> dict[str, Any]:
    """A mimi_reading object for these messages: refused for the reject marker, else read from the cards."""
    language, question = parse_language(system), parse_question(user)
    if REJECT_MARKER in question or several_questions(question):
        return _rejected(language)
    build = _reading_th if language == "th" else _reading_en
    reading = build(parse_cards(system), question)
    reading["reading"] = within_length(reading["reading"], system)
    return {"accepted": True, "rejection": None, **(_stretch(reading) if overlong else reading)}


def within_length(text: str, system: str) -> str:
    """The reading cut to the most the prompt's LENGTH line allows, as a model keeping to it would: the first
    paragraph (the cards) gives way, the last (the answer) stays whole."""
    found = LENGTH_LINE.search(system)
    if found is None:
        return text
    limit, unit = int(found.group(1)), found.group(2)
    body, _, closing = text.rpartition("\n\n")
    size = (lambda t: len(t.split(" "))) if unit == "words" else len
    room = limit - size(closing)
    words = body.split(" ")
    while words and size(" ".join(words)) > room:
        words.pop()
    return " ".join(words) + "\n\n" + closing if words else closing


def several_questions(question: str) -> bool:
    """The one refusal rule a stand-in can apply without understanding the text: two or more question marks."""
    return question.count("?") + question.count("？") >= 2


def _stretch(reading: dict[str, Any]) -> dict[str, Any]:
    """The same reading with its texts repeated far past any sane length (to exercise the caps)."""
    return {
        **reading,
        "header": reading["header"] * 60,
        "reading": reading["reading"] * 60,
        "suggestions": [text * 60 for text in reading["suggestions"]],
        "final": reading["final"] * 60,
    }


def _topic(question: str, language: str) -> str:
    lowered = question.lower()
    for words, th, en in TOPICS:
        if any(word in lowered for word in words):
            return th if language == "th" else en
    return "ทั่วไป" if language == "th" else "general"


def _rejected(language: str) -> dict[str, Any]:
    th = language == "th"
    rejection = {
        "reason": "มีมี่ขออภัยนะคะ คำถามนี้มีมี่ดูไพ่ให้ไม่ได้ค่ะ"
        if th
        else "I'm sorry, Mimi can't read the cards for this question.",
        "suggested_question": "ช่วงนี้ฉันควรโฟกัสเรื่องอะไรเพื่อให้ชีวิตดีขึ้น"
        if th
        else "What should I focus on right now to move my life forward?",
    }
    return {
        "accepted": False,
        "rejection": rejection,
        "analysis": {"mood": "", "topic": "", "period": ""},
        "header": "",
        "cards": [],
        "reading": "",
        "suggestions": [],
        "next_questions": [],
        "final": "",
        "end": "",
        "notice": "",
    }


def _first_clause(text: str) -> str:
    """A meaning's first sentence: English ends it with a full stop, Thai with a space."""
    if text.isascii():
        return text.split(". ")[0].rstrip(".") + "."
    return text.split(" ")[0]


def _reading_th(cards: list[PromptCard], question: str) -> dict[str, Any]:
    """At the prompt's targets: one short sentence per card, a two-paragraph reading of 250-400 characters."""
    entries = [
        {
            "card_id": c.card_id,
            "position": c.position,
            "orientation": c.orientation,
            "meaning": f"ไพ่{c.name_th}{' (กลับหัว)' if c.orientation == 'reversed' else ''}"
            f"ใน{c.position_label}: {_first_clause(c.meaning)}",
        }
        for c in cards
    ]
    return {
        "analysis": {
            "mood": "ตั้งใจและอยากรู้คำตอบ",
            "topic": _topic(question, "th"),
            "period": "ไม่ระบุ",
        },
        "header": f"มีมี่เปิดไพ่ {len(cards)} ใบให้คุณแล้วนะคะ มาดูกันค่ะ",
        "cards": entries,
        "reading": " ".join(f"ไพ่{c.name_th} {c.meaning}" for c in cards)
        + "\n\nโดยรวมแล้วไพ่บอกว่าคำตอบคือ ใช่ค่ะ "
        "ถ้าคุณค่อย ๆ ก้าวไปอย่างมั่นใจ",
        "suggestions": [
            "ใจเย็น ๆ และฟังเสียงหัวใจตัวเองนะคะ",
            "ลงมือทำทีละก้าวเล็ก ๆ ค่ะ",
            "ขอความเห็นจากคนที่คุณไว้ใจค่ะ",
        ],
        "next_questions": [
            "ฉันควรเริ่มต้นจากอะไรก่อนดี",
            "อะไรคืออุปสรรคที่ฉันยังมองไม่เห็น",
            "อีกสามเดือนข้างหน้าจะเป็นอย่างไร",
        ],
        "final": "คำตอบคือ ใช่ค่ะ แต่ต้องอาศัยความอดทนนิดหนึ่งนะคะ",
        "end": "มีมี่เป็นกำลังใจให้เสมอนะคะ 💜",
        "notice": "ไพ่ทาโรต์มีไว้เพื่อการสะท้อนตัวเองและความบันเทิง ไม่ใช่คำแนะนำจากผู้เชี่ยวชาญค่ะ",
    }


def _reading_en(cards: list[PromptCard], question: str) -> dict[str, Any]:
    """At the prompt's targets: one short sentence per card, a two-paragraph reading of 60-100 words."""
    entries = [
        {
            "card_id": c.card_id,
            "position": c.position,
            "orientation": c.orientation,
            "meaning": f"{c.name_en}{', reversed,' if c.orientation == 'reversed' else ''} as your "
            f"{c.position_label}: {_first_clause(c.meaning)}",
        }
        for c in cards
    ]
    return {
        "analysis": {
            "mood": "hopeful and curious",
            "topic": _topic(question, "en"),
            "period": "not specified",
        },
        "header": f"Mimi has turned over {len(cards)} cards for you, let's look together.",
        "cards": entries,
        "reading": " ".join(f"{c.name_en}: {c.meaning}" for c in cards)
        + "\n\nAll together the cards say yes, "
        "if you keep moving forward with confidence.",
        "suggestions": [
            "Be patient and listen to your heart.",
            "Take one small step at a time.",
            "Ask someone you trust for their view.",
        ],
        "next_questions": [
            "Where should I start?",
            "What obstacle am I not seeing yet?",
            "How will things look in three months?",
        ],
        "final": "The answer is yes, with a little patience.",
        "end": "Mimi is cheering for you. 💜",
        "notice": "Tarot is for reflection and entertainment, not a substitute for professional advice.",
    }
