// Asking Mimi: the cards face down the moment the reading is paid for, the text as it is written, the stage in
// words, and the paid reading kept (localStorage) until it is completed or refunded, across reloads.
import { $, FN, api, h, run, setStatus, toast } from "./core.js";
import { i18n, t } from "./i18n.js";
import { FINAL, follow } from "./live.js";
import { renderFinal, showRejection, showText, skeleton } from "./reading-view.js";

const PENDING = "mimi.pending";
const LONG_MS = 8000; // then offer a LINE message for this reading
const VERY_LONG_MS = 20000; // then say that a paid reading is never lost

/** The reading flows over the app's parts: wallet, profile, LINE opt-in, tabs, extras (thread, share). */
export function createReadings(app) {
  const box = () => $("#reading");
  let current = null; // the reading on screen
  let kept = null; // the last completed reading, shown again under a refused one

  function render(reading) {
    current = reading;
    renderFinal(box(), reading, app.prefill);
    const extra = $(".reading-extra", box());
    extra.replaceChildren(...(reading.status === "completed" && !reading.parent_id ? app.extras(reading) : []));
    if (reading.status === "completed") kept = reading;
    const previous = $("#previous-reading");
    previous.hidden = !(reading.status === "rejected" && kept && kept.id !== reading.id);
    if (!previous.hidden) {
      renderFinal($("#previous-reading-body"), kept, app.prefill);
      $("#previous-reading-body").removeAttribute("data-status");
    }
  }

  /** Follow a paid reading to its end, showing each stage; `onUpdate` for a follow-up's own view. */
  async function watch(id, { onUpdate = null } = {}) {
    const started = Date.now();
    let stage = "drawing";
    let link = "";
    const say = () => {
      const waited = Date.now() - started;
      const notes = [t(`stage_${stage}`), link, waited > VERY_LONG_MS && !FINAL.has(stage) && t("waitingLong")];
      setStatus(notes.filter(Boolean).join(" · "), !FINAL.has(stage));
    };
    const ticker = setInterval(say, 1000);
    const offer = setTimeout(lineOffer, LONG_MS);
    say();
    try {
      const reading = await follow(id, {
        show: (update) => { stage = update.status || stage; say(); (onUpdate || showLive)(id, update); },
        state: (how, ms) => {
          box().dataset.live = how;
          link = how === "offline" ? t("offline") : how === "retrying" ? t("retrying", { s: Math.ceil(ms / 1000) })
            : "";
          say();
        },
      });
      stage = reading.status;
      return reading;
    } finally {
      clearInterval(ticker);
      clearTimeout(offer);
      $("#line-offer").hidden = true;
      say();
    }
  }

  function showLive(id, update) {
    const el = box();
    if (el.dataset.readingId !== id) return;
    el.dataset.status = update.status || el.dataset.status;
    const draft = update.draft;
    if (draft && String(draft.attempt) !== el.dataset.attempt) { // a new attempt: its text starts over
      el.dataset.attempt = String(draft.attempt);
      showText(el, { cards: (current.cards || []).map((c) => ({ id: c.id, meaning: "" })) }, app.prefill);
    }
    if (draft && draft.accepted === true) showText(el, draft, app.prefill);
    if (update.status === "rejected" && update.rejection) showRejection(el, update.rejection, app.prefill);
    if (update.status === "completed" && update.result) showText(el, update.result, app.prefill);
  }

  function lineOffer() {
    const offer = $("#line-offer");
    const on = Boolean(app.profile() && app.profile().notify_line);
    const button = h("button", { type: "button", class: "small primary", testid: "line-offer-button" },
      t("lineOfferButton"));
    button.addEventListener("click", () => run(button, async () => {
      await app.setNotify(true);
      offer.replaceChildren(h("span", { testid: "line-offer-on" }, t("lineOfferOn")));
    }));
    offer.replaceChildren(...(on ? [h("span", { testid: "line-offer-on" }, t("lineOfferOn"))]
      : [h("span", {}, t("lineOffer")), button]));
    offer.hidden = false;
  }

  /** A reading just paid for (or resumed): cards face down, in view, then followed to its end. */
  async function start(paid, { faceDown = true } = {}) {
    localStorage.setItem(PENDING, JSON.stringify({ id: paid.id }));
    current = paid;
    $("#previous-reading").hidden = true;
    box().dataset.status = paid.status;
    skeleton(box(), paid, { faceDown });
    $(".reading-extra", box()).replaceChildren();
    $("#reading-status").scrollIntoView({ block: "start", behavior: "smooth" });
    try {
      const reading = await watch(paid.id);
      localStorage.removeItem(PENDING);
      render(reading);
      await app.loadProfile(); // rewards, or the refund of a refused question
      return reading;
    } catch (err) {
      if (err.status === 404) localStorage.removeItem(PENDING); // deleted, or not this user's
      throw err;
    }
  }

  async function ask(question, spread) {
    setStatus(t("sending"), true);
    try {
      const paid = await api(`${FN}/readings/`, { method: "POST",
        body: { question, spread, language: i18n.lang } });
      app.updateWallet(paid.wallet);
      await start({ ...paid, question });
    } catch (err) {
      if (!current || FINAL.has(box().dataset.status || "")) setStatus("");
      throw err;
    }
  }

  async function dailyCard() {
    setStatus(t("sending"), true);
    const daily = await api(`${FN}/readings/daily`, { method: "POST" });
    if (!daily.created && FINAL.has(daily.status)) return render(await api(`${FN}/readings/${daily.id}`));
    await start({ ...daily, question: t("dailyCard") });
  }

  /** After a reload: the paid reading that was being written, followed on from where it is. */
  async function resume() {
    const pending = JSON.parse(localStorage.getItem(PENDING) || "null");
    if (!pending || !pending.id) return;
    let reading;
    try {
      reading = await api(`${FN}/readings/${encodeURIComponent(pending.id)}`);
    } catch (err) {
      if (err.status === 404) localStorage.removeItem(PENDING);
      throw err;
    }
    app.showTab("ask");
    toast(t("resumed"));
    if (pending.parent) return resumeFollowUp(pending);
    if (FINAL.has(reading.status)) {
      localStorage.removeItem(PENDING);
      return render(reading);
    }
    await start(reading, { faceDown: false });
  }

  /** A follow-up that was being written: its reading again, its item's stage, then the reading once more. */
  async function resumeFollowUp(pending) {
    render(await api(`${FN}/readings/${encodeURIComponent(pending.parent)}`));
    await watch(pending.id, { onUpdate: (_, update) => {
      const el = document.querySelector(`[data-testid="follow-up-item"][data-id="${CSS.escape(pending.id)}"]`);
      const status = el && el.querySelector('[data-testid="follow-up-status"]');
      if (status && update.status) status.textContent = t(`stage_${update.status}`);
    } });
    localStorage.removeItem(PENDING);
    render(await api(`${FN}/readings/${encodeURIComponent(pending.parent)}`));
  }

  return { ask, dailyCard, resume, render, watch, current: () => current,
    clear: () => { current = null; kept = null; } };
}
