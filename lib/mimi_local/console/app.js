// MiMiVibes dev console: plays the LIFF app's part against the local stack's function URLs (same origin).
import { ADMIN_I18N, createAdmin } from "./admin.js";
import { SHARE_I18N, createShare } from "./share.js";

const FN = "/functions";
const POLL_MS = 700;
const FINAL = new Set(["completed", "rejected", "failed"]);
const SUIT_GLYPH = { major: "✦", wands: "♣", cups: "♥", swords: "♠", pentacles: "✪" };

const I18N = {
  th: {
    devConsole: "คอนโซลทดสอบ", switchLang: "เปลี่ยนเป็นภาษาอังกฤษ", loginTitle: "เข้าสู่ระบบด้วย LINE (ผู้ใช้ทดสอบ)",
    loginName: "ชื่อผู้ใช้ LINE", loginRef: "รหัสแนะนำเพื่อน (ไม่บังคับ)", loginButton: "เข้าสู่ระบบ",
    level: "เลเวล", streak: "เช็กอินต่อเนื่อง", refresh: "รีเฟรช", logout: "ออก", exp: "ค่าประสบการณ์", stars: "ดาว",
    freePoints: "แต้มฟรี", coins: "เหรียญ", frozen: "บัญชีถูกระงับการใช้จ่ายชั่วคราวระหว่างตรวจสอบการชำระเงิน",
    tabAsk: "ดูดวง", tabHistory: "ประวัติ", tabShop: "ร้านค้า", tabRewards: "รางวัล", tabLine: "LINE",
    notifyLine: "แจ้งเตือนทาง LINE เมื่อคำทำนายพร้อม", lineHint: "ข้อความที่มีมี่ส่งถึงคุณทาง LINE (จำลอง)",
    lineEmpty: "ยังไม่มีข้อความ", notifyOn: "เปิดการแจ้งเตือนทาง LINE แล้ว", notifyOff: "ปิดการแจ้งเตือนทาง LINE แล้ว",
    questionLabel: "ถามแม่หมอมีมี่",
    questionPlaceholder: "เช่น ความรักของฉันในเดือนนี้จะเป็นอย่างไร (10–500 ตัวอักษร)", depth: "จำนวนไพ่",
    depthStandard: "มาตรฐาน · 3 ใบ", depthDeep: "เจาะลึก · 5 ใบ", askButton: "ถามมีมี่", standard: "3 ใบ",
    spread: "รูปแบบการเปิดไพ่", credits: "{n} เครดิต", upright: "ตั้งตรง", reversed: "กลับหัว",
    dailyCard: "ไพ่ประจำวัน (ฟรีวันละใบ)", followUpsTitle: "คำถามต่อเนื่อง", followUpLabel: "ถามต่อจากคำทำนายนี้",
    followUpButton: "ถามต่อ (1 เครดิต)", followUpCount: "ถามต่อ {n}",
    deep: "5 ใบ", sending: "กำลังส่งคำถาม…", status_queued: "รอคิว… มีมี่กำลังสับไพ่",
    status_processing: "มีมี่กำลังเปิดไพ่และอ่านดวง…",
    status_writing: "มีมี่กำลังเขียนคำทำนาย…", status_completed: "คำทำนายเสร็จแล้ว",
    status_rejected: "มีมี่ขอไม่ตอบคำถามนี้", status_failed: "ดูดวงไม่สำเร็จ",
    pollTimeout: "รอนานเกินไป ลองดูในประวัติอีกครั้ง", readingTitle: "คำทำนาย", suggestions: "คำแนะนำ",
    nextQuestions: "คำถามต่อไป (แตะเพื่อถาม)", rejectedTitle: "มีมี่ขอไม่ตอบคำถามนี้",
    tryInstead: "ลองถามแบบนี้แทน:", refunded: "คืนเครดิตให้แล้ว",
    readingFailed: "ขออภัย ดูดวงไม่สำเร็จ คืนเครดิตให้แล้ว", historyTitle: "ประวัติการดูดวง",
    historyEmpty: "ยังไม่มีคำทำนาย", more: "เพิ่มเติม", open: "เปิดดู", review: "ให้คะแนน", reviewed: "ให้คะแนนแล้ว",
    delete: "ลบ", confirmDelete: "แตะอีกครั้งเพื่อลบ", deleted: "ลบคำทำนายแล้ว", accuracy: "ความแม่นยำ",
    comment: "ความคิดเห็น", sendReview: "ส่งคะแนน", reviewThanks: "ขอบคุณสำหรับคะแนน! ได้รับ {coins} เหรียญ",
    shopTitle: "เติมดาว", paymentsTitle: "ประวัติการชำระเงิน", paymentsEmpty: "ยังไม่มีการชำระเงิน",
    popular: "ยอดนิยม", buy: "ซื้อ", paying: "กำลังชำระเงิน (Stripe ทดสอบ)…", waitingStars: "รอรับดาว…",
    starsArrived: "ได้รับ {stars} ดาวแล้ว!", starsLate: "ชำระเงินแล้ว แต่ดาวยังไม่เข้า ลองรีเฟรชอีกครั้ง",
    dailyTitle: "เช็กอินรายวัน", dailyHint: "รับเหรียญและค่าประสบการณ์วันละครั้ง (ตามเวลาไทย)",
    dailyButton: "เช็กอินวันนี้", checkedIn: "เช็กอินแล้ว! +{coins} เหรียญ · ต่อเนื่อง {streak} วัน",
    exchangeTitle: "แลกเหรียญเป็นดาว", exchangeHint: "ใช้เหรียญแลกดาวได้ทีละเต็มดวง", exchangeLabel: "จำนวนดาว",
    exchangeButton: "แลก", exchanged: "แลก {coins} เหรียญเป็น {stars} ดาวแล้ว", referralTitle: "ชวนเพื่อน",
    referralHint: "เพื่อนได้ดาวเมื่อเข้าผ่านลิงก์ของคุณ คุณได้เหรียญเมื่อเพื่อนดูดวงครั้งแรก",
    referralLink: "ลิงก์ชวนเพื่อน", copy: "คัดลอก", copied: "คัดลอกลิงก์แล้ว",
    copyFailed: "คัดลอกไม่ได้ กรุณาคัดลอกเอง", referralCode: "รหัส", invited: "ชวนแล้ว", coinsEarned: "เหรียญที่ได้",
    welcomeNew: "ยินดีต้อนรับ {name}! รับแต้มฟรี {points} แต้ม", welcomeBack: "ยินดีต้อนรับกลับมา {name}",
    loggedOut: "ออกจากระบบแล้ว", sessionEnded: "เซสชันหมดอายุ กรุณาเข้าสู่ระบบใหม่",
    networkError: "เชื่อมต่อไม่ได้ค่ะ ตรวจสอบอินเทอร์เน็ตแล้วลองใหม่อีกครั้งนะคะ", langSaved: "เปลี่ยนภาษาแล้ว",
    somethingWrong: "เกิดข้อผิดพลาดค่ะ ลองใหม่อีกครั้งนะคะ",
    paymentProblem: "ชำระเงินไม่สำเร็จค่ะ ยังไม่มีการตัดเงิน ลองใหม่อีกครั้งนะคะ",
    goShop: "ไปเติมดาว", errorCode: "รหัส {code}",
    pay_pending: "รอชำระ", pay_succeeded: "สำเร็จ", pay_failed: "ไม่สำเร็จ", pay_refunded: "คืนเงินแล้ว",
    pay_partially_refunded: "คืนเงินบางส่วน", pay_disputed: "มีข้อโต้แย้ง",
  },
  en: {
    devConsole: "dev console", switchLang: "Switch to Thai", loginTitle: "Log in with LINE (dev user)",
    loginName: "LINE display name", loginRef: "Referral code (optional)", loginButton: "Log in", level: "Level",
    streak: "Streak", refresh: "Refresh", logout: "Log out", exp: "EXP", stars: "Stars", freePoints: "Free points",
    coins: "Coins", frozen: "Spending is paused while a payment is reviewed", tabAsk: "Ask", tabHistory: "History",
    tabShop: "Shop", tabRewards: "Rewards", questionLabel: "Ask Mimi", tabLine: "LINE",
    notifyLine: "Message me on LINE when a reading is ready", lineHint: "What Mimi sent you on LINE (stand-in)",
    lineEmpty: "No messages yet", notifyOn: "LINE messages on", notifyOff: "LINE messages off",
    questionPlaceholder: "e.g. How will my love life go this month? (10–500 characters)", depth: "Cards",
    depthStandard: "Standard · 3 cards", depthDeep: "Deep · 5 cards", askButton: "Ask Mimi", standard: "3 cards",
    spread: "Spread", credits: "{n} credits", upright: "Upright", reversed: "Reversed",
    dailyCard: "Card of the day (free, once a day)", followUpsTitle: "Follow-up questions",
    followUpLabel: "Ask more about this reading", followUpButton: "Ask (1 credit)", followUpCount: "{n} follow-ups",
    deep: "5 cards", sending: "Sending your question…", status_queued: "Queued… Mimi is shuffling",
    status_processing: "Mimi is turning the cards…",
    status_writing: "Mimi is writing your reading…", status_completed: "Your reading is ready",
    status_rejected: "Mimi declined this question", status_failed: "The reading failed",
    pollTimeout: "This is taking too long; check History later.", readingTitle: "Reading",
    suggestions: "Suggestions", nextQuestions: "Next questions (tap to ask)",
    rejectedTitle: "Mimi can't read this question", tryInstead: "Try asking:", refunded: "Your credit was refunded.",
    readingFailed: "Sorry, the reading failed; your credit was refunded.", historyTitle: "Reading history",
    historyEmpty: "No readings yet", more: "More", open: "Open", review: "Review", reviewed: "Reviewed",
    delete: "Delete", confirmDelete: "Tap again to delete", deleted: "Reading deleted", accuracy: "Accuracy",
    comment: "Comment", sendReview: "Send review", reviewThanks: "Thanks for the review! +{coins} coins",
    shopTitle: "Buy stars", paymentsTitle: "Payment history", paymentsEmpty: "No payments yet", popular: "Popular",
    buy: "Buy", paying: "Paying (Stripe test mode)…", waitingStars: "Waiting for the stars…",
    starsArrived: "{stars} stars arrived!", starsLate: "Paid, but the stars have not arrived yet; refresh shortly.",
    dailyTitle: "Daily check-in", dailyHint: "Coins and EXP once a day (Bangkok time)",
    dailyButton: "Check in today", checkedIn: "Checked in! +{coins} coins · {streak}-day streak",
    exchangeTitle: "Exchange coins for stars", exchangeHint: "Turn coins into whole stars", exchangeLabel: "Stars",
    exchangeButton: "Exchange", exchanged: "Exchanged {coins} coins for {stars} stars",
    referralTitle: "Invite friends",
    referralHint: "Friends who join with your link get a star; you get coins after their first reading",
    referralLink: "Invite link", copy: "Copy", copied: "Link copied",
    copyFailed: "Could not copy; please copy it by hand", referralCode: "Code", invited: "Invited",
    coinsEarned: "Coins earned", welcomeNew: "Welcome, {name}! {points} free points to start",
    welcomeBack: "Welcome back, {name}", loggedOut: "Logged out",
    sessionEnded: "Your session ended; please log in again",
    networkError: "Can't connect. Check your internet connection and try again.", langSaved: "Language changed",
    somethingWrong: "Something went wrong. Please try again.",
    paymentProblem: "The payment didn't go through, and nothing was charged. Please try again.",
    goShop: "Top up stars", errorCode: "code {code}",
    pay_pending: "Pending", pay_succeeded: "Paid", pay_failed: "Failed", pay_refunded: "Refunded",
    pay_partially_refunded: "Partly refunded", pay_disputed: "Disputed",
  },
};

