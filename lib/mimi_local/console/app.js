// MiMiVibes dev console: plays the LIFF app's part against the local stack's function URLs (same origin).
// The parts: core (HTTP, toasts), i18n, reading (+ live, reading-view, cards, thread, counter), history, wallet
// (shop, rewards, LINE), account, share, admin.
import { ACCOUNT_I18N, renderAccount } from "./account.js";
import { ADMIN_I18N, createAdmin } from "./admin.js";
import { $, FN, api, auth, h, nextSteps, refreshTokens, request, run, saveSession, setStatus, showError, toast }
  from "./core.js";
import { attachCounter } from "./counter.js";
import { createHistory } from "./history.js";
import { addTexts, i18n, t } from "./i18n.js";
import { FINAL } from "./live.js";
import { createReadings } from "./reading.js";
import { SHARE_I18N, createShare, sharedPage } from "./share.js";
import { threadView } from "./thread.js";
import { LIVE_I18N } from "./texts-live.js";
import { createWallet } from "./wallet.js";

for (const texts of [ADMIN_I18N, SHARE_I18N, ACCOUNT_I18N, LIVE_I18N]) addTexts(texts);

let profile = null;
let spreads = [];

const app = {
  profile: () => profile,
  setProfile: (next) => { profile = next; renderProfile(); },
  loadProfile, updateWallet, showTab, prefill, spreadName,
  setNotify: (on) => wallet.setNotify(on),
  open: (reading) => { readings.render(reading); setStatus(t(`stage_${reading.status}`)); showTab("ask"); },
  extras: (reading) => [threadView(reading, app), sharing.view(reading)],
};
const readings = createReadings(app);
app.readings = readings;
const history = createHistory(app);
const wallet = createWallet(app);
const admin = createAdmin();
const sharing = createShare({ api, toast, run, copy: (input) => wallet.copy(input) });

Object.assign(nextSteps, {
  insufficient_credits: { label: "goShop", go: () => showTab("shop") },
  insufficient_coins: { label: "goRewards", go: () => showTab("rewards") },
  session_expired: { label: "logInAgain", go: () => endSession() },
});

// ---- language -------------------------------------------------------------------------------------------------
function setLang(next) {
  i18n.lang = next === "en" ? "en" : "th";
  sessionStorage.setItem("mimi.lang", i18n.lang);
  document.documentElement.lang = i18n.lang;
  for (const el of document.querySelectorAll("[data-i18n]")) el.textContent = t(el.dataset.i18n);
  for (const el of document.querySelectorAll("[data-i18n-placeholder]")) el.placeholder = t(el.dataset.i18nPlaceholder);
  for (const el of document.querySelectorAll("[data-i18n-aria]")) el.setAttribute("aria-label", t(el.dataset.i18nAria));
  const toggle = $("#lang-toggle");
  toggle.textContent = i18n.lang === "th" ? "EN" : "ไทย";
  toggle.setAttribute("aria-label", t("switchLang"));
  const shown = readings.current();
  const idle = !$("#reading-status").classList.contains("busy");
  if (shown && idle && FINAL.has(shown.status)) {
    readings.render(shown);
    setStatus(t(`stage_${shown.status}`));
  }
  history.render();
  wallet.renderShop();
  renderSpreads();
  renderAccount(endSession);
  $("#question").dispatchEvent(new Event("input"));
}

