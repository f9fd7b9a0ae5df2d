// The admin tab: shown only when /functions/admin/me says the logged-in user is an admin (SQL decides, per call).
// Every action sends the reason typed in the panel's reason field; the admin function audits it.
import { ApiError, api, h, run, toast } from "./core.js";
import { t } from "./i18n.js";

const ADMIN = "/functions/admin";

export const ADMIN_I18N = {
  th: {
    tabAdmin: "แอดมิน", adminReason: "เหตุผล (บันทึกในประวัติการทำรายการ)", adminSearch: "ค้นหาผู้ใช้",
    adminSearchHint: "LINE user id, user id หรือรหัสแนะนำ", adminFind: "ค้นหา", adminAdjust: "ปรับยอด",
    adminClawback: "หักเกินยอดได้ (clawback)", adminFreeze: "ระงับการใช้จ่าย", adminUnfreeze: "ยกเลิกการระงับ",
    adminLedger: "รายการบัญชี", adminReadings: "คำทำนาย", adminPayments: "การชำระเงิน",
    adminFlagged: "การชำระเงินที่รอตรวจสอบ", adminCredit: "เติมดาว", adminDismiss: "ยกเลิกธง",
    adminProblemReadings: "คำทำนายที่มีปัญหา", adminRetry: "ลองใหม่", adminRefund: "คืนเครดิต",
    adminSettings: "ค่าตั้งระบบ", adminSave: "บันทึก", adminLastRun: "การกระทบยอดล่าสุด", adminNone: "ไม่มี",
    adminDone: "ทำรายการแล้ว", adminNeedReason: "กรุณาใส่เหตุผลก่อน", state_stuck: "ค้าง", state_failed: "ล้มเหลว",
    state_dlq: "คิวล้มเหลว (DLQ)", adminPending: "การปรับยอดที่รอแอดมินอีกคนอนุมัติ", adminApprove: "อนุมัติ",
    adminReject: "ปฏิเสธ", adminWaiting: "รอแอดมินอีกคนอนุมัติ",
  },
  en: {
    tabAdmin: "Admin", adminReason: "Reason (kept in the audit trail)", adminSearch: "Find a user",
    adminSearchHint: "LINE user id, user id or referral code", adminFind: "Find", adminAdjust: "Adjust",
    adminClawback: "may go below zero (clawback)", adminFreeze: "Freeze", adminUnfreeze: "Unfreeze",
    adminLedger: "Ledger", adminReadings: "Readings", adminPayments: "Payments", adminFlagged: "Flagged payments",
    adminCredit: "Credit", adminDismiss: "Dismiss", adminProblemReadings: "Problem readings", adminRetry: "Retry",
    adminRefund: "Refund", adminSettings: "Settings", adminSave: "Save", adminLastRun: "Last reconciliation",
    adminNone: "None", adminDone: "Done", adminNeedReason: "Type a reason first", state_stuck: "Stuck",
    state_failed: "Failed", state_dlq: "Dead-lettered (DLQ)", adminPending: "Adjustments waiting for a second admin",
    adminApprove: "Approve", adminReject: "Reject", adminWaiting: "Waiting for a second admin",
  },
};