Object.assign(I18N.th, ADMIN_I18N.th);
Object.assign(I18N.en, ADMIN_I18N.en);
Object.assign(I18N.th, SHARE_I18N.th);
Object.assign(I18N.en, SHARE_I18N.en);

// ---- state -------------------------------------------------------------------------------------------------------
let lang = sessionStorage.getItem("mimi.lang") === "en" ? "en" : "th";
let session = readJson(sessionStorage.getItem("mimi.session"));
let profile = null;
let currentReading = null;
let history = { items: [], cursor: null };
let shop = { packages: [], payments: [] };
let spreads = [];
let refreshing = null;

const $ = (selector, root = document) => root.querySelector(selector);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const t = (key, vars = {}) => (I18N[lang][key] ?? I18N.th[key] ?? key).replace(/\{(\w+)\}/g, (_, k) => vars[k] ?? "");

function readJson(text) {
  try { return text ? JSON.parse(text) : null; } catch { return null; }
}

function newKey() {
  return crypto.randomUUID ? crypto.randomUUID() : `${Date.now()}-${Math.random().toString(36).slice(2)}`;
}

/** Build an element: attributes (on* = listeners, testid = data-testid) and text/element children. */
function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value == null || value === false) continue;
    if (key.startsWith("on")) el.addEventListener(key.slice(2), value);
    else if (key === "testid") el.dataset.testid = value;
    else if (key === "class") el.className = value;
    else el.setAttribute(key, value === true ? "" : String(value));
  }
  el.append(...children.flat().filter((c) => c != null && c !== false));
  return el;
}

