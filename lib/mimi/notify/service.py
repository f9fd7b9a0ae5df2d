"""Tell a user who opted in that their reading is ready: a short text and a button opening it in the LIFF app."""

from __future__ import annotations

import logging
from typing import Any

from mimi.config import get_settings
from mimi.errors import AppError
from mimi.logs import log
from mimi.notify import line, repository
from mimi.notify.schemas import PushTarget

TEXTS = {
    "th": {
        "completed": "คำทำนายของคุณพร้อมแล้วค่ะ ✨ มีมี่เปิดไพ่ให้เรียบร้อยแล้ว",
        "rejected": "มีมี่ดูไพ่ให้คำถามนี้ไม่ได้ค่ะ คืนเครดิตให้แล้วนะคะ ลองถามใหม่ได้เลยค่ะ",
        "failed": "ขออภัยค่ะ คำทำนายไม่สำเร็จ มีมี่คืนเครดิตให้แล้วนะคะ",
        "button": "ดูคำทำนาย",
    },
    "en": {
        "completed": "Your reading is ready ✨ Mimi has turned your cards.",
        "rejected": "Mimi couldn't read this question; your credit was refunded. Try asking again.",
        "failed": "Sorry, your reading failed; your credit was refunded.",
        "button": "Open reading",
    },
}


def reading_link(reading_id: str) -> str:
    """The reading in the LIFF app: LIFF_URL plus the app's path of the reading."""
    return f"{get_settings().liff_url.rstrip('/')}/readings/{reading_id}"


def message(target: PushTarget) -> dict[str, Any]:
    """A buttons template: the short text and one button opening the reading (altText for notifications)."""
    texts = TEXTS[target.language]
    text = texts[target.status]
    return {
        "type": "template",
        "altText": text,
        "template": {
            "type": "buttons",
            "text": text,
            "actions": [
                {
                    "type": "uri",
                    "label": texts["button"],
                    "uri": reading_link(str(target.reading_id)),
                }
            ],
        },
    }


def reading_finished(reading_id: str) -> bool:
    """Push once to an opted-in owner; every failure is logged and swallowed (the reading is already final)."""
    try:
        target = repository.claim_line_push(reading_id=reading_id)
        if target is None:
            return False
        line.push(to=target.line_user_id, messages=[message(target)], key=f"reading:{reading_id}")
    except line.PushFailed as exc:
        log(
            "line_push_failed",
            logging.WARNING,
            reading_id=reading_id,
            reason=exc.reason,
            status=exc.status,
        )
        return False
    except AppError as exc:
        log(
            "line_push_failed",
            logging.WARNING,
            reading_id=reading_id,
            reason=exc.code,
            status=exc.status,
        )
        return False
    except Exception as exc:  # a push is a courtesy: no bug in it may fail or retry the reading
        log(
            "line_push_failed",
            logging.ERROR,
            reading_id=reading_id,
            reason=type(exc).__name__,
            status=None,
        )
        return False
    log("line_pushed", reading_id=reading_id, status=target.status)
    return True
