import createClient from "openapi-fetch";
import type { paths } from "./api/openapi";
import { resolveTarget, type Target } from "./config";
import { CliError, EXIT, type ExitCode } from "./exit-codes";

export type ApiClient = ReturnType<typeof createClient<paths>>;

export const USER_AGENT = "clawlink-cli/0.2";
/** Ordinary calls give up after this; streams have their own heartbeat-based watchdog. */
const REQUEST_TIMEOUT_MS = 30_000;

export interface Connection {
  target: Target & { token: string };
  api: ApiClient;
}

/** The signed-in node, or exit 4 with what to do about it. */
export function connect(): Connection {
  const target = resolveTarget();
  if (!target) throw new CliError("Not signed in: run `clawlink login <url>` (or set CLAWLINK_URL and CLAWLINK_TOKEN)", EXIT.auth, "not_signed_in");
  if (!target.token) throw new CliError(`No token for ${target.url}: run \`clawlink login ${target.url}\` (or set CLAWLINK_TOKEN)`, EXIT.auth, "not_signed_in");
  return { target: { url: target.url, token: target.token }, api: clientFor(target.url, target.token) };
}

export function clientFor(url: string, token: string | null): ApiClient {
  return createClient<paths>({
    baseUrl: url,
    headers: { "user-agent": USER_AGENT, ...(token ? { authorization: `Bearer ${token}` } : {}) },
    fetch: (request) => fetchOrExplain(url, request),
  });
}

/** fetch, with a timeout, and a network failure turned into exit 5 naming the node. */
export async function fetchOrExplain(url: string, request: Request, options: { timeoutMs?: number | null } = {}): Promise<Response> {
  const timeoutMs = options.timeoutMs === undefined ? REQUEST_TIMEOUT_MS : options.timeoutMs;
  const signal = timeoutMs === null ? request.signal : AbortSignal.any([request.signal, AbortSignal.timeout(timeoutMs)]);
  try {
    return await fetch(request, { signal });
  } catch (error) {
    if (request.signal.aborted) throw error;
    throw unreachable(url, error);
  }
}

export function unreachable(url: string, error: unknown): CliError {
  const e = error as { name?: string; cause?: { code?: string; message?: string } };
  const why = e.name === "TimeoutError" ? "no answer in time" : (e.cause?.code ?? e.cause?.message ?? (error as Error).message);
  return new CliError(`Cannot reach the node at ${url} (${why})`, EXIT.unreachable, "unreachable");
}

type ApiResult<T> = { data?: T; error?: unknown; response: Response };

/** The response body of a successful call; an API error becomes a CliError with the node's own message. */
export async function call<T>(request: Promise<ApiResult<T>>): Promise<T> {
  const { data, error, response } = await request;
  if (response.ok) return data as T;
  throw apiError(response, error);
}

export function apiError(response: Response, body: unknown): CliError {
  const detail = (body as { error?: { code?: string; message?: string; details?: unknown } } | undefined)?.error;
  const message = detail?.message ?? `The node answered ${response.status} ${response.statusText}`.trim();
  return errorForStatus(response.status, detail?.code ?? `http_${response.status}`, message, detail?.details);
}

/** The same failure, whether an HTTP status brought it or the in-process runtime threw it. */
export function errorForStatus(status: number, code: string, message: string, details?: unknown): CliError {
  return new CliError(explain(status, message), exitCodeForStatus(status), code, details);
}

function exitCodeForStatus(status: number): ExitCode {
  if (status === 401 || status === 403) return EXIT.auth;
  if (status === 400 || status === 422) return EXIT.usage;
  if (status === 502 || status === 503 || status === 504) return EXIT.unreachable;
  return EXIT.failed;
}

function explain(status: number, message: string): string {
  if (status === 401) return `${message}. Run \`clawlink login <url>\` to sign in again.`;
  if (status === 403) return `Not allowed: ${message}`;
  return message;
}
