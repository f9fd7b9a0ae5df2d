// The Shop (Stripe stand-in), Rewards (check-in, exchange, invite) and LINE (opt-in, the pushes as a chat) tabs.
import { $, FN, api, fmtDate, h, newKey, request, run, setStatus, sleep, toast } from "./core.js";
import { I18N, i18n, t } from "./i18n.js";

const POLL_MS = 700;
let shop = { packages: [], payments: [] };

/** The tabs over the app's parts: the profile, the wallet. */
export function createWallet(app) {
  const baht = (satang) => `฿${(satang / 100).toLocaleString(i18n.lang === "th" ? "th-TH" : "en-US")}`;

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
        I18N[i18n.lang][`pay_${p.status}`] ?? p.status), ` ★ ${p.stars} · `,
      baht(p.amount_satang), h("span", { class: "muted" }, ` · ${fmtDate(p.created_at)}`)));
    $("#payments").replaceChildren(...(payments.length ? payments : [h("li", { class: "muted" }, t("paymentsEmpty"))]));
  }

  async function buy(pkg) {
    const before = app.profile().wallet.stars;
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
        if ((await app.loadProfile()).wallet.stars >= before + intent.stars) {
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
    app.updateWallet(result.wallet);
    toast(t("checkedIn", { coins: result.reward.coin, streak: result.streak }));
  }

  async function exchange(stars) {
    const result = await api(`${FN}/credits/exchange`, { method: "POST", body: { stars },
      headers: { "Idempotency-Key": newKey() } });
    app.updateWallet(result.wallet);
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
    $("#notify-line").checked = Boolean(app.profile() && app.profile().notify_line);
    const sub = sessionStorage.getItem("mimi.lineSub");
    const { pushes } = sub ? await request(`/line/dev/pushes?to=${encodeURIComponent(sub)}`, { auth: false })
      : { pushes: [] };
    const chat = $("#line-chat");
    chat.replaceChildren(...pushes.flatMap((push) => push.messages.map((m) => lineBubble(m, push.sent_at))));
    if (!pushes.length) chat.append(h("li", { class: "muted" }, t("lineEmpty")));
    clearTimeout(lineTimer); // like a chat, new messages appear while the tab is open
    lineTimer = setTimeout(() => { if (!$("#panel-line").hidden && app.profile()) run(null, loadLine); }, 2000);
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
    app.setProfile(await api(`${FN}/profile/`, { method: "PATCH", body: { notify_line: on } }));
    $("#notify-line").checked = on;
    toast(t(on ? "notifyOn" : "notifyOff"));
  }


  return { loadShop, renderShop, buy, loadReferral, checkIn, exchange, copyReferral, copy, loadLine, setNotify };
}
