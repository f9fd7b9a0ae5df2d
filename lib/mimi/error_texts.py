"""What a person reads for each problem code, in Thai and English: the one place these texts live.

Written for the LIFF app's user in Mimi's voice (warm, short, polite particles in Thai), each with the next step
where there is one; `{name}` is a field of the problem (mimi.errors `fields`), `{wait}` the retry_after said as a
person says it. No internal wording: no service, stack or database names. A code without both texts fails
tests/lib/test_error_texts.py. Data only: mimi.i18n loads it on the first error of a process.
"""

from __future__ import annotations

_SESSION_OVER = {
    "th": "เซสชันหมดอายุแล้วค่ะ กรุณาเข้าสู่ระบบด้วย LINE อีกครั้งนะคะ",
    "en": "Your session has ended. Please log in with LINE again.",
}
_LOGIN_FIRST = {
    "th": "กรุณาเข้าสู่ระบบด้วย LINE ก่อนนะคะ",
    "en": "Please log in with LINE first.",
}
_LINE_LOGIN_FAILED = {
    "th": "เข้าสู่ระบบด้วย LINE ไม่สำเร็จค่ะ ปิดแล้วเปิดแอปใหม่ แล้วลองอีกครั้งนะคะ",
    "en": "Logging in with LINE didn't work. Close and reopen the app, then try again.",
}
_TRY_AGAIN_SOON = {
    "th": "ระบบขัดข้องชั่วคราวค่ะ ลองใหม่อีกครั้งในอีกสักครู่นะคะ",
    "en": "Something went wrong on our side. Please try again in a moment.",
}
_NOT_VALID = {
    "th": "คำขอนี้ไม่ถูกต้องค่ะ ลองใหม่อีกครั้งนะคะ",
    "en": "That request wasn't right. Please try again.",
}
_ALREADY_HANDLED = {
    "th": "คำทำนายนี้กำลังดำเนินการอยู่แล้วค่ะ",
    "en": "This reading is already being taken care of.",
}
_NOT_SIGNED = {
    "th": "คำขอนี้ไม่ได้รับอนุญาตค่ะ",
    "en": "This request is not allowed.",
}
_NO_SUCH_SPREAD = {
    "th": "ไม่มีรูปแบบการเปิดไพ่นี้ค่ะ เลือกรูปแบบจากรายการอีกครั้งนะคะ",
    "en": "That spread isn't available. Please choose one from the list.",
}