/** The admin panel. Its lists are filled in place (slots made once per mount), never looked up again. */
export function createAdmin() {
  const $ = (selector) => document.querySelector(selector);
  let user = null;
  let state = "stuck";
  let slots = null;

  const reason = () => {
    const value = $("#admin-reason").value.trim();
    if (value.length < 3) throw new ApiError({ code: "reason_required", detail: t("adminNeedReason") });
    return value;
  };
  const act = (button, path, body = {}, headers = {}) => run(button, async () => {
    const done = await api(`${ADMIN}${path}`, { method: "POST", body: { ...body, reason: reason() }, headers });
    toast(t(done && done.status === "pending_approval" ? "adminWaiting" : "adminDone"));
    await refresh();
  });
  const btn = (label, testid, onclick) => h("button", { type: "button", class: "ghost small", testid,
    onclick: (ev) => onclick(ev.currentTarget) }, t(label));
  const rows = (items, row) => (items.length ? items.map((item) => h("li", {}, ...row(item)))
    : [h("li", { class: "muted" }, t("adminNone"))]);
  const list = (testid, items, row) => h("ul", { class: "admin-list", testid }, rows(items, row));
  const fill = (name, items, row) => slots[name].replaceChildren(...rows(items, row));

  async function isAdmin() {
    try {
      return Boolean((await api(`${ADMIN}/me`)).is_admin);
    } catch (err) {
      if (err.status === 403) return false;
      throw err;
    }
  }

  async function find(q) {
    user = await api(`${ADMIN}/users?q=${encodeURIComponent(q)}`);
    await renderUser();
  }

  async function renderUser() {
    const box = slots.user;
    box.replaceChildren();
    if (!user) return;
    const base = `${ADMIN}/users/${user.id}`;
    const [ledger, readings, payments] = await Promise.all([api(`${base}/ledger?limit=10`),
      api(`${base}/readings?limit=10`), api(`${base}/payments?limit=10`)]);
    const w = user.wallet || {};
    const currency = h("select", { testid: "admin-currency" }, ...["star", "free_point", "coin", "exp"].map(
      (c) => h("option", { value: c }, c)));
    const delta = h("input", { type: "number", step: "1", value: "1", testid: "admin-delta" });
    const clawback = h("input", { type: "checkbox", testid: "admin-clawback", id: "admin-clawback" });
    box.append(
      h("p", { testid: "admin-user-summary" }, h("b", {}, user.display_name || "—"), ` · ${user.id}`,
        h("br"), `★ ${w.stars} · free ${w.free_points} · coins ${w.coins} · exp ${w.exp}`,
        w.frozen ? h("b", { testid: "admin-frozen" }, " · frozen") : null),
      h("div", { class: "row" }, currency, delta, clawback, h("label", { for: "admin-clawback" }, t("adminClawback")),
        btn("adminAdjust", "admin-adjust", (b) => act(b, `/users/${user.id}/adjustments`,
          { currency: currency.value, delta: Number(delta.value), clawback: clawback.checked },
          { "Idempotency-Key": crypto.randomUUID() }))),
      h("div", { class: "row" }, w.frozen
        ? btn("adminUnfreeze", "admin-unfreeze", (b) => act(b, `/users/${user.id}/unfreeze`))
        : btn("adminFreeze", "admin-freeze", (b) => act(b, `/users/${user.id}/freeze`))),
      h("h3", {}, t("adminLedger")),
      list("admin-ledger", ledger, (e) => [`${e.delta > 0 ? "+" : ""}${e.delta} ${e.currency} · ${e.reason}`]),
      h("h3", {}, t("adminReadings")), list("admin-user-readings", readings, (r) => [`${r.status} · ${r.question}`]),
      h("h3", {}, t("adminPayments")),
      list("admin-user-payments", payments, (p) => [`${p.package_id} · ${p.status}${p.flagged ? " ⚑" : ""}`]));
  }

  async function renderQueues() {
    const [flagged, readings, runs, catalog, pending] = await Promise.all([api(`${ADMIN}/payments/flagged`),
      api(`${ADMIN}/readings?state=${state}`), api(`${ADMIN}/reconcile/runs?limit=1`), api(`${ADMIN}/catalog`),
      api(`${ADMIN}/adjustments`)]);
    fill("pending", pending, (r) => [
      `${r.delta > 0 ? "+" : ""}${r.delta} ${r.currency} · ${r.user_id} · ${r.reason} `,
      btn("adminApprove", "admin-approve", (b) => act(b, `/adjustments/${r.id}/approve`)),
      btn("adminReject", "admin-reject", (b) => act(b, `/adjustments/${r.id}/reject`))]);
    fill("flagged", flagged, (p) => [
      `${p.payment_intent_id} · ${p.flag_reason} `,
      btn("adminCredit", "admin-credit", (b) => act(b, `/payments/${p.id}/resolve`, { action: "credit" })),
      btn("adminDismiss", "admin-dismiss", (b) => act(b, `/payments/${p.id}/resolve`, { action: "dismiss" }))]);
    fill("readings", readings, (r) => [
      `${r.status} · ${r.failure_reason || ""} · ${r.question} `,
      btn("adminRetry", "admin-retry", (b) => act(b, `/readings/${r.id}/retry`)),
      btn("adminRefund", "admin-refund", (b) => act(b, `/readings/${r.id}/refund`))]);
    const run0 = runs[0];
    slots.lastRun.textContent = run0 ? `${new Date(run0.started_at).toLocaleString()} · repaired ` +
      `${run0.payments_repaired} · readings ${run0.readings_failed} · mismatches ${run0.ledger_mismatches}`
      : t("adminNone");
    fill("settings", catalog.settings, (s) => {
      const input = h("input", { type: "number", value: String(s.value), min: String(s.min_value),
        max: String(s.max_value), "aria-label": s.key });
      return [h("span", { title: s.description }, `${s.key} `), input,
        btn("adminSave", "admin-save-setting", (b) => run(b, async () => {
          await api(`${ADMIN}/settings/${s.key}`, { method: "PATCH",
            body: { value: Number(input.value), reason: reason() } });
          toast(t("adminDone"));
        }))];
    });
  }

  async function refresh() {
    if (user) user = await api(`${ADMIN}/users/${user.id}`);
    await Promise.all([renderUser(), renderQueues()]);
  }

  function mount() {
    const select = h("select", { testid: "admin-state", onchange: (ev) => { state = ev.target.value;
      run(null, renderQueues); } },
    ...["stuck", "failed", "dlq"].map((s) => h("option", { value: s, selected: s === state }, t(`state_${s}`))));
    const q = h("input", { id: "admin-q", testid: "admin-q", placeholder: t("adminSearchHint"), required: true });
    const form = h("form", { class: "row", testid: "admin-search", onsubmit: (ev) => { ev.preventDefault();
      run(ev.submitter, () => find(q.value.trim())); } }, q, h("button", { type: "submit", class: "primary" },
      t("adminFind")));
    const ul = (testid) => h("ul", { class: "admin-list", testid });
    slots = { user: h("div", { testid: "admin-user" }), pending: ul("admin-pending"), flagged: ul("admin-flagged"),
      readings: ul("admin-readings"), settings: ul("admin-settings"),
      lastRun: h("p", { testid: "admin-last-run", class: "muted" }) };
    $("#panel-admin").replaceChildren(
      h("label", { for: "admin-reason" }, t("adminReason")),
      h("input", { id: "admin-reason", testid: "admin-reason", maxlength: "500" }),
      h("h2", {}, t("adminSearch")), form, slots.user,
      h("h2", {}, t("adminPending")), slots.pending,
      h("h2", {}, t("adminFlagged")), slots.flagged,
      h("h2", {}, t("adminProblemReadings")), select, slots.readings,
      h("h2", {}, t("adminSettings")), slots.settings,
      h("h2", {}, t("adminLastRun")), slots.lastRun);
  }

  return { isAdmin, load: () => { mount(); return refresh(); } };
}
