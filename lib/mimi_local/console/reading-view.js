// How a reading looks: its question, the drawn cards (kept while the text is written, so they turn over once),
// and the text, from the final result or from a draft being written.
import { $, h } from "./core.js";
import { cardView, setMeaning, turnOver } from "./cards.js";
import { t } from "./i18n.js";

/** The question, the header and the cards of a reading; the text goes in `.reading-body` (see showText). */
export function skeleton(box, reading, { faceDown = false } = {}) {
  box.dataset.readingId = reading.id;
  box.dataset.attempt = "0";
  const drawn = reading.cards || (reading.result && reading.result.cards) || [];
  const cards = h("ul", { class: "cards", testid: "cards" }, drawn.map(
    (c) => cardView(c, { faceDown })));
  box.replaceChildren(
    h("p", { class: "muted", testid: "reading-question" }, reading.question ? `“${reading.question}”` : ""),
    h("p", { class: "header", testid: "reading-header" }), cards,
    h("div", { class: "reading-body", testid: "reading-body" }), h("div", { class: "reading-extra" }));
  box.hidden = false;
  if (faceDown) turnOver(cards);
}

/** Show the text of a result or a draft: what is written so far (a draft's lists and strings grow). */
export function showText(box, source, onAsk) {
  $('[data-testid="reading-header"]', box).textContent = source.header || "";
  for (const card of source.cards || []) {
    const el = box.querySelector(`.cards > [data-card-id="${CSS.escape(card.id || "")}"]`);
    if (el) setMeaning(el, card.meaning);
  }
  const ask = (q) => h("li", {}, h("button", { type: "button", testid: "next-question", onclick: () => onAsk(q) }, q));
  const list = (title, testid, items, item) => items && items.length > 0 && [h("h3", {}, t(title)),
    h("ul", { class: testid === "next-questions" ? "next-questions" : null, testid }, items.map(item))];
  const text = (testid, value, cls) => value && h("p", { testid, class: cls }, value);
  $(".reading-body", box).replaceChildren(...[
    source.reading && h("h3", {}, t("readingTitle")), text("reading-text", source.reading),
    list("suggestions", "suggestions", source.suggestions, (s) => h("li", { testid: "suggestion" }, s)),
    list("nextQuestions", "next-questions", source.next_questions, ask),
    text("reading-final", source.final), text("reading-end", source.end, "muted"),
    text("reading-notice", source.notice, "notice")].flat().filter(Boolean));
}

/** A refused question: no reading text and no cards, the reason, a better question, and the refund. */
export function showRejection(box, rejection, onAsk) {
  box.querySelector(".cards").replaceChildren();
  $('[data-testid="reading-header"]', box).textContent = "";
  $(".reading-body", box).replaceChildren(h("div", { class: "rejection", testid: "rejection" },
    h("h3", {}, t("rejectedTitle")),
    h("p", { testid: "rejection-reason" }, rejection.reason || ""),
    rejection.suggested_question && [h("p", { class: "muted" }, t("tryInstead")),
      h("button", { type: "button", testid: "suggested-question",
        onclick: () => onAsk(rejection.suggested_question) }, rejection.suggested_question)],
    h("p", { class: "muted", testid: "refund-note" }, t("refunded"))));
}

export function showFailed(box) {
  $(".reading-body", box).replaceChildren(h("p", { class: "rejection", testid: "reading-failed" }, t("readingFailed")));
}

/** A finished reading, drawn at once (history, a language switch, the end of a live one). */
export function renderFinal(box, reading, onAsk) {
  box.dataset.status = reading.status;
  if (box.dataset.readingId !== reading.id || !box.querySelector(".cards")) skeleton(box, reading);
  if (reading.status === "rejected") showRejection(box, reading.rejection || {}, onAsk);
  else if (reading.status === "failed") showFailed(box);
  else if (reading.result) showText(box, reading.result, onAsk);
  else if (reading.draft) showText(box, reading.draft, onAsk);
}
