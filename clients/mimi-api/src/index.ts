/**
 * The MiMiVibes API for the LIFF app: openapi-fetch, typed by the paths `make client` generates from openapi.json
 * (src/schema.d.ts). Every call answers `{ data, error, response }`; `error` is the problem+json the API answered,
 * typed per operation, with `detail` in the user's language and, for the codes a user can act on, the numbers
 * of the next step (see `isProblem`).
 */
import createClient, { type Client, type Middleware } from "openapi-fetch";

import type { components, paths } from "./schema";

export type { components, operations, paths } from "./schema";

/** Every schema of the API by name, e.g. `Schemas["ReadingPublic"]`. */
export type Schemas = components["schemas"];
/** Any problem+json the API answers. */
export type Problem = Schemas["Problem"];

type ProblemSchemas = {
  [K in keyof Schemas as K extends `${string}Problem` ? K : never]: Schemas[K];
};
/** The problems whose code carries the numbers of a next step (e.g. `insufficient_credits`: price and balance). */
export type CodedProblem = {
  [K in keyof ProblemSchemas]: ProblemSchemas[K] extends { code: infer C }
    ? string extends C
      ? never
      : ProblemSchemas[K]
    : never;
}[keyof ProblemSchemas];
/** The codes that carry fields: "insufficient_credits" | "insufficient_coins" | "already_checked_in" | ... */
export type ProblemCode = CodedProblem["code"];
/** The problem of one such code, with its fields. */
export type ProblemOf<C extends ProblemCode> = Extract<CodedProblem, { code: C }>;

/** Whether an `error` is the problem of this code, typed with its fields: `isProblem(error, "rate_limited")`. */
export function isProblem<C extends ProblemCode>(error: unknown, code: C): error is ProblemOf<C> {
  return typeof error === "object" && error !== null && (error as { code?: unknown }).code === code;
}

export type Language = "th" | "en";

export interface MimiClientOptions {
  /** Where `/functions/<name>/...` is served: `make dev`'s base URL (http://127.0.0.1:8000 unless PORT=). */
  baseUrl?: string;
  /** On AWS each function has its own URL: `{ readings: "https://....lambda-url....on.aws", ... }`. */
  functionUrls?: Partial<Record<string, string>>;
  /** The app's current access token (from POST /functions/auth/line or /refresh), sent as Bearer. */
  accessToken?: () => string | null | undefined;
  /** The profile's language, sent as Accept-Language (the API prefers the token's own, Thai first). */
  language?: () => Language | null | undefined;
  fetch?: (input: Request) => Promise<Response>;
}

/** A typed client: `api.POST("/functions/readings/", { body: { question } })`. */
export function createMimiClient(options: MimiClientOptions = {}): Client<paths> {
  const client = createClient<paths>({ baseUrl: options.baseUrl ?? "", fetch: options.fetch });
  client.use(credentials(options));
  if (options.functionUrls) client.use(routedTo(options.functionUrls));
  return client;
}

function credentials(options: MimiClientOptions): Middleware {
  return {
    onRequest({ request }) {
      const token = options.accessToken?.();
      if (token && !request.headers.has("Authorization")) {
        request.headers.set("Authorization", `Bearer ${token}`);
      }
      const language = options.language?.();
      if (language) request.headers.set("Accept-Language", language);
      return request;
    },
  };
}

/** Sends `/functions/<name>/rest` to `<functionUrls[name]>/rest`, as each Lambda's function URL serves it. */
function routedTo(functionUrls: Partial<Record<string, string>>): Middleware {
  return {
    async onRequest({ request }) {
      const url = new URL(request.url);
      const [, prefix, name, ...rest] = url.pathname.split("/");
      const base = prefix === "functions" && name ? functionUrls[name] : undefined;
      if (!base) return request;
      const target = `${base.replace(/\/$/, "")}/${rest.join("/")}${url.search}`;
      const body = ["GET", "HEAD"].includes(request.method) ? undefined : await request.arrayBuffer();
      return new Request(target, { method: request.method, headers: request.headers, body, signal: request.signal });
    },
  };
}