// ---- HTTP: problem+json errors, token refresh ----------------------------------------------------------------
class ApiError extends Error {
  constructor(problem) {
    super(problem.detail || problem.title || "Error");
    Object.assign(this, { status: problem.status, code: problem.code, detail: this.message,
      requestId: problem.request_id });
  }
}

async function request(path, { method = "GET", body, headers = {}, auth = true } = {}) {
  // the API writes each problem's detail in the token's language, else this one (the console's)
  const init = { method, headers: { accept: "application/json", "accept-language": lang, ...headers } };
  if (body !== undefined) {
    init.headers["content-type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  if (auth && session) init.headers.authorization = `Bearer ${session.access_token}`;
  let response;
  try {
    response = await fetch(path, init);
  } catch {
    throw new ApiError({ code: "network_error", detail: t("networkError") });
  }
  const text = await response.text();
  const data = readJson(text);
  if (response.ok) return data;
  if (data && data.detail) throw new ApiError(data);
  if (data && data.error && data.error.message) { // the Stripe stand-in answers as Stripe does (in English)
    const { code, type } = data.error;
    throw new ApiError({ status: response.status, code: code || type, detail: t("paymentProblem") });
  }
  throw new ApiError({ status: response.status, code: "http_error", detail: t("somethingWrong") });
}

/** A call as the logged-in user: an expired access token is refreshed once (rotation) and the call retried. */
async function api(path, options = {}) {
  const used = session && session.access_token;
  try {
    return await request(path, options);
  } catch (err) {
    if (!(err instanceof ApiError) || err.status !== 401 || !session) throw err;
    if (err.code !== "token_expired") {
      endSession();
      throw err;
    }
    if (session.access_token === used) await refreshTokens();
    return request(path, options);
  }
}

function refreshTokens() {
  refreshing ??= request(`${FN}/auth/refresh`, { method: "POST", body: { refresh_token: session.refresh_token },
    auth: false })
    .then((pair) => saveSession(pair))
    .catch((err) => { endSession(t("sessionEnded")); throw err; })
    .finally(() => { refreshing = null; });
  return refreshing;
}

function saveSession(pair) {
  session = { access_token: pair.access_token, refresh_token: pair.refresh_token };
  sessionStorage.setItem("mimi.session", JSON.stringify(session));
}

function endSession(message) {
  [session, profile, currentReading] = [null, null, null];
  history = { items: [], cursor: null };
  sessionStorage.removeItem("mimi.session");
  $("#reading").hidden = true;
  $("#tab-admin").hidden = true;
  setStatus("");
  showLogin();
  if (message) toast(message);
}

// ---- toasts ---------------------------------------------------------------------------------------------------
function toast(message, kind = "ok", note = "", next = null) {
  const close = h("button", { type: "button", "aria-label": "close" }, "×");
  const step = next && h("button", { type: "button", class: "next-step", testid: "next-step",
    onclick: () => { el.remove(); next.go(); } }, next.label);
  const el = h("div", { class: `toast ${kind}`, testid: "toast", "data-kind": kind,
    role: kind === "error" ? "alert" : null },
    h("div", { class: "msg" }, message, step, note && h("small", {}, note)), close);
  close.addEventListener("click", () => el.remove());
  $("#toasts").append(el);
  while ($("#toasts").childElementCount > 3) $("#toasts").firstElementChild.remove();
  setTimeout(() => el.remove(), kind === "error" ? 10000 : 6000);
}

// The next step a problem's code offers (its detail already says it in words, with the problem's numbers).
const NEXT_STEPS = {
  insufficient_credits: { label: "goShop", tab: "shop" },
};

function showError(err) {
  console.error(err);
  if (!(err instanceof ApiError)) {
    toast(t("somethingWrong"), "error");
    return;
  }
  const step = NEXT_STEPS[err.code];
  const next = step && { label: t(step.label), go: () => showTab(step.tab) };
  toast(err.detail, "error", err.code && t("errorCode", { code: err.code }), next);
}

/** Run an action from a button: disabled while it runs, any failure shown as a toast. */
async function run(button, action) {
  if (button) button.disabled = true;
  try {
    await action();
  } catch (err) {
    showError(err);
  } finally {
    if (button) button.disabled = false;
  }
}

// ---- language -------------------------------------------------------------------------------------------------
function setLang(next) {
  lang = next === "en" ? "en" : "th";
  sessionStorage.setItem("mimi.lang", lang);
  document.documentElement.lang = lang;
  for (const el of document.querySelectorAll("[data-i18n]")) el.textContent = t(el.dataset.i18n);
  for (const el of document.querySelectorAll("[data-i18n-placeholder]")) el.placeholder = t(el.dataset.i18nPlaceholder);
  for (const el of document.querySelectorAll("[data-i18n-aria]")) el.setAttribute("aria-label", t(el.dataset.i18nAria));
  const toggle = $("#lang-toggle");
  toggle.textContent = lang === "th" ? "EN" : "ไทย";
  toggle.setAttribute("aria-label", t("switchLang"));
  if (currentReading) renderReading(currentReading);
  const idle = !$("#reading-status").classList.contains("busy");
  if (currentReading && idle) setStatus(t(`status_${currentReading.status}`));
  renderHistory();
  renderShop();
  renderSpreads();
}

async function switchLang(button) {
  const next = lang === "th" ? "en" : "th";
  setLang(next);
  if (!session) return;
  await run(button, async () => {
    profile = await api(`${FN}/profile/`, { method: "PATCH", body: { language: next } });
    await refreshTokens(); // the access token names the profile's language: errors follow it from now on
    renderProfile();
    toast(t("langSaved"));
  });
}

// ---- login and profile ----------------------------------------------------------------------------------------
function showLogin() {
  $("#app").hidden = true;
  $("#login").hidden = false;
}

async function login(name, ref) {
  const { id_token: idToken, sub } = await request("/line/dev/id_token", { method: "POST", body: { name },
    auth: false });
  sessionStorage.setItem("mimi.lineSub", sub);
  const body = ref ? { id_token: idToken, ref } : { id_token: idToken };
  const result = await request(`${FN}/auth/line`, { method: "POST", body, auth: false });
  saveSession(result);
  const chosen = lang;
  await enterApp();
  if (result.created && chosen !== lang) await switchLang(null); // a new user keeps the language picked at login
  const vars = { name: profile.display_name, points: profile.wallet.free_points };
  toast(t(result.created ? "welcomeNew" : "welcomeBack", vars));
}

async function logout() {
  const token = session && session.refresh_token;
  endSession(t("loggedOut"));
  if (token) await request(`${FN}/auth/logout`, { method: "POST", body: { refresh_token: token }, auth: false });
}

async function enterApp() {
  await Promise.all([loadProfile(), loadSpreads()]);
  if (profile.language !== lang) setLang(profile.language);
  $("#login").hidden = true;
  $("#app").hidden = false;
  showTab("ask");
  $("#tab-admin").hidden = !(await admin.isAdmin()); // is_admin() in SQL decides; tokens say nothing of it
}

async function loadProfile() {
  profile = await api(`${FN}/profile/`);
  renderProfile();
  return profile;
}

function updateWallet(wallet) {
  if (profile && wallet) {
    profile.wallet = { ...profile.wallet, ...wallet };
    renderProfile();
  }
}

function renderProfile() {
  if (!profile) return;
  const w = profile.wallet;
  $("#display-name").textContent = profile.display_name;
  $("#avatar").textContent = (profile.display_name || "M").trim().charAt(0).toUpperCase();
  for (const [id, value] of [["stars", w.stars], ["free-points", w.free_points], ["coins", w.coins],
    ["level", w.level], ["streak", w.streak], ["exp", w.exp], ["next-exp", w.next_level_exp]]) {
    $(`#${id}`).textContent = String(value ?? 0);
  }
  // level n starts at step*n*(n-1)/2 and the next at step*(n+1)*n/2, so this level's floor is next*(n-1)/(n+1)
  const floor = (w.next_level_exp * (w.level - 1)) / (w.level + 1);
  const share = Math.max(0, Math.min(1, (w.exp - floor) / Math.max(1, w.next_level_exp - floor)));
  $("#exp-fill").style.width = `${Math.round(share * 100)}%`;
  $("#frozen").hidden = !w.frozen;
}

// ---- tabs -----------------------------------------------------------------------------------------------------
function showTab(name) {
  for (const tab of document.querySelectorAll("[data-tab]")) {
    tab.setAttribute("aria-selected", String(tab.dataset.tab === name));
  }
  for (const panel of document.querySelectorAll("[role=tabpanel]")) panel.hidden = panel.id !== `panel-${name}`;
  const loaders = { history: () => loadHistory(false), shop: loadShop, rewards: loadReferral, line: loadLine,
                    admin: () => admin.load() };
  if (loaders[name]) run(null, loaders[name]);
}

// ---- readings -------------------------------------------------------------------------------------------------
function setStatus(text, busy = false, id = "reading-status") {
  const el = $(`#${id}`);
  el.textContent = text;
  el.classList.toggle("busy", busy);
}

async function loadSpreads() {
  spreads = await api(`${FN}/readings/spreads`, { auth: false });
  renderSpreads();
}

function spreadName(id) {
  const found = spreads.find((s) => s.id === id);
  return found ? (lang === "th" ? found.name_th : found.name_en) : id;
}

function renderSpreads() {
  const select = $("#spread");
  if (!spreads.length) return;
  const chosen = select.value || "three";
  select.replaceChildren(...spreads.map((s) => h("option", { value: s.id, selected: s.id === chosen },
    `${lang === "th" ? s.name_th : s.name_en} · ${t("credits", { n: s.price })}`)));
}

async function dailyCard() {
  setStatus(t("sending"), true);
  const card = await api(`${FN}/readings/daily`, { method: "POST" });
  renderReading(await pollReading(card.id));
  await loadProfile();
}

async function askFollowUp(parentId, question) {
  setStatus(t("sending"), true);
  const queued = await api(`${FN}/readings/${parentId}/follow-ups`, { method: "POST",
    body: { question, language: lang } });
  updateWallet(queued.wallet);
  await pollReading(queued.id);
  renderReading(await api(`${FN}/readings/${parentId}`));
  await loadProfile();
}

async function ask(question, spread) {
  setStatus(t("sending"), true);
  $("#reading").hidden = true;
  try {
    const queued = await api(`${FN}/readings/`, { method: "POST", body: { question, spread, language: lang } });
    updateWallet(queued.wallet);
    const reading = await pollReading(queued.id);
    renderReading(reading);
    await loadProfile(); // rewards, or the refund of a refused question
  } catch (err) {
    setStatus("");
    throw err;
  }
}

async function pollReading(id) {
  const deadline = Date.now() + 120000;
  for (;;) {
    const reading = await api(`${FN}/readings/${encodeURIComponent(id)}`);
    setStatus(t(`status_${reading.status}`), !FINAL.has(reading.status));
    if (FINAL.has(reading.status)) return reading;
    if (Date.now() > deadline) throw new ApiError({ code: "poll_timeout", detail: t("pollTimeout") });
    await sleep(POLL_MS);
  }
}

function prefill(question) {
  showTab("ask");
  const box = $("#question");
  box.value = question;
  box.focus();
  window.scrollTo({ top: 0, behavior: "smooth" });
}

function renderReading(reading) {
  currentReading = reading;
  const box = $("#reading");
  box.dataset.status = reading.status;
  box.dataset.readingId = reading.id;
  box.replaceChildren(h("p", { class: "muted", testid: "reading-question" }, `“${reading.question}”`));
  box.hidden = false;
  if (reading.status === "rejected") box.append(rejectionView(reading.rejection || {}));
  else if (reading.status === "failed") {
    box.append(h("p", { class: "rejection", testid: "reading-failed" }, t("readingFailed")));
  }
  else if (reading.result) box.append(...resultView(reading.result));
  if (reading.status === "completed" && !reading.parent_id) box.append(threadView(reading), sharing.view(reading));
}

function threadView(reading) {
  const followUps = reading.follow_ups || [];
  const input = h("input", { testid: "follow-up-question", minlength: 10, maxlength: 500, required: true,
    "aria-label": t("followUpLabel"), placeholder: t("followUpLabel") });
  const form = h("form", { testid: "follow-up-form" }, input,
    h("button", { type: "submit", class: "small", testid: "follow-up-button" }, t("followUpButton")));
  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    run($("button", form), () => askFollowUp(reading.id, input.value.trim()));
  });
  return h("section", { testid: "follow-ups" }, h("h3", {}, t("followUpsTitle")),
    h("ul", { class: "thread" }, followUps.map((f) => h("li", { testid: "follow-up-item", "data-status": f.status },
      h("p", { class: "muted", testid: "follow-up-asked" }, `“${f.question}”`),
      f.result && h("ul", { class: "cards" }, (f.result.cards || []).map(cardView)),
      f.result && h("p", { testid: "follow-up-final" }, f.result.final)))),
    followUps.length < 3 && form);
}

