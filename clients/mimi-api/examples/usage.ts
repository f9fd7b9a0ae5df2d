// How the LIFF app calls the MiMiVibes API with this package. CI compiles this file with `tsc --strict`
// (make client-check), so a change to the API that breaks it fails CI. README.md shows the same code.
import { createClient as createSupabase, type RealtimeChannel } from "@supabase/supabase-js";

import { createMimiClient, isProblem, type Language, type Schemas } from "../src/index";

// The LIFF SDK (@line/liff), loaded by the app itself.
declare const liff: { getIDToken(): string | null };

// make dev's base URL serves every function under /functions/<name>/ and Supabase Realtime under /realtime/v1;
// on AWS pass `functionUrls` (each function's URL) and the project's SUPABASE_URL instead.
const BASE_URL = "http://127.0.0.1:8000";
const SUPABASE_URL = BASE_URL;
const SUPABASE_ANON_KEY = "<anon key: make dev prints it>";

let session: Schemas["LoginPublic"] | null = null;

const api = createMimiClient({
  baseUrl: BASE_URL,
  accessToken: () => session?.access_token,
  language: () => (session?.user.language as Language | undefined) ?? "th",
});

// ---- LINE login: the LIFF ID token for the app's own tokens ------------------------------------------------
export async function logIn(ref?: string): Promise<Schemas["LoginPublic"]> {
  const idToken = liff.getIDToken();
  if (!idToken) throw new Error("Open the app from LINE first.");
  const { data, error } = await api.POST("/functions/auth/line", { body: { id_token: idToken, ref } });
  if (error) throw new Error(error.detail); // written for the user, in Thai unless they chose English
  session = data;
  return data;
}

// ---- Ask Mimi: the price is spent at once; the problem says what to do when it cannot be --------------------
export async function ask(question: string, spread = "three"): Promise<Schemas["ReadingQueuedPublic"] | null> {
  const { data, error } = await api.POST("/functions/readings/", { body: { question, spread } });
  if (isProblem(error, "insufficient_credits")) {
    offerShop(error.detail, error.price - error.free_points, error.stars);
    return null;
  }
  if (isProblem(error, "rate_limited")) {
    showMessage(error.detail, error.retry_after);
    return null;
  }
  if (error) {
    showMessage(error.detail);
    return null;
  }
  showCards(data.cards); // drawn when the reading was paid for: shown at once, face down, then turned over
  return data; // { id, status: "queued", cards, wallet, spread, price }
}

// ---- Live updates: the reading-stream contract (issue 21; docs/architecture.md, "The contract for clients") ----
// Private topic `reading:<id>`, joined with the app's access token; RLS lets only the reading's owner in. Events:
// `draft` {reading_id, status: "writing", draft} a few times a second while Mimi writes, then one of `completed`
// {reading_id, status, attempt, result}, `rejected` {reading_id, status, rejection}, `failed` {reading_id, status,
// failure_reason}. A draft of a higher attempt starts over (clear the text shown); a lower one is stale. Polling
// GET /functions/readings/{id} (its `draft` while writing) is the fallback.
type Draft = Schemas["ReadingDraftPublic"];
type ReadingUpdate = {
  status: Schemas["ReadingPublic"]["status"];
  draft?: Draft | null;
  result?: Schemas["ReadingResult"] | null;
  rejection?: Schemas["RejectionPublic"] | null;
  failure_reason?: string | null;
};

const supabase = createSupabase(SUPABASE_URL, SUPABASE_ANON_KEY); // its realtime URL: <SUPABASE_URL>/realtime/v1

export async function watch(readingId: string, show: (update: ReadingUpdate) => void): Promise<RealtimeChannel> {
  await supabase.realtime.setAuth(session?.access_token ?? null); // again after every token refresh
  let attempt = 0;
  return supabase
    .channel(`reading:${readingId}`, { config: { private: true } })
    .on("broadcast", { event: "*" }, ({ payload }) => {
      const update = payload as ReadingUpdate;
      if (update.draft && update.draft.attempt < attempt) return; // an older attempt's text: stale
      attempt = update.draft?.attempt ?? attempt;
      show(update);
    })
    .subscribe((status) => {
      if (status !== "CHANNEL_ERROR" && status !== "TIMED_OUT") return;
      void poll(readingId, show);
    });
}

// ---- The fallback: poll until the reading is final ---------------------------------------------------------
const FINAL = new Set(["completed", "rejected", "failed"]);

export async function poll(
  readingId: string,
  show: (update: ReadingUpdate) => void = () => undefined,
): Promise<Schemas["ReadingPublic"]> {
  for (let wait = 500; ; wait = Math.min(wait * 2, 5000)) {
    const { data, error } = await api.GET("/functions/readings/{reading_id}", {
      params: { path: { reading_id: readingId } },
    });
    if (error && error.status < 500) throw new Error(error.detail);
    if (data) show(data); // status, and the draft so far while writing
    if (data && FINAL.has(data.status)) return data;
    await new Promise((resolve) => setTimeout(resolve, data?.status === "writing" ? 500 : wait));
  }
}

// ---- The other next steps ----------------------------------------------------------------------------------
export async function checkIn(): Promise<void> {
  const { data, error } = await api.POST("/functions/credits/daily");
  if (isProblem(error, "already_checked_in")) showMessage(error.detail, undefined, error.next_check_in);
  else if (error) showMessage(error.detail);
  else showMessage(`+${data.reward.coin} coins, ${data.streak}-day streak`);
}

export async function exchange(stars: number): Promise<void> {
  const { error } = await api.POST("/functions/credits/exchange", {
    body: { stars },
    params: { header: { "Idempotency-Key": crypto.randomUUID() } },
  });
  if (isProblem(error, "insufficient_coins")) showMessage(error.detail, undefined, `${error.coins_needed - error.coins}`);
  else if (error) showMessage(error.detail);
}

declare function showCards(cards: Schemas["ReadingQueuedPublic"]["cards"]): void;
declare function offerShop(message: string, creditsShort: number, stars: number): void;
declare function showMessage(message: string, retryAfterS?: number, next?: string): void;
