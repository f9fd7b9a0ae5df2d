// Follow one paid reading to its end, and never give it up: Realtime broadcasts on the private topic
// reading:<id> (the official supabase-js, the app's access token), GET /readings/{id} as the fallback (before the
// socket joins, after it closes, after a reload). A failed poll is retried with capped backoff; offline, it waits
// for the network. The reading's `draft` carries an attempt number: a higher one starts the text over.
import { ApiError, FN, api, auth } from "./core.js";

export const FINAL = new Set(["completed", "rejected", "failed"]);
const POLL_MS = 700;
const WRITING_POLL_MS = 500;
const BACKOFF_FIRST_MS = 1000;
const BACKOFF_MAX_MS = 15000;
const SOCKET_CHECK_MS = 15000; // a joined socket can die silently: GET now and then all the same

let realtime = null;

/** The supabase-js client for Realtime, or null when the console cannot have it (then it polls). */
function realtimeClient() {
  realtime ??= (async () => {
    const config = await fetch("/console/config.json").then((r) => (r.ok ? r.json() : null)).catch(() => null);
    if (!config || !config.realtime_js) return null;
    const loaded = await new Promise((resolve) => {
      const script = Object.assign(document.createElement("script"), { src: config.realtime_js });
      script.onload = () => resolve(true);
      script.onerror = () => resolve(false);
      document.head.append(script);
    });
    if (!loaded || !window.supabase) return null;
    return window.supabase.createClient(config.supabase_url, config.anon_key,
      { auth: { persistSession: false, autoRefreshToken: false, detectSessionInUrl: false } });
  })();
  return realtime;
}

/** Join reading:<id>; `joined` once it is, `down` once it fails or closes (never both after down). */
async function subscribe(id, { message, joined, down }) {
  const client = await realtimeClient();
  if (!client || !auth.session) return down() || null;
  await client.realtime.setAuth(auth.session.access_token);
  let over = false;
  const channel = client.channel(`reading:${id}`, { config: { private: true } })
    .on("broadcast", { event: "*" }, ({ payload }) => { if (!over) message(payload); })
    .subscribe((status) => {
      if (over) return;
      if (status === "SUBSCRIBED") return joined();
      over = true;
      client.removeChannel(channel);
      down();
    });
  return { close: () => { if (!over) { over = true; client.removeChannel(channel); } } };
}

const retryable = (err) => err instanceof ApiError
  && (err.code === "network_error" || err.status >= 500 || err.status === 429 || err.status === 408);

/** Resolves with the final reading. `show(update)` gets every reading or broadcast worth showing; `state(s, ms)`
 * says how the console follows it: joining, socket, polling, retrying (in ms), offline. */
export async function follow(id, { show, state }) {
  let attempt = 0;
  let ended = false;
  let mode = "joining";
  let waiting = null; // ends the current wait between two GETs
  let kicked = false; // a wake-up while a GET is in flight, kept for the next wait
  const wake = () => { if (waiting) waiting(); else kicked = true; };
  const accept = (update) => {
    if (ended && !FINAL.has(update.status)) return; // a GET read before the end broadcast: stale
    const seen = update.draft ? update.draft.attempt : null;
    if (seen != null && seen < attempt) return; // an older attempt's text: stale
    if (seen != null) attempt = seen;
    ended = FINAL.has(update.status);
    show(update);
  };
  const live = await subscribe(id, {
    message: (payload) => { accept(payload); if (FINAL.has(payload.status)) wake(); },
    joined: () => { mode = "socket"; wake(); }, // GET once more: what was sent before the join
    down: () => { mode = "polling"; wake(); },
  });
  try {
    for (let failures = 0; ;) {
      let reading = null;
      try {
        reading = await api(`${FN}/readings/${encodeURIComponent(id)}`);
        failures = 0;
      } catch (err) {
        if (!retryable(err)) throw err;
        failures += 1;
      }
      if (reading) accept(reading);
      if (reading && FINAL.has(reading.status)) return reading;
      await new Promise((resolve) => {
        if (kicked) { kicked = false; resolve(); return; }
        const ms = pause(mode, failures, reading, state);
        const timer = ms === null ? null : setTimeout(wake, ms);
        if (ms === null) window.addEventListener("online", wake, { once: true });
        waiting = () => {
          waiting = null;
          clearTimeout(timer);
          window.removeEventListener("online", wake);
          resolve();
        };
      });
    }
  } finally {
    if (live) live.close();
  }
}

/** How long to wait before the next GET (null: until the network is back), told to `state`. */
function pause(mode, failures, reading, state) {
  if (!navigator.onLine) return state("offline") || null;
  if (failures) {
    const ms = Math.min(BACKOFF_FIRST_MS * 2 ** (failures - 1), BACKOFF_MAX_MS);
    state("retrying", ms);
    return ms;
  }
  state(mode);
  if (mode === "socket") return SOCKET_CHECK_MS;
  return reading && reading.status === "writing" ? WRITING_POLL_MS : POLL_MS;
}