TEXTS: dict[str, dict[str, str]] = {
    # --- asking Mimi ---------------------------------------------------------------------------------------------
    "insufficient_credits": {
        "th": "เครดิตไม่พอสำหรับคำทำนายนี้ค่ะ ต้องใช้ {price} เครดิต ตอนนี้มีดาว {stars} ดวง และแต้มฟรี "
        "{free_points} แต้ม เติมดาวที่ร้านค้าแล้วกลับมาถามมีมี่ได้เลยนะคะ",
        "en": "Not enough credits for this reading: it costs {price}, and you have {stars} stars and "
        "{free_points} free points. Top up in the shop, then ask Mimi again.",
    },
    "rate_limited": {
        "th": "ถามถี่ไปนิดนะคะ พักสักครู่แล้วลองใหม่ในอีก {wait} นะคะ",
        "en": "That's a lot at once. Please try again in {wait}.",
    },
    "invalid_question": {
        "th": "คำถามต้องยาว 10 ถึง 500 ตัวอักษรและเป็นข้อความจริงค่ะ ลองเล่าเรื่องที่อยากรู้ให้มีมี่ฟังอีกนิดนะคะ",
        "en": "Questions need 10 to 500 characters of real words. "
        "Tell Mimi a little more about what you'd like to know.",
    },
    "spread_unknown": _NO_SUCH_SPREAD,
    "invalid_depth": _NO_SUCH_SPREAD,
    "follow_up_limit": {
        "th": "คำทำนายนี้ถามต่อครบแล้วค่ะ ถ้ายังอยากรู้เพิ่ม เริ่มคำถามใหม่กับมีมี่ได้เลยนะคะ",
        "en": "You've asked all the follow-ups this reading allows. Start a new reading to ask more.",
    },
    "reading_not_completed": {
        "th": "คำทำนายนี้ยังไม่เสร็จค่ะ รอให้มีมี่อ่านไพ่จบก่อน แล้วค่อยลองอีกครั้งนะคะ",
        "en": "This reading isn't finished yet. Wait for Mimi to finish, then try again.",
    },
    "reading_not_found": {
        "th": "ไม่พบคำทำนายนี้ค่ะ อาจถูกลบไปแล้ว ลองดูในประวัติการดูดวงนะคะ",
        "en": "We couldn't find this reading; it may have been deleted. Have a look in your history.",
    },
    "already_reviewed": {
        "th": "คุณให้คะแนนคำทำนายนี้ไปแล้วค่ะ ขอบคุณมากนะคะ",
        "en": "You've already reviewed this reading. Thank you!",
    },
    "invalid_accuracy": {
        "th": "คะแนนความแม่นยำต้องอยู่ระหว่าง 0 ถึง 100 ค่ะ",
        "en": "Accuracy must be between 0 and 100.",
    },
    "invalid_comment": {
        "th": "ความคิดเห็นยาวได้ไม่เกิน 500 ตัวอักษรค่ะ ลองย่อให้สั้นลงนะคะ",
        "en": "Comments can be up to 500 characters. Please make it shorter.",
    },
    "queue_unavailable": {
        "th": "ตอนนี้มีมี่รับคำถามไม่ทันค่ะ คืนเครดิตให้แล้ว ลองถามใหม่อีกครั้งในอีกสักครู่นะคะ",
        "en": "Mimi couldn't take your question just now, and your credit was returned. "
        "Please ask again in a moment.",
    },
    "llm_unavailable": {
        "th": "ตอนนี้มีมี่ยังอ่านไพ่ไม่ได้ชั่วคราวค่ะ ลองใหม่อีกครั้งในอีกสักครู่นะคะ",
        "en": "Mimi can't read the cards right now. Please try again in a moment.",
    },
    "reading_not_queued": _ALREADY_HANDLED,
    "reading_not_claimed": _ALREADY_HANDLED,
    # the processor's own (a user never calls what raises them)
    "reading_cards_differ": _ALREADY_HANDLED,
    "invalid_draft": _NOT_VALID,
    "draft_too_large": _NOT_VALID,
    # --- sharing -------------------------------------------------------------------------------------------------
    "share_not_found": {
        "th": "ลิงก์นี้ใช้ไม่ได้แล้วค่ะ อาจถูกยกเลิกไปแล้ว ขอลิงก์ใหม่จากเจ้าของคำทำนายนะคะ",
        "en": "This link no longer works; it may have been revoked. Ask the owner for a new one.",
    },
    "too_many_shares": {
        "th": "คำทำนายนี้มีลิงก์แชร์ครบจำนวนแล้วค่ะ ยกเลิกลิงก์เก่าก่อน แล้วสร้างใหม่นะคะ",
        "en": "This reading has as many share links as it can. Revoke the old ones first.",
    },
    "invalid_share_token": {
        "th": "ลิงก์แชร์นี้ไม่ถูกต้องค่ะ ขอลิงก์ใหม่จากเจ้าของคำทำนายนะคะ",
        "en": "This share link isn't valid. Ask the owner for a new one.",
    },
    # --- stars, coins and rewards --------------------------------------------------------------------------------
    "insufficient_coins": {
        "th": "เหรียญยังไม่พอค่ะ การแลกนี้ใช้ {coins_needed} เหรียญ ตอนนี้มี {coins} เหรียญ "
        "สะสมเพิ่มได้จากการเช็กอินรายวันและการดูดวงนะคะ",
        "en": "Not enough coins: this exchange needs {coins_needed} and you have {coins}. "
        "Earn more with the daily check-in and your readings.",
    },
    "already_checked_in": {
        "th": "วันนี้เช็กอินไปแล้วค่ะ กลับมาเช็กอินครั้งต่อไปได้วันที่ {next_check_in} (เวลาไทย) นะคะ",
        "en": "You've already checked in today. Come back on {next_check_in} (Bangkok time) for the next one.",
    },
    "invalid_amount": {
        "th": "ใส่จำนวนดาวเป็นจำนวนเต็มตั้งแต่ 1 ดวงขึ้นไปนะคะ",
        "en": "Please enter a whole number of stars, 1 or more.",
    },
    "account_frozen": {
        "th": "บัญชีของคุณพักการใช้จ่ายไว้ชั่วคราวระหว่างตรวจสอบการชำระเงินค่ะ หากมีข้อสงสัย ติดต่อทีมมีมี่ได้เลยนะคะ",
        "en": "Spending is paused on your account while a payment is reviewed. "
        "Contact the MiMi team if you have questions.",
    },
    "wallet_not_found": {
        "th": "ไม่พบกระเป๋าดาวของบัญชีนี้ค่ะ ลองออกจากระบบแล้วเข้าสู่ระบบใหม่นะคะ",
        "en": "We couldn't find your wallet. Please log out and log in again.",
    },
    "ledger_append_only": {
        "th": "รายการบัญชีที่บันทึกแล้วแก้ไขหรือลบไม่ได้ค่ะ",
        "en": "Recorded transactions can't be changed or deleted.",
    },
    "invalid_price": _TRY_AGAIN_SOON,
    "referral_code_unknown": {
        "th": "ไม่พบรหัสแนะนำเพื่อนนี้ค่ะ ตรวจสอบรหัสกับเพื่อนอีกครั้งนะคะ",
        "en": "We don't know this referral code. Please check it with your friend.",
    },
    "self_referral": {
        "th": "ใช้รหัสแนะนำของตัวเองไม่ได้ค่ะ ส่งลิงก์ชวนให้เพื่อนแทนนะคะ",
        "en": "You can't use your own referral code. Share your link with a friend instead.",
    },
    "already_referred": {
        "th": "บัญชีนี้ใช้รหัสแนะนำเพื่อนไปแล้วค่ะ ใช้ได้ครั้งเดียวนะคะ",
        "en": "This account has already used a referral code; it works only once.",
    },
    # --- buying stars --------------------------------------------------------------------------------------------
    "package_not_found": {
        "th": "ไม่พบแพ็กเกจนี้ค่ะ เลือกแพ็กเกจจากร้านค้าอีกครั้งนะคะ",
        "en": "That package doesn't exist. Please choose one in the shop.",
    },
    "package_not_purchasable": {
        "th": "แพ็กเกจนี้ยังซื้อไม่ได้ค่ะ เลือกแพ็กเกจอื่นในร้านค้านะคะ",
        "en": "This package isn't on sale. Please choose another one in the shop.",
    },
    "payment_intent_conflict": {
        "th": "รายการชำระเงินนี้ถูกบันทึกไว้แล้วค่ะ เริ่มการซื้อใหม่อีกครั้งนะคะ",
        "en": "This payment is already recorded. Please start the purchase again.",
    },
    "invalid_payment_intent": {
        "th": "รายการชำระเงินนี้ไม่ถูกต้องค่ะ เริ่มการซื้อใหม่อีกครั้งนะคะ",
        "en": "This payment isn't valid. Please start the purchase again.",
    },
    "payment_provider_unavailable": {
        "th": "ระบบชำระเงินขัดข้องชั่วคราวค่ะ ยังไม่มีการตัดเงิน ลองใหม่อีกครั้งในอีกสักครู่นะคะ",
        "en": "Payments are unavailable for a moment, and nothing was charged. Please try again shortly.",
    },
    # --- your account --------------------------------------------------------------------------------------------
    "auth_required": _LOGIN_FIRST,
    "not_authenticated": _LOGIN_FIRST,
    "unauthorized": _LOGIN_FIRST,
    "token_expired": _SESSION_OVER,
    "token_invalid": _SESSION_OVER,
    "refresh_token_expired": _SESSION_OVER,
    "refresh_token_invalid": _SESSION_OVER,
    "refresh_token_reused": _SESSION_OVER,
    "account_deleted": {
        "th": "บัญชีนี้ถูกลบไปแล้วค่ะ เข้าสู่ระบบด้วย LINE อีกครั้งเพื่อเริ่มบัญชีใหม่นะคะ",
        "en": "This account was deleted. Log in with LINE again to start a new one.",
    },
    "line_token_expired": {
        "th": "การเข้าสู่ระบบ LINE หมดเวลาแล้วค่ะ ปิดแล้วเปิดแอปใหม่ แล้วเข้าสู่ระบบอีกครั้งนะคะ",
        "en": "Your LINE login timed out. Close and reopen the app, then log in again.",
    },
    "line_token_invalid": _LINE_LOGIN_FAILED,
    "line_token_unknown_key": _LINE_LOGIN_FAILED,
    "line_token_wrong_audience": _LINE_LOGIN_FAILED,
    "line_token_wrong_issuer": _LINE_LOGIN_FAILED,
    "line_keys_unavailable": {
        "th": "ตอนนี้ยืนยันการเข้าสู่ระบบกับ LINE ไม่ได้ชั่วคราวค่ะ ลองใหม่อีกครั้งในอีกสักครู่นะคะ",
        "en": "We can't check your LINE login right now. Please try again in a moment.",
    },
    "invalid_display_name": {
        "th": "ชื่อที่แสดงต้องยาว 1 ถึง 100 ตัวอักษรค่ะ",
        "en": "Display names are 1 to 100 characters.",
    },
    "invalid_language": {
        "th": "เลือกได้เฉพาะภาษาไทยหรือภาษาอังกฤษค่ะ",
        "en": "Please choose Thai or English.",
    },
    "invalid_notify_line": {
        "th": "การแจ้งเตือนทาง LINE เลือกได้แค่เปิดหรือปิดค่ะ",
        "en": "LINE notifications can only be on or off.",
    },
    "invalid_legacy_user": {
        "th": "ข้อมูลผู้ใช้จากแอปเดิมรายการนี้นำเข้าไม่ได้ค่ะ",
        "en": "This user from the old app can't be imported.",
    },
    # --- any request ---------------------------------------------------------------------------------------------
    "validation_failed": {
        "th": "ข้อมูลที่ส่งมายังไม่ถูกต้องค่ะ ตรวจสอบสิ่งที่กรอกแล้วลองอีกครั้งนะคะ",
        "en": "Some details aren't right. Check what you entered and try again.",
    },
    "unstorable_input": {
        "th": "ข้อความมีตัวอักษรพิเศษที่บันทึกไม่ได้ค่ะ ลองพิมพ์ใหม่โดยไม่คัดลอกสัญลักษณ์แปลก ๆ มานะคะ",
        "en": "Your text has special characters we can't keep. Please type it again without copied symbols.",
    },
    "invalid_cursor": {
        "th": "รายการหน้านี้หมดอายุแล้วค่ะ รีเฟรชรายการแล้วลองอีกครั้งนะคะ",
        "en": "This page of the list has expired. Refresh the list and try again.",
    },
    "invalid_idempotency_key": {
        "th": "คำขอนี้ส่งมาไม่ครบถ้วนค่ะ ลองกดใหม่อีกครั้งนะคะ",
        "en": "This request was incomplete. Please tap again.",
    },
    "idempotency_key_reused": {
        "th": "รายการนี้เคยส่งมาแล้วด้วยข้อมูลอื่นค่ะ รีเฟรชแล้วลองใหม่อีกครั้งนะคะ",
        "en": "This was already sent with different details. Refresh and try again.",
    },
    "idempotency_key_required": {
        "th": "รายการนี้ต้องส่งพร้อมรหัสกันกดซ้ำค่ะ รีเฟรชหน้าแล้วลองใหม่อีกครั้งนะคะ",
        "en": "This action must be sent with its repeat guard. Refresh the page and try again.",
    },
    "malformed_json": {
        "th": "อ่านข้อมูลที่ส่งมาไม่ออกค่ะ ลองใหม่อีกครั้งนะคะ",
        "en": "We couldn't read what was sent. Please try again.",
    },
    "payload_too_large": {
        "th": "ข้อมูลที่ส่งมายาวเกินไปค่ะ ลองย่อให้สั้นลงนะคะ",
        "en": "That's too much to send at once. Please make it shorter.",
    },
    "unsupported_media_type": {
        "th": "รูปแบบข้อมูลที่ส่งมาไม่ถูกต้องค่ะ ลองใหม่อีกครั้งนะคะ",
        "en": "We can't read this kind of request. Please try again.",
    },
    "method_not_allowed": {
        "th": "ทำรายการนี้ด้วยวิธีนี้ไม่ได้ค่ะ กลับไปหน้าหลักแล้วลองใหม่นะคะ",
        "en": "This can't be done this way. Go back and try again.",
    },
    "not_found": {
        "th": "ไม่พบสิ่งที่คุณหาค่ะ กลับไปหน้าหลักแล้วลองใหม่นะคะ",
        "en": "We couldn't find that. Go back and try again.",
    },
    "bad_request": _NOT_VALID,
    "http_error": _NOT_VALID,
    "forbidden": {
        "th": "คุณไม่มีสิทธิ์ทำรายการนี้ค่ะ หากคิดว่าผิดพลาด ติดต่อทีมมีมี่ได้เลยนะคะ",
        "en": "You're not allowed to do this. Contact the MiMi team if you think this is a mistake.",
    },
    "conflict": {
        "th": "ข้อมูลนี้เพิ่งเปลี่ยนไปค่ะ รีเฟรชแล้วลองอีกครั้งนะคะ",
        "en": "This has just changed. Refresh and try again.",
    },
    "internal_error": {
        "th": "ขออภัยค่ะ ระบบขัดข้อง ลองใหม่อีกครั้งในอีกสักครู่นะคะ",
        "en": "Sorry, something went wrong on our side. Please try again in a moment.",
    },
    "service_unavailable": _TRY_AGAIN_SOON,
    "database_error": _TRY_AGAIN_SOON,
    "database_unavailable": {
        "th": "ตอนนี้มีมี่เปิดสมุดบันทึกไม่ได้ชั่วคราวค่ะ ลองใหม่อีกครั้งในอีกสักครู่นะคะ",
        "en": "Mimi can't open her records right now. Please try again in a moment.",
    },
    "rate_limit_unavailable": {
        "th": "ตอนนี้มีผู้ใช้เยอะค่ะ ลองใหม่อีกครั้งในอีกสักครู่นะคะ",
        "en": "It's busy right now. Please try again in a moment.",
    },
    # --- server to server (a person never meets these) ------------------------------------------------------------
    "invalid_signature": _NOT_SIGNED,
    "invalid_payload": _NOT_VALID,
    "invalid_job": _NOT_VALID,
    "invalid_callback": _NOT_VALID,
    "invalid_intents": _NOT_VALID,
    "sweep_too_early": {
        "th": "ยังไม่ถึงเวลาตรวจคำทำนายที่ค้างค่ะ",
        "en": "It's too early to check for stuck readings.",
    },
    "webhook_failed": _TRY_AGAIN_SOON,
    # --- the back office (admins) --------------------------------------------------------------------------------
    "not_admin": {
        "th": "ส่วนนี้สำหรับผู้ดูแลระบบเท่านั้นค่ะ",
        "en": "This is for admins only.",
    },
    "user_not_found": {
        "th": "ไม่พบผู้ใช้นี้ค่ะ ตรวจสอบรหัสแล้วค้นหาอีกครั้งนะคะ",
        "en": "No such user. Check the id and search again.",
    },
    "invalid_user_query": {
        "th": "ค้นหาด้วยรหัสผู้ใช้ LINE รหัสผู้ใช้ หรือรหัสแนะนำเพื่อนนะคะ",
        "en": "Search by LINE user id, user id or referral code.",
    },
    "reason_required": {
        "th": "กรุณาใส่เหตุผล 3 ถึง 500 ตัวอักษรค่ะ",
        "en": "Please give a reason of 3 to 500 characters.",
    },
    "invalid_currency": {
        "th": "เลือกได้เฉพาะดาว แต้มฟรี เหรียญ หรือค่าประสบการณ์ค่ะ",
        "en": "Choose stars, free points, coins or EXP.",
    },
    "invalid_changes": {
        "th": "รายการปรับยอดไม่ถูกต้องค่ะ ใส่จำนวนเต็มที่ไม่ใช่ศูนย์ให้ดาว แต้มฟรี เหรียญ หรือค่าประสบการณ์นะคะ",
        "en": "The changes aren't valid. Give whole, non-zero numbers for stars, free points, coins or EXP.",
    },
    "invalid_clawback": {
        "th": "เรียกคืนได้เฉพาะการหักดาวเท่านั้นค่ะ",
        "en": "Only a star deduction can be a clawback.",
    },
    "own_wallet": {
        "th": "ผู้ดูแลปรับยอดบัญชีของตัวเองไม่ได้ค่ะ ขอให้ผู้ดูแลคนอื่นทำรายการนี้นะคะ",
        "en": "Admins can't adjust their own wallet. Ask another admin to do it.",
    },
    "second_admin_required": {
        "th": "รายการนี้ต้องให้ผู้ดูแลอีกคนอนุมัติค่ะ ส่งต่อให้ผู้ดูแลคนอื่นนะคะ",
        "en": "Another admin must approve this. Pass it on to a second admin.",
    },
    "adjustment_request_not_found": {
        "th": "ไม่พบคำขอปรับยอดนี้ค่ะ",
        "en": "No such adjustment request.",
    },
    "adjustment_request_decided": {
        "th": "คำขอปรับยอดนี้ได้รับการตัดสินไปแล้วค่ะ รีเฟรชรายการเพื่อดูสถานะล่าสุดนะคะ",
        "en": "This adjustment request was already decided. Refresh the list to see it.",
    },
    "invalid_decision": {
        "th": "เลือกได้แค่อนุมัติหรือปฏิเสธค่ะ",
        "en": "Choose approve or reject.",
    },
    "invalid_request_status": {
        "th": "สถานะคำขอที่เลือกไม่ถูกต้องค่ะ",
        "en": "That request status isn't valid.",
    },
    "balance_would_go_negative": {
        "th": "ปรับยอดนี้ไม่ได้ค่ะ ยอดคงเหลือจะติดลบ ลองใช้จำนวนที่น้อยลงนะคะ",
        "en": "This would make the balance negative. Try a smaller amount.",
    },
    "invalid_frozen": {
        "th": "สถานะการระงับเลือกได้แค่ระงับหรือไม่ระงับค่ะ",
        "en": "Frozen can only be on or off.",
    },
    "dispute_open": {
        "th": "ยังปลดการระงับไม่ได้ค่ะ มีข้อโต้แย้งการชำระเงินที่ยังเปิดอยู่ รอให้ปิดก่อนนะคะ",
        "en": "The account can't be unfrozen while a payment dispute is open. Wait until it closes.",
    },
    "payment_not_found": {
        "th": "ไม่พบรายการชำระเงินนี้ค่ะ",
        "en": "No such payment.",
    },
    "invalid_resolution": {
        "th": "วิธีจัดการรายการนี้ไม่ถูกต้องค่ะ เลือกจากตัวเลือกที่มีนะคะ",
        "en": "Choose one of the offered resolutions.",
    },
    "payment_not_flagged": {
        "th": "รายการชำระเงินนี้ไม่ได้ถูกแจ้งให้ตรวจสอบค่ะ",
        "en": "This payment isn't flagged for review.",
    },
    "payment_not_creditable": {
        "th": "รายการชำระเงินนี้เติมดาวให้ไม่ได้ค่ะ",
        "en": "Stars can't be credited for this payment.",
    },
    "invalid_reading_state": {
        "th": "สถานะคำทำนายที่เลือกไม่ถูกต้องค่ะ",
        "en": "That reading status isn't valid.",
    },
    "reading_not_retryable": {
        "th": "คำทำนายนี้ลองใหม่ไม่ได้แล้วค่ะ",
        "en": "This reading can't be retried.",
    },
    "reading_not_refundable": {
        "th": "คำทำนายนี้คืนเครดิตไม่ได้แล้วค่ะ",
        "en": "This reading can't be refunded.",
    },
    "reading_deleted": {
        "th": "คำทำนายนี้ถูกลบไปแล้วค่ะ",
        "en": "This reading was deleted.",
    },
    "setting_not_found": {
        "th": "ไม่พบการตั้งค่านี้ค่ะ",
        "en": "No such setting.",
    },
    "invalid_setting_value": {
        "th": "ค่านี้อยู่นอกช่วงที่ตั้งได้ค่ะ ลองใส่ค่าในช่วงที่กำหนดนะคะ",
        "en": "That value is outside the setting's range.",
    },
    "invalid_package": {
        "th": "ข้อมูลแพ็กเกจไม่ถูกต้องค่ะ ตรวจราคาและจำนวนดาวอีกครั้งนะคะ",
        "en": "The package isn't valid. Check its price and stars.",
    },
    "spread_not_found": {
        "th": "ไม่พบรูปแบบการเปิดไพ่นี้ค่ะ",
        "en": "No such spread.",
    },
    "invalid_spread": {
        "th": "ข้อมูลรูปแบบการเปิดไพ่ไม่ถูกต้องค่ะ ตรวจจำนวนไพ่และตำแหน่งอีกครั้งนะคะ",
        "en": "The spread isn't valid. Check its card count and positions.",
    },
}
