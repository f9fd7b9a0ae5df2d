// A tarot card drawn in CSS (no card art: see README of the console in the report): number, suit symbol, names,
// position, and the orientation said in words. A reversed card is marked by a label, never by turning the glyph
// (a turned ♠ reads as ♥). Cards arrive face down with the submit response and turn over.
import { $, h } from "./core.js";
import { i18n, t } from "./i18n.js";

const SUIT_GLYPH = { major: "✦", wands: "♣", cups: "♥", swords: "♠", pentacles: "✪" };
const ROMAN = ["0", "I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII", "XIII", "XIV", "XV",
  "XVI", "XVII", "XVIII", "XIX", "XX", "XXI"];

/** The suit and number a card's image names: <suit|major>_<nn>_<name>.jpg. */
function suitAndNumber(card) {
  const [suit, nn] = String(card.image || "major_").split("_");
  const n = Number.parseInt(nn, 10);
  const number = Number.isNaN(n) ? "" : suit === "major" ? ROMAN[n] ?? String(n) : String(n);
  return { suit: SUIT_GLYPH[suit] ? suit : "major", number };
}

/** One card; `faceDown` shows its back until turnOver(). */
export function cardView(card, { faceDown = false } = {}) {
  const { suit, number } = suitAndNumber(card);
  const orientation = card.orientation || "upright";
  const position = (i18n.lang === "th" ? card.position_th : card.position_en) || card.position || "";
  const el = h("li", { class: `card ${suit} ${orientation}`, testid: "card", "data-card-id": card.id || "",
    "data-orientation": orientation, "data-face": faceDown ? "down" : "up", title: card.short_meaning },
  h("div", { class: "card-flip" },
    h("div", { class: "card-back", "aria-hidden": "true" }, h("span", {}, "✦")),
    h("div", { class: "card-face" },
      h("span", { class: "card-number", testid: "card-number" }, number),
      h("span", { class: "card-glyph", "aria-hidden": "true" }, SUIT_GLYPH[suit]),
      h("span", { class: "card-th", testid: "card-name-th" }, card.name_th || card.name),
      h("span", { class: "card-en", testid: "card-name" }, card.name),
      orientation === "reversed" && h("span", { class: "card-reversed-mark", testid: "card-reversed-mark" },
        `▼ ${t("reversed")}`))),
  h("div", { class: "card-pos", testid: "card-position" }, position),
  h("div", { class: "card-orientation", testid: "card-orientation" }, t(orientation)),
  h("p", { class: "card-meaning", testid: "card-meaning" }, card.meaning || ""));
  return el;
}

/** Turn the face-down cards in `root` over, one after another. */
export function turnOver(root) {
  const down = [...root.querySelectorAll('[data-testid="card"][data-face="down"]')];
  down.forEach((el, i) => setTimeout(() => { el.dataset.face = "up"; }, 250 + i * 180));
}

/** Set a card's meaning (from a draft or the result) without redrawing it. */
export function setMeaning(el, meaning) {
  const p = $(".card-meaning", el);
  if (p.textContent !== meaning) p.textContent = meaning || "";
}
