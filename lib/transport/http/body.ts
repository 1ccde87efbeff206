import { AppError } from "../../errors";

/** The largest JSON body any operation accepts. */
export const MAX_JSON_BYTES = 1_048_576;

/** Bodies up to this size are always read; beyond it, each byte counts against the shared budget. */
export const SMALL_BODY_BYTES = 64 * 1024;

/**
 * How many bytes of large request bodies the node holds at once, across all requests: a
 * thousand concurrent 1 MiB posts must not take a gigabyte. A read that would pass it is refused
 * with 503 + Retry-After (small bodies are never refused, so the API stays usable).
 */
export class BodyBudget {
  private used = 0;
  constructor(readonly capacity: number) {}

  take(bytes: number): boolean {
    if (this.used + bytes > this.capacity) return false;
    this.used += bytes;
    return true;
  }

  give(bytes: number): void {
    this.used = Math.max(0, this.used - bytes);
  }

  get inUse(): number {
    return this.used;
  }
}

export const bodyBudget = new BodyBudget(64 * 1024 * 1024);

/**
 * Read a request body, refusing it as soon as it passes `limit`: a declared Content-Length over
 * the limit is refused before a byte is read, and a streamed body is cut off at the limit, so
 * a huge upload never sits in memory. Past SMALL_BODY_BYTES the bytes come out of `budget`.
 */
export async function readBody(req: Request, limit: number, budget: BodyBudget = bodyBudget): Promise<Buffer> {
  const declared = Number(req.headers.get("content-length") ?? "");
  if (Number.isFinite(declared) && declared > limit) throw tooLarge(limit);
  if (!req.body) return Buffer.alloc(0);
  const reader = req.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  let reserved = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > limit) throw tooLarge(limit);
      const beyondSmall = Math.max(0, size - SMALL_BODY_BYTES) - reserved;
      if (beyondSmall > 0) {
        if (!budget.take(beyondSmall)) throw busy();
        reserved += beyondSmall;
      }
      chunks.push(value);
    }
  } catch (error) {
    await reader.cancel().catch(() => undefined);
    throw error;
  } finally {
    budget.give(reserved);
  }
  return Buffer.concat(chunks);
}

/** A JSON body within MAX_JSON_BYTES; an empty body reads as {} so optional-only schemas pass. */
export async function readJson(req: Request): Promise<unknown> {
  const type = req.headers.get("content-type") ?? "";
  const text = (await readBody(req, MAX_JSON_BYTES)).toString("utf8");
  if (text.trim() === "") return {};
  if (type && !isJsonType(type)) throw new AppError("unsupported_media_type", "Send the body as application/json");
  try {
    return JSON.parse(text);
  } catch {
    throw new AppError("bad_request", "Body is not valid JSON");
  }
}

export function isJsonType(contentType: string): boolean {
  const media = contentType.split(";")[0]!.trim().toLowerCase();
  return media === "application/json" || media.endsWith("+json");
}

function busy(): AppError {
  return new AppError("unavailable", "Too many large request bodies at once; retry shortly", { retry_after_seconds: 1 }, { "retry-after": "1" });
}

function tooLarge(limit: number): AppError {
  return new AppError("payload_too_large", `The body is larger than ${limit} bytes`, { limit_bytes: limit });
}
