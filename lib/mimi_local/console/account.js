// The account box of the profile: export my data (GET /profile/export, saved as a file) and delete my account
// (DELETE /profile/, after a confirm step that names what is erased and what is kept).
import { $, FN, api, h, run, toast } from "./core.js";
import { t } from "./i18n.js";

export const ACCOUNT_I18N = {
  th: {
    account: "บัญชีของฉัน", exportData: "ดาวน์โหลดข้อมูลของฉัน", exported: "ดาวน์โหลดข้อมูลแล้วค่ะ",
    deleteAccount: "ลบบัญชี", deleteConfirmText: "ลบบัญชีแล้วจะกู้คืนไม่ได้ค่ะ คำทำนาย ดาว แต้มฟรี และเหรียญทั้งหมดจะหายไป"
      + " (เก็บไว้เฉพาะยอดเงินตามที่กฎหมายกำหนด) พิมพ์ ลบ เพื่อยืนยัน",
    deleteConfirmButton: "ยืนยันลบบัญชี", deleteCancel: "ยกเลิก", deleteWord: "ลบ", accountDeleted: "ลบบัญชีแล้วค่ะ",
  },
  en: {
    account: "My account", exportData: "Download my data", exported: "Your data was downloaded",
    deleteAccount: "Delete account", deleteConfirmText: "Deleting your account cannot be undone: your readings, "
      + "stars, free points and coins are gone (only payment amounts are kept, as the law requires). Type DELETE "
      + "to confirm.", deleteConfirmButton: "Delete my account", deleteCancel: "Cancel", deleteWord: "DELETE",
    accountDeleted: "Your account was deleted",
  },
};

async function exportData() {
  const data = await api(`${FN}/profile/export`);
  const url = URL.createObjectURL(new Blob([JSON.stringify(data, null, 2)], { type: "application/json" }));
  const link = h("a", { href: url, download: "mimivibes-my-data.json", hidden: true });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
  toast(t("exported"));
}

/** The box's contents; `onDeleted` ends the session once the account is gone. */
export function accountView(onDeleted) {
  const word = h("input", { testid: "delete-confirm-word", "aria-label": t("deleteConfirmText"),
    autocomplete: "off" });
  const confirm = h("button", { type: "button", class: "danger", testid: "delete-confirm", disabled: true },
    t("deleteConfirmButton"));
  const cancel = h("button", { type: "button", class: "ghost small", testid: "delete-cancel" }, t("deleteCancel"));
  const step = h("div", { class: "confirm", testid: "delete-step", hidden: true },
    h("p", {}, t("deleteConfirmText")), word, h("div", { class: "row" }, confirm, cancel));
  const start = h("button", { type: "button", class: "danger small", testid: "delete-account",
    onclick: () => { step.hidden = false; word.focus(); } }, t("deleteAccount"));
  word.addEventListener("input", () => { confirm.disabled = word.value.trim() !== t("deleteWord"); });
  cancel.addEventListener("click", () => { step.hidden = true; word.value = ""; confirm.disabled = true; });
  confirm.addEventListener("click", () => run(confirm, async () => {
    await api(`${FN}/profile/`, { method: "DELETE" });
    onDeleted(t("accountDeleted"));
  }));
  const exporter = h("button", { type: "button", class: "small", testid: "export-data",
    onclick: (ev) => run(ev.currentTarget, exportData) }, t("exportData"));
  return [h("div", { class: "row wrap" }, exporter, start), step];
}

export function renderAccount(onDeleted) {
  $("#account-body").replaceChildren(...accountView(onDeleted));
}
