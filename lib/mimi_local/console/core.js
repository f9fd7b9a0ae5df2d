// What every part of the console uses: elements, the API over HTTP (problem+json, token refresh), toasts.
import { i18n, t } from "./i18n.js";

export const FN = "/functions";
export const $ = (selector, root = document) => root.querySelector(selector);
export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

export function readJson(text) {
  try { return text ? JSON.parse(text) : null; } catch { return null; }
}

export function newKey() {
  return crypto.randomUUID ? crypto.randomUUID() : `${Date.now()}-${Math.random().toString(36).slice(2)}`;
}

/** Build an element: attributes (on* = listeners, testid = data-testid) and text/element children. */
export function h(tag, attrs = {}, ...children) {
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
/** A problem the user can read: the API's detail (in their language) and its code; or the console's own. */
export class ApiError extends Error {
  constructor(problem) {
    super(problem.detail || problem.title || t("somethingWrong"));
    Object.assign(this, { problem, status: problem.status, code: problem.code, detail: this.message,
      requestId: problem.request_id });
  }
}

export const auth = { session: readJson(sessionStorage.getItem("mimi.session")), refreshing: null,
  onEnd: () => {} };

export async function request(path, { method = "GET", body, headers = {}, auth: withAuth = true } = {}) {
  // the API writes each problem's detail in the token's language, else this one (the console's)
  const init = { method, headers: { accept: "application/json", "accept-language": i18n.lang, ...headers } };
  if (body !== undefined) {
    init.headers["content-type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  if (withAuth && auth.session) init.headers.authorization = `Bearer ${auth.session.access_token}`;
  let response;
  try {
    response = await fetch(path, init);
  } catch {
    throw new ApiError({ code: "network_error", detail: t("networkError") });
  }
  const data = readJson(await response.text());
  if (response.ok) return data;
  if (data && data.detail && data.code) throw new ApiError(data);
  if (data && data.error && data.error.message) { // the Stripe stand-in answers as Stripe does (in English)
    const { code, type } = data.error;
    throw new ApiError({ status: response.status, code: code || type, detail: t("paymentProblem") });
  }
  // no problem+json (a proxy, a stand-in's plain text): never show its words, only ours
  const detail = response.status >= 500 ? t("serverBusy") : t("somethingWrong");
  throw new ApiError({ status: response.status, code: "http_error", detail });
}

/** A call as the logged-in user: an expired access token is refreshed once (rotation) and the call retried. */
export async function api(path, options = {}) {
  const used = auth.session && auth.session.access_token;
  try {
    return await request(path, options);
  } catch (err) {
    if (!(err instanceof ApiError) || err.status !== 401 || !auth.session) throw err;
    if (err.code !== "token_expired") {
      auth.onEnd(err.detail);
      throw err;
    }
    if (auth.session.access_token === used) await refreshTokens();
    return request(path, options);
  }
}

export function refreshTokens() {
  auth.refreshing ??= request(`${FN}/auth/refresh`, { method: "POST",
    body: { refresh_token: auth.session.refresh_token }, auth: false })
    .then((pair) => saveSession(pair))
    .catch((err) => { auth.onEnd(t("sessionEnded")); throw err; })
    .finally(() => { auth.refreshing = null; });
  return auth.refreshing;
}

export function saveSession(pair) {
  auth.session = { access_token: pair.access_token, refresh_token: pair.refresh_token };
  sessionStorage.setItem("mimi.session", JSON.stringify(auth.session));
}

// ---- toasts and errors ----------------------------------------------------------------------------------------
export function toast(message, kind = "ok", note = "", next = null) {
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
export const nextSteps = {};

export function showError(err) {
  console.error(err);
  if (!(err instanceof ApiError)) {
    toast(t("somethingWrong"), "error");
    return;
  }
  const step = nextSteps[err.code];
  const next = step && { label: t(step.label), go: step.go };
  toast(err.detail, "error", err.code && t("errorCode", { code: err.code }), next);
}

/** Run an action from a button: disabled while it runs, any failure shown as a toast. */
export async function run(button, action) {
  if (button) button.disabled = true;
  try {
    await action();
  } catch (err) {
    showError(err);
  } finally {
    if (button) button.disabled = false;
  }
}

export function setStatus(text, busy = false, id = "reading-status") {
  const el = $(`#${id}`);
  el.textContent = text;
  el.classList.toggle("busy", busy);
}

export function fmtDate(iso) {
  return new Date(iso).toLocaleString(i18n.lang === "th" ? "th-TH" : "en-GB", { dateStyle: "medium", timeStyle: "short" });
}
