// The question's length as the server counts it (mimi.readings.schemas.question_text): NFC, format characters
// (Cf) removed, whitespace trimmed and collapsed, then code points; an emoji is one, a Thai vowel mark is one.
import { h } from "./core.js";
import { t } from "./i18n.js";

export const QUESTION_MIN = 10;
export const QUESTION_MAX = 500;
// Python's str.split() whitespace; the control characters among them are refused by the server anyway
const SPACES = /[\t\n\v\f\r \x1c-\x1f\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+/gu;

export function visibleLength(text) {
  const visible = text.normalize("NFC").replace(/\p{Cf}/gu, "").replace(SPACES, " ").trim();
  return Array.from(visible).length;
}

/** Keep `counter` saying the length of `input`'s question and whether the server will take it. */
export function attachCounter(input, counter) {
  const update = () => {
    const n = visibleLength(input.value);
    counter.textContent = t("questionCount", { n, max: QUESTION_MAX });
    counter.dataset.state = n < QUESTION_MIN ? "short" : n > QUESTION_MAX ? "long" : "ok";
    counter.dataset.count = String(n);
  };
  input.addEventListener("input", update);
  update();
  return update;
}

/** A one-line question box with its counter. */
export function questionInput({ testid, label }) {
  const input = h("input", { testid, required: true, "aria-label": label, placeholder: label });
  const counter = h("span", { class: "counter muted", testid: `${testid}-count`, "aria-live": "polite" });
  attachCounter(input, counter);
  return { input, counter };
}