function resultView(result) {
  const askButton = (q) => h("li", {},
    h("button", { type: "button", testid: "next-question", onclick: () => prefill(q) }, q));
  return [
    h("p", { class: "header", testid: "reading-header" }, result.header),
    h("ul", { class: "cards", testid: "cards" }, (result.cards || []).map(cardView)),
    h("h3", {}, t("readingTitle")), h("p", { testid: "reading-text" }, result.reading),
    h("h3", {}, t("suggestions")),
    h("ul", { testid: "suggestions" }, (result.suggestions || []).map((s) => h("li", { testid: "suggestion" }, s))),
    h("h3", {}, t("nextQuestions")),
    h("ul", { class: "next-questions", testid: "next-questions" }, (result.next_questions || []).map(askButton)),
    h("p", { testid: "reading-final" }, result.final),
    h("p", { class: "muted", testid: "reading-end" }, result.end),
    h("p", { class: "notice", testid: "reading-notice" }, result.notice),
  ];
}

function cardView(card) {
  const el = $("#card-template").content.firstElementChild.cloneNode(true);
  const suit = String(card.image || "major").split("_")[0]; // images are named <suit|major>_<nn>_<name>.jpg
  el.classList.add(suit);
  el.dataset.cardId = card.id || "";
  $(".card-glyph", el).textContent = SUIT_GLYPH[suit] || "✦";
  $(".card-th", el).textContent = card.name_th || card.name;
  $(".card-en", el).textContent = card.name;
  $(".card-pos", el).textContent = (lang === "th" ? card.position_th : card.position_en) || card.position || "";
  const orientation = card.orientation || "upright";
  el.dataset.orientation = orientation;
  el.classList.toggle("reversed", orientation === "reversed");
  $(".card-orientation", el).textContent = t(orientation);
  $(".card-meaning", el).textContent = card.meaning || card.short_meaning || "";
  if (card.short_meaning) el.title = card.short_meaning;
  return el;
}

