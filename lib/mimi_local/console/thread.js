// Follow-up questions under a completed reading: each shows its own stage where it is asked, and at the limit the
// form is replaced by a note saying so (the API's follow_up_limit problem says it too, if the limit is lower).
import { $, FN, api, h, run } from "./core.js";
import { cardView } from "./cards.js";
import { i18n, t } from "./i18n.js";
import { questionInput } from "./counter.js";

const FOLLOW_UPS_MAX = 3; // app_settings.follow_ups_per_reading as shipped
const FOLLOW_UP_PRICE = 1;

/** The thread of a reading; `readings` follows a new follow-up and re-renders the reading when it ends. */
export function threadView(reading, app) {
  const followUps = reading.follow_ups || [];
  const list = h("ul", { class: "thread", testid: "thread" }, followUps.map(item));
  const full = followUps.length >= FOLLOW_UPS_MAX;
  return h("section", { testid: "follow-ups" }, h("h3", {}, t("followUpsTitle")), list,
    full ? h("p", { class: "muted", testid: "follow-up-limit" }, t("followUpLimit", { n: FOLLOW_UPS_MAX }))
      : form(reading, list, app));
}

function item(f) {
  return h("li", { testid: "follow-up-item", "data-status": f.status, "data-id": f.id },
    h("p", { class: "muted", testid: "follow-up-asked" }, `“${f.question}”`),
    !f.result && h("p", { class: "status", testid: "follow-up-status" }, t(`stage_${f.status}`)),
    f.cards && h("ul", { class: "cards" }, ((f.result && f.result.cards) || f.cards).map((c) => cardView(c))),
    f.result && h("p", { testid: "follow-up-final" }, f.result.final),
    f.rejection && h("p", { class: "rejection", testid: "follow-up-rejected" }, f.rejection.reason));
}

function form(reading, list, app) {
  const { input, counter } = questionInput({ testid: "follow-up-question", label: t("followUpLabel") });
  const button = h("button", { type: "submit", class: "small", testid: "follow-up-button" },
    t("followUpButton", { n: FOLLOW_UP_PRICE }));
  const el = h("form", { testid: "follow-up-form" }, input, h("div", { class: "row" }, counter, button));
  el.addEventListener("submit", (ev) => {
    ev.preventDefault();
    run(button, () => ask(reading, input.value.trim(), list, app));
  });
  return el;
}

async function ask(reading, question, list, app) {
  const paid = await api(`${FN}/readings/${reading.id}/follow-ups`, { method: "POST",
    body: { question, language: i18n.lang } });
  app.updateWallet(paid.wallet);
  await watchFollowUp(reading.id, { ...paid, question }, list, app);
}

/** A paid follow-up in the thread, in view, its stage beside it, until it ends; then the reading again. */
export async function watchFollowUp(parentId, paid, list, app) {
  localStorage.setItem("mimi.pending", JSON.stringify({ id: paid.id, parent: parentId }));
  const el = item({ ...paid, status: paid.status, result: null });
  const waiting = h("p", { class: "status busy", testid: "follow-up-status" }, t("stage_drawing"));
  $('[data-testid="follow-up-status"]', el).replaceWith(waiting);
  list.append(el);
  el.scrollIntoView({ block: "center", behavior: "smooth" });
  await app.readings.watch(paid.id, { onUpdate: (_, update) => {
    el.dataset.status = update.status || el.dataset.status;
    waiting.textContent = t(`stage_${el.dataset.status}`);
  } });
  localStorage.removeItem("mimi.pending");
  app.readings.render(await api(`${FN}/readings/${parentId}`));
  await app.loadProfile();
}
