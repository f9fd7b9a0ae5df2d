// Sharing a completed reading: a revocable link (POST/DELETE /readings/{id}/share) and a preview of what a friend
// who opens it sees (GET /readings/shared/{token}, no login).
const READINGS = "/functions/readings";

export const SHARE_I18N = {
  th: {
    shareTitle: "แชร์คำทำนาย", shareQuestion: "แสดงคำถามของฉันด้วย", shareButton: "สร้างลิงก์แชร์",
    shareCreated: "สร้างลิงก์แชร์แล้ว", shareLink: "ลิงก์แชร์", shareRevoke: "ยกเลิกลิงก์",
    shareRevoked: "ยกเลิกลิงก์แล้ว {n} ลิงก์", sharePreview: "ดูแบบที่เพื่อนเห็น",
    shareGone: "ลิงก์นี้ไม่มีอยู่หรือถูกยกเลิกแล้ว",
  },
  en: {
    shareTitle: "Share this reading", shareQuestion: "Show my question too", shareButton: "Create a share link",
    shareCreated: "Share link created", shareLink: "Share link", shareRevoke: "Revoke links",
    shareRevoked: "{n} link(s) revoked", sharePreview: "Preview as a friend",
    shareGone: "This link does not exist or was revoked",
  },
};

/** The share box of a reading over the console's helpers: api, request (no login), h, t, toast, run, copy. */
export function createShare({ api, request, h, t, toast, run, copy }) {
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
      state.share && linkView(reading, state, draw), state.view && preview(state.view),
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
      h("div", { class: "row" }, button("share-preview", t("sharePreview"), open),
        button("share-revoke", t("shareRevoke"), revoke))];
  }

  function preview(shared) {
    const position = (c) => (shared.language === "th" ? c.position_th : c.position_en) || c.position;
    const card = (c) => h("li", { class: "card", testid: "shared-card", "data-orientation": c.orientation },
      h("span", { class: "card-th" }, c.name_th || c.name), h("span", { class: "card-pos" }, position(c)),
      c.orientation === "reversed" && h("span", { class: "card-orientation" }, t("reversed")));
    return h("div", { class: "shared-view", testid: "shared-view", lang: shared.language },
      shared.question && h("p", { class: "muted", testid: "shared-question" }, `“${shared.question}”`),
      h("p", { class: "header", testid: "shared-header" }, shared.header || ""),
      h("ul", { class: "cards" }, (shared.cards || []).map(card)),
      h("p", { testid: "shared-final" }, shared.final || ""));
  }

  return { view };
}