function rejectionView(rejection) {
  return h("div", { class: "rejection", testid: "rejection" },
    h("h3", {}, t("rejectedTitle")),
    h("p", { testid: "rejection-reason" }, rejection.reason),
    rejection.suggested_question && [h("p", { class: "muted" }, t("tryInstead")),
      h("button", { type: "button", testid: "suggested-question",
        onclick: () => prefill(rejection.suggested_question) }, rejection.suggested_question)],
    h("p", { class: "muted" }, t("refunded")));
}

// ---- history --------------------------------------------------------------------------------------------------
async function loadHistory(more) {
  const query = more && history.cursor ? `?cursor=${encodeURIComponent(history.cursor)}` : "";
  const page = await api(`${FN}/readings/${query}`);
  history = { items: more ? history.items.concat(page.items) : page.items, cursor: page.next_cursor };
  renderHistory();
}

function renderHistory() {
  $("#history-list").replaceChildren(...history.items.map(historyItem));
  $("#history-empty").hidden = history.items.length > 0;
  $("#history-more").hidden = !history.cursor;
}

function fmtDate(iso) {
  return new Date(iso).toLocaleString(lang === "th" ? "th-TH" : "en-GB", { dateStyle: "medium", timeStyle: "short" });
}

function historyItem(item) {
  const form = reviewForm(item);
  form.hidden = true;
  const open = async (button) => run(button, async () => {
    renderReading(await api(`${FN}/readings/${item.id}`));
    setStatus(t(`status_${item.status}`));
    showTab("ask");
  });
  const actions = h("div", { class: "actions" },
    FINAL.has(item.status) && h("button", { type: "button", class: "small", testid: "history-open",
      onclick: (ev) => open(ev.currentTarget) }, t("open")),
    item.status === "completed" && !item.reviewed && h("button", { type: "button", class: "small",
      testid: "history-review", onclick: () => { form.hidden = !form.hidden; } }, t("review")),
    deleteButton(item));
  return h("li", { testid: "history-item", "data-id": item.id, "data-status": item.status },
    h("div", { class: "q", testid: "history-question" }, item.question),
    h("div", {}, h("span", { class: `badge ${item.status}`, testid: "history-status" }, t(`status_${item.status}`)),
      h("span", { class: "badge", testid: "history-spread" }, spreadName(item.spread || "three")),
      item.follow_ups > 0 && h("span", { class: "badge gold", testid: "history-follow-ups" },
        t("followUpCount", { n: item.follow_ups })),
      item.reviewed && h("span", { class: "badge gold", testid: "history-reviewed" }, t("reviewed")),
      h("span", { class: "muted" }, fmtDate(item.created_at))),
    item.header && h("div", { class: "muted" }, item.header),
    item.cards && h("div", { class: "muted", testid: "history-cards" }, item.cards.map(
      (c) => (c.orientation === "reversed" ? `${c.name_th} (${t("reversed")})` : c.name_th)).join(" · ")),
    actions, form);
}

