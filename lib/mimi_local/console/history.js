// The History tab: readings newest first, each to open, review (coins) or delete (a second tap confirms).
import { FN, api, fmtDate, h, run, toast } from "./core.js";
import { i18n, t } from "./i18n.js";
import { FINAL } from "./live.js";

/** History over the app's parts: open a reading, the wallet, the spread names. */
export function createHistory(app) {
  let history = { items: [], cursor: null };
  const $ = (selector) => document.querySelector(selector);

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


  function historyItem(item) {
    const form = reviewForm(item);
    form.hidden = true;
    const open = async (button) => run(button, async () => {
      app.open(await api(`${FN}/readings/${item.id}`));
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
        h("span", { class: "badge", testid: "history-spread" }, app.spreadName(item.spread || "three")),
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
        app.updateWallet(result.wallet);
        item.reviewed = true;
        renderHistory();
        toast(t("reviewThanks", { coins: (result.reward && result.reward.coin) || 0 }));
      });
    });
    return form;
  }


  return { load: loadHistory, render: renderHistory, clear: () => { history = { items: [], cursor: null }; } };
}
