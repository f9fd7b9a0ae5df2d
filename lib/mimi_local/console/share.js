// Sharing a completed reading: a revocable link (POST/DELETE /readings/{id}/share), a preview of what a friend
// who opens it sees (GET /readings/shared/{token}, no login), the LINE Flex message the API built for
// liff.shareTargetPicker, and the LIFF app's /shared/{token} page itself.
import { cardView } from "./cards.js";
import { $, ApiError, h, request } from "./core.js";
import { t } from "./i18n.js";

const READINGS = "/functions/readings";

export const SHARE_I18N = {
  th: {
    shareTitle: "แชร์คำทำนาย", shareQuestion: "แสดงคำถามของฉันด้วย", shareButton: "สร้างลิงก์แชร์",
    shareCreated: "สร้างลิงก์แชร์แล้ว", shareLink: "ลิงก์แชร์", shareRevoke: "ยกเลิกลิงก์",
    shareRevoked: "ยกเลิกลิงก์แล้ว {n} ลิงก์", sharePreview: "ดูแบบที่เพื่อนเห็น",
    shareGone: "ลิงก์นี้ไม่มีอยู่หรือถูกยกเลิกแล้วค่ะ ขอให้เพื่อนส่งลิงก์ใหม่ หรือเปิดมีมี่เพื่อดูดวงของคุณเองนะคะ",
    flexTitle: "ข้อความที่จะส่งทาง LINE", openShared: "เปิดหน้าที่เพื่อนเห็น", sharedTitle: "คำทำนายที่เพื่อนแชร์มา",
    sharedAsk: "ลองดูดวงกับมีมี่",
  },
  en: {
    shareTitle: "Share this reading", shareQuestion: "Show my question too", shareButton: "Create a share link",
    shareCreated: "Share link created", shareLink: "Share link", shareRevoke: "Revoke links",
    shareRevoked: "{n} link(s) revoked", sharePreview: "Preview as a friend",
    shareGone: "This link does not exist or was revoked. Ask your friend for a new one, or open Mimi for a reading of "
      + "your own.",
    flexTitle: "The message sent on LINE", openShared: "Open the page a friend sees", sharedTitle: "A reading shared "
      + "with you", sharedAsk: "Ask Mimi yourself",
  },
};

/** The share box of a reading over the console's helpers: api, request (no login), h, t, toast, run, copy. */
export function createShare({ api, toast, run, copy }) {
  const links = new Map(); // reading id -> { share, view, gone }: survives a re-render (language switch)

  function view(reading) {
    const state = links.get(reading.id) || {};
    const box = h("section", { class: "share", testid: "share" });
    const draw = () => box.replaceChildren(...parts(reading, state, draw).flat().filter(Boolean));
    draw();
    return box;
  }

  function parts(reading, state, draw) {
    const include = h("input", { type: "checkbox", testid: "share-include-question" });
    const create = h("button", { type: "button", class: "small", testid: "share-button" }, t("shareButton"));
    create.addEventListener("click", () => run(create, async () => {
      const body = { include_question: include.checked };
      state.share = await api(`${READINGS}/${reading.id}/share`, { method: "POST", body });
      Object.assign(state, { view: null, gone: false });
      links.set(reading.id, state);
      draw();
      toast(t("shareCreated"));
    }));
    return [h("h3", {}, t("shareTitle")),
      h("label", { class: "row" }, include, h("span", {}, t("shareQuestion"))), create,
      state.share && linkView(reading, state, draw), state.share && flexView(state.share.flex_message),
      state.view && preview(state.view),
      state.gone && h("p", { class: "rejection", testid: "shared-gone" }, t("shareGone"))];
  }

  function linkView(reading, state, draw) {
    const input = h("input", { readonly: true, testid: "share-link", value: state.share.url,
      "aria-label": t("shareLink") });
    const button = (testid, label, action) => {
      const el = h("button", { type: "button", class: "small", testid }, label);
      el.addEventListener("click", () => run(el, action));
      return el;
    };
    const open = async () => {
      try {
        Object.assign(state, { view: await request(`${READINGS}/shared/${state.share.token}`, { auth: false }),
          gone: false });
      } catch (err) {
        if (err.status !== 404) throw err;
        Object.assign(state, { view: null, gone: true });
      }
      draw();
    };
    const revoke = async () => {
      const result = await api(`${READINGS}/${reading.id}/share`, { method: "DELETE" });
      toast(t("shareRevoked", { n: result.revoked }));
      if (state.view) await open();
    };
    return [h("div", { class: "row" }, input, button("share-copy", t("copy"), () => copy(input))),
      h("div", { class: "row wrap" }, button("share-preview", t("sharePreview"), open),
        button("share-revoke", t("shareRevoke"), revoke),
        h("a", { href: `/shared/${state.share.token}`, class: "small-link", testid: "share-open-page" },
          t("openShared")))];
  }

  return { view };
}

/** The public view of a shared reading, as a card. */
function preview(shared) {
  const card = (c) => {
    const el = cardView(c);
    el.dataset.testid = "shared-card";
    return el;
  };
  return h("div", { class: "shared-view", testid: "shared-view", lang: shared.language },
    shared.question && h("p", { class: "muted", testid: "shared-question" }, `“${shared.question}”`),
    h("p", { class: "header", testid: "shared-header" }, shared.header || ""),
    h("ul", { class: "cards" }, (shared.cards || []).map(card)),
    h("p", { testid: "shared-final" }, shared.final || ""));
}

/** The Flex bubble as LINE draws it: its body's texts, then its footer's button. */
function flexView(flex) {
  const bubble = (flex && flex.contents) || {};
  const part = (node) => {
    if (!node) return null;
    if (node.type === "box") return h("div", { class: `flex-box ${node.layout || ""}` }, (node.contents || []).map(part));
    if (node.type === "text") return h("p", { class: `flex-text ${node.size || ""} ${node.weight || ""}`,
      style: node.color ? `color:${node.color}` : null }, node.text);
    if (node.type === "button") return h("span", { class: "flex-button", testid: "flex-button",
      style: node.color ? `background:${node.color}` : null }, node.action && node.action.label);
    return null;
  };
  return h("figure", { class: "flex-preview", testid: "flex-preview" },
    h("figcaption", { class: "muted" }, t("flexTitle")),
    h("div", { class: "flex-bubble", title: flex && flex.altText }, part(bubble.body), part(bubble.footer)));
}

/** The LIFF app's /shared/{token} page: no login, the public view as a card, or why there is none. */
export async function sharedPage(token) {
  const page = $("#shared-page");
  page.hidden = false;
  try {
    const shared = await request(`${READINGS}/shared/${encodeURIComponent(token)}`, { auth: false });
    page.replaceChildren(h("h2", {}, t("sharedTitle")), preview(shared));
  } catch (err) {
    if (!(err instanceof ApiError) || err.status !== 404) throw err;
    page.replaceChildren(h("p", { class: "rejection", testid: "shared-gone" }, err.detail || t("shareGone")));
  }
  page.append(h("a", { href: "/", class: "button-link primary", testid: "shared-ask" }, t("sharedAsk")));
}