function deleteButton(item) {
  const button = h("button", { type: "button", class: "danger small", testid: "history-delete" }, t("delete"));
  button.addEventListener("click", () => {
    if (button.dataset.armed !== "1") { // a second tap confirms: no blocking dialog in a LIFF webview
      button.dataset.armed = "1";
      button.textContent = t("confirmDelete");
      return;
    }
    run(button, async () => {
      await api(`${FN}/readings/${item.id}`, { method: "DELETE" });
      history.items = history.items.filter((i) => i.id !== item.id);
      renderHistory();
      toast(t("deleted"));
    });
  });
  return button;
}

function reviewForm(item) {
  const output = h("output", {}, "80");
  const range = h("input", { type: "range", id: `accuracy-${item.id}`, min: 0, max: 100, step: 1, value: 80,
    testid: "review-accuracy", oninput: () => { output.textContent = range.value; } });
  const comment = h("textarea", { id: `comment-${item.id}`, rows: 2, maxlength: 500, testid: "review-comment" });
  const submit = h("button", { type: "submit", class: "primary", testid: "review-submit" }, t("sendReview"));
  const form = h("form", { class: "review", testid: "review-form" },
    h("label", { for: range.id }, `${t("accuracy")} `, output), range,
    h("label", { for: comment.id }, t("comment")), comment, submit);
  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    run(submit, async () => {
      const body = { accuracy: Number(range.value), comment: comment.value.trim() || null };
      const result = await api(`${FN}/readings/${item.id}/review`, { method: "POST", body });
      updateWallet(result.wallet);
      item.reviewed = true;
      renderHistory();
      toast(t("reviewThanks", { coins: (result.reward && result.reward.coin) || 0 }));
    });
  });
  return form;
}