async function switchLang(button) {
  const next = i18n.lang === "th" ? "en" : "th";
  setLang(next);
  if (!auth.session) return;
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

function endSession(message) {
  profile = null;
  auth.session = null;
  readings.clear();
  history.clear();
  sessionStorage.removeItem("mimi.session");
  localStorage.removeItem("mimi.pending");
  $("#reading").hidden = true;
  $("#previous-reading").hidden = true;
  $("#tab-admin").hidden = true;
  setStatus("");
  showLogin();
  if (message) toast(message);
}
auth.onEnd = endSession;

async function login(name, ref) {
  const { id_token: idToken, sub } = await request("/line/dev/id_token", { method: "POST", body: { name },
    auth: false });
  sessionStorage.setItem("mimi.lineSub", sub);
  const body = ref ? { id_token: idToken, ref } : { id_token: idToken };
  const result = await request(`${FN}/auth/line`, { method: "POST", body, auth: false });
  saveSession(result);
  const chosen = i18n.lang;
  await enterApp();
  if (result.created && chosen !== i18n.lang) await switchLang(null); // a new user keeps the language picked
  const vars = { name: profile.display_name, points: profile.wallet.free_points };
  toast(t(result.created ? "welcomeNew" : "welcomeBack", vars));
}

async function logout() {
  const token = auth.session && auth.session.refresh_token;
  endSession(t("loggedOut"));
  if (token) await request(`${FN}/auth/logout`, { method: "POST", body: { refresh_token: token }, auth: false });
}

async function enterApp() {
  await Promise.all([loadProfile(), loadSpreads()]);
  if (profile.language !== i18n.lang) setLang(profile.language);
  $("#login").hidden = true;
  $("#app").hidden = false;
  showTab("ask");
  run(null, readings.resume); // a paid reading that was being written before a reload
  $("#tab-admin").hidden = !(await admin.isAdmin()); // is_admin() in SQL decides; tokens say nothing of it
}

async function loadProfile() {
  profile = await api(`${FN}/profile/`);
  renderProfile();
  return profile;
}

function updateWallet(next) {
  if (profile && next) {
    profile.wallet = { ...profile.wallet, ...next };
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

// ---- tabs and spreads -----------------------------------------------------------------------------------------
function showTab(name) {
  for (const tab of document.querySelectorAll("[data-tab]")) {
    tab.setAttribute("aria-selected", String(tab.dataset.tab === name));
  }
  for (const panel of document.querySelectorAll("[role=tabpanel]")) panel.hidden = panel.id !== `panel-${name}`;
  const loaders = { history: () => history.load(false), shop: wallet.loadShop, rewards: wallet.loadReferral,
    line: wallet.loadLine, admin: () => admin.load() };
  if (loaders[name]) run(null, loaders[name]);
}

async function loadSpreads() {
  spreads = await api(`${FN}/readings/spreads`, { auth: false });
  renderSpreads();
}

function spreadName(id) {
  const found = spreads.find((s) => s.id === id);
  return found ? (i18n.lang === "th" ? found.name_th : found.name_en) : id;
}

function renderSpreads() {
  const select = $("#spread");
  if (!spreads.length) return;
  const chosen = select.value || "three";
  select.replaceChildren(...spreads.map((s) => h("option", { value: s.id, selected: s.id === chosen },
    `${spreadName(s.id)} · ${t("price", { n: s.price })}`)));
}

function prefill(question) {
  showTab("ask");
  const box = $("#question");
  box.value = question;
  box.dispatchEvent(new Event("input"));
  box.focus();
  window.scrollTo({ top: 0, behavior: "smooth" });
}

// ---- wiring ---------------------------------------------------------------------------------------------------
function onSubmit(selector, action) {
  $(selector).addEventListener("submit", (ev) => {
    ev.preventDefault();
    run($("button[type=submit]", ev.currentTarget), action);
  });
}

function boot() {
  window.addEventListener("unhandledrejection", (ev) => showError(ev.reason));
  window.addEventListener("error", (ev) => showError(ev.error || ev.message));
  onSubmit("#login-form", () => login($("#login-name").value.trim(), $("#login-ref").value.trim()));
  onSubmit("#ask-form", () => readings.ask($("#question").value.trim(), $("#spread").value));
  $("#daily-card-button").addEventListener("click", (ev) => run(ev.currentTarget, readings.dailyCard));
  onSubmit("#exchange-form", () => wallet.exchange(Number($("#exchange-stars").value)));
  $("#lang-toggle").addEventListener("click", (ev) => switchLang(ev.currentTarget));
  $("#logout").addEventListener("click", () => run(null, logout));
  $("#refresh").addEventListener("click", (ev) => run(ev.currentTarget, loadProfile));
  $("#history-more").addEventListener("click", (ev) => run(ev.currentTarget, () => history.load(true)));
  $("#daily-button").addEventListener("click", (ev) => run(ev.currentTarget, wallet.checkIn));
  $("#copy-referral").addEventListener("click", (ev) => run(ev.currentTarget, wallet.copyReferral));
  $("#notify-line").addEventListener("change", (ev) => run(null, () => wallet.setNotify(ev.currentTarget.checked)));
  for (const tab of document.querySelectorAll("[data-tab]")) {
    tab.addEventListener("click", () => showTab(tab.dataset.tab));
  }
  attachCounter($("#question"), $("#question-count"));
  const ref = new URLSearchParams(location.search).get("ref");
  if (ref) $("#login-ref").value = ref;
  setLang(i18n.lang);
  const shared = location.pathname.match(/^\/shared\/([A-Za-z0-9_-]+)$/);
  if (shared) return run(null, () => sharedPage(shared[1])); // a friend's link: no login needed
  if (!auth.session) return showLogin();
  run(null, enterApp).then(() => { if (!profile && auth.session) showLogin(); });
}

boot();
