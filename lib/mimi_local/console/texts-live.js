// Texts of a reading being followed (its stages, the connection, the LINE offer), of the question counter, and of
// the next steps a problem offers.
export const LIVE_I18N = {
  th: {
    stage_drawing: "มีมี่เปิดไพ่ให้คุณแล้ว กำลังพลิกไพ่…", stage_queued: "รอคิวอยู่ค่ะ มีมี่จะเริ่มอ่านไพ่ในไม่ช้า…",
    stage_processing: "มีมี่กำลังอ่านไพ่ของคุณ…", stage_writing: "มีมี่กำลังเขียนคำทำนาย…",
    stage_completed: "คำทำนายเสร็จแล้วค่ะ", stage_rejected: "มีมี่ขอไม่ตอบคำถามนี้ คืนดาวหรือแต้มฟรีให้แล้วค่ะ",
    stage_failed: "ดูดวงไม่สำเร็จ คืนดาวหรือแต้มฟรีให้แล้วค่ะ",
    waitingLong: "ใช้เวลานานกว่าปกติ มีมี่ยังทำต่อให้อยู่ค่ะ คำทำนายที่จ่ายแล้วไม่หายแน่นอน ถ้าไม่สำเร็จจะคืนให้อัตโนมัติ",
    offline: "ออฟไลน์อยู่ค่ะ จะอ่านต่อทันทีที่กลับมาออนไลน์", retrying: "เชื่อมต่อไม่ได้ จะลองใหม่ใน {s} วินาที",
    lineOffer: "ใช้เวลานานหน่อยนะคะ ให้มีมี่ส่งข้อความทาง LINE เมื่อคำทำนายพร้อมไหมคะ",
    lineOfferButton: "แจ้งฉันทาง LINE", lineOfferOn: "มีมี่จะส่งข้อความทาง LINE เมื่อคำทำนายพร้อมค่ะ ปิดแอปได้เลย",
    resumed: "กลับมาดูคำทำนายที่ค้างอยู่ค่ะ", followUpLimit: "ถามต่อครบ {n} ข้อแล้วค่ะ เริ่มคำถามใหม่ด้านบนได้เลยนะคะ",
    questionCount: "{n}/{max} ตัวอักษร", goRewards: "ไปรับเหรียญ", logInAgain: "เข้าสู่ระบบอีกครั้ง",
    serverBusy: "ระบบขัดข้องชั่วคราวค่ะ ลองใหม่อีกครั้งในอีกสักครู่นะคะ",
    priceHint: "ราคาเป็นดาว ถ้ามีแต้มฟรีจะใช้แต้มฟรีก่อนค่ะ", previousReading: "คำทำนายก่อนหน้า",
  },
  en: {
    stage_drawing: "Mimi drew your cards and is turning them over…", stage_queued: "In the queue; Mimi starts soon…",
    stage_processing: "Mimi is reading your cards…", stage_writing: "Mimi is writing your reading…",
    stage_completed: "Your reading is ready", stage_rejected: "Mimi declined this question; your stars or free "
      + "points are back", stage_failed: "The reading failed; your stars or free points are back",
    waitingLong: "This is taking longer than usual. Mimi is still on it: a paid reading is never lost, and if it "
      + "cannot be finished you get it back automatically.",
    offline: "You're offline; the reading carries on as soon as you're back", retrying: "Can't connect; trying "
      + "again in {s} s",
    lineOffer: "This is taking a while. Shall Mimi message you on LINE when it is ready?",
    lineOfferButton: "Message me on LINE", lineOfferOn: "Mimi will message you on LINE when it is ready; you can "
      + "close the app.", resumed: "Back to the reading you were waiting for",
    followUpLimit: "You've asked all {n} follow-ups for this reading. Ask a new question above.",
    questionCount: "{n}/{max} characters", goRewards: "Earn coins", logInAgain: "Log in again",
    serverBusy: "Something went wrong on our side. Please try again in a moment.",
    priceHint: "Prices are in stars; free points are used first.", previousReading: "Your previous reading",
  },
};