// ---- shop -----------------------------------------------------------------------------------------------------
const baht = (satang) => `฿${(satang / 100).toLocaleString(lang === "th" ? "th-TH" : "en-US")}`;

async function loadShop() {
  const [packages, payments] = await Promise.all([api(`${FN}/payments/packages`), api(`${FN}/payments/`)]);
  shop = { packages, payments: payments.items };
  renderShop();
}

function renderShop() {
  const buyButton = (pkg) => h("button", { type: "button", class: "primary", testid: "buy-button",
    onclick: (ev) => run(ev.currentTarget, () => buy(pkg)) }, `${t("buy")} ${baht(pkg.price_satang)}`);
  $("#packages").replaceChildren(...shop.packages.map((pkg) => h("li", { testid: "package", "data-package-id": pkg.id },
    h("span", { class: "stars-big" }, `★ ${pkg.stars}`),
    h("div", {}, h("div", {}, pkg.title), pkg.popular && h("span", { class: "badge gold" }, t("popular"))),
    buyButton(pkg))));
  const payments = shop.payments.map((p) => h("li", { testid: "payment", "data-status": p.status },
    h("span", { class: `badge ${p.status === "succeeded" ? "completed" : ""}`, testid: "payment-status" },
      I18N[lang][`pay_${p.status}`] ?? p.status), ` ★ ${p.stars} · `,
    baht(p.amount_satang), h("span", { class: "muted" }, ` · ${fmtDate(p.created_at)}`)));
  $("#payments").replaceChildren(...(payments.length ? payments : [h("li", { class: "muted" }, t("paymentsEmpty"))]));
}

async function buy(pkg) {
  const before = profile.wallet.stars;
  const intent = await api(`${FN}/payments/intents`, { method: "POST", body: { package_id: pkg.id },
    headers: { "Idempotency-Key": newKey() } });
  // The LIFF app confirms with Stripe.js here; the Stripe stand-in's dev action plays the customer paying.
  toast(t("paying"));
  const paid = await request(`/stripe/dev/payment_intents/${encodeURIComponent(intent.payment_intent_id)}/succeed`,
    { method: "POST", auth: false });
  const undelivered = (paid.deliveries || []).find((d) => d.status !== 200);
  if (undelivered) toast(`webhook ${undelivered.type}: ${undelivered.status ?? undelivered.error}`, "error");
  setStatus(t("waitingStars"), true, "shop-status");
  try {
    for (const deadline = Date.now() + 20000; Date.now() < deadline; await sleep(POLL_MS)) {
      if ((await loadProfile()).wallet.stars >= before + intent.stars) {
        toast(t("starsArrived", { stars: intent.stars }));
        return;
      }
    }
    toast(t("starsLate"), "error");
  } finally {
    setStatus("", false, "shop-status");
    await loadShop();
  }
}

// ---- rewards --------------------------------------------------------------------------------------------------
async function loadReferral() {
  const referral = await api(`${FN}/credits/referral`);
  $("#referral-link").value = referral.share_link;
  $("#referral-code").textContent = referral.code;
  $("#invited").textContent = String(referral.invited_count);
  $("#coins-earned").textContent = String(referral.coins_earned);
}

async function checkIn() {
  const result = await api(`${FN}/credits/daily`, { method: "POST" });
  updateWallet(result.wallet);
  toast(t("checkedIn", { coins: result.reward.coin, streak: result.streak }));
}

async function exchange(stars) {
  const result = await api(`${FN}/credits/exchange`, { method: "POST", body: { stars },
    headers: { "Idempotency-Key": newKey() } });
  updateWallet(result.wallet);
  toast(t("exchanged", { coins: result.coins_spent, stars: result.stars_bought }));
}

async function copyReferral() {
  const input = $("#referral-link");
  if (!input.value) await loadReferral();
  await copy(input);
}

async function copy(input) {
  try {
    await navigator.clipboard.writeText(input.value);
  } catch { // no clipboard API or permission (plain http, some webviews): select and copy the old way
    input.select();
    if (!document.execCommand("copy")) return toast(t("copyFailed"), "error");
  }
  toast(t("copied"));
}

// ---- LINE: the opt-in and the pushes the Messaging stand-in recorded, shown as a LINE chat -------------------
async function loadLine() {
  $("#notify-line").checked = Boolean(profile && profile.notify_line);
  const sub = sessionStorage.getItem("mimi.lineSub");
  const { pushes } = sub ? await request(`/line/dev/pushes?to=${encodeURIComponent(sub)}`, { auth: false })
    : { pushes: [] };
  const chat = $("#line-chat");
  chat.replaceChildren(...pushes.flatMap((push) => push.messages.map((m) => lineBubble(m, push.sent_at))));
  if (!pushes.length) chat.append(h("li", { class: "muted" }, t("lineEmpty")));
  clearTimeout(lineTimer); // like a chat, new messages appear while the tab is open
  lineTimer = setTimeout(() => { if (!$("#panel-line").hidden && session) run(null, loadLine); }, 2000);
}
let lineTimer;

function lineBubble(message, sentAt) {
  const template = message.template || {};
  const actions = (template.actions || []).map((a) =>
    h("a", { class: "line-button", href: a.uri, target: "_blank", rel: "noopener", testid: "line-button" }, a.label));
  return h("li", { class: "line-bubble", testid: "line-message" },
    h("p", {}, template.text || message.text || message.altText || ""), ...actions,
    h("time", { class: "muted" }, new Date(sentAt * 1000).toLocaleTimeString()));
}

async function setNotify(on) {
  profile = await api(`${FN}/profile/`, { method: "PATCH", body: { notify_line: on } });
  renderProfile();
  toast(t(on ? "notifyOn" : "notifyOff"));
}

// ---- wiring ---------------------------------------------------------------------------------------------------
function onSubmit(selector, action) {
  $(selector).addEventListener("submit", (ev) => {
    ev.preventDefault();
    run($("button[type=submit]", ev.currentTarget), action);
  });
}

const admin = createAdmin({ api, h, t, toast, run });
const sharing = createShare({ api, request, h, t, toast, run, copy });

function boot() {
  window.addEventListener("unhandledrejection", (ev) => showError(ev.reason));
  window.addEventListener("error", (ev) => showError(ev.error || ev.message));
  onSubmit("#login-form", () => login($("#login-name").value.trim(), $("#login-ref").value.trim()));
  onSubmit("#ask-form", () => ask($("#question").value.trim(), $("#spread").value));
  $("#daily-card-button").addEventListener("click", (ev) => run(ev.currentTarget, dailyCard));
  onSubmit("#exchange-form", () => exchange(Number($("#exchange-stars").value)));
  $("#lang-toggle").addEventListener("click", (ev) => switchLang(ev.currentTarget));
  $("#logout").addEventListener("click", () => run(null, logout));
  $("#refresh").addEventListener("click", (ev) => run(ev.currentTarget, loadProfile));
  $("#history-more").addEventListener("click", (ev) => run(ev.currentTarget, () => loadHistory(true)));
  $("#daily-button").addEventListener("click", (ev) => run(ev.currentTarget, checkIn));
  $("#copy-referral").addEventListener("click", (ev) => run(ev.currentTarget, copyReferral));
  $("#notify-line").addEventListener("change", (ev) => run(null, () => setNotify(ev.currentTarget.checked)));
  for (const tab of document.querySelectorAll("[data-tab]")) {
    tab.addEventListener("click", () => showTab(tab.dataset.tab));
  }
  const ref = new URLSearchParams(location.search).get("ref");
  if (ref) $("#login-ref").value = ref;
  setLang(lang);
  if (!session) return showLogin();
  run(null, enterApp).then(() => { if (!profile && session) showLogin(); });
}

boot();
