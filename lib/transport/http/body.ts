import { AppError } from "../../errors";

/** The largest JSON body any operation accepts. */
export const MAX_JSON_BYTES = 1_048_576;

/**
 * Read a request body, refusing it as soon as it passes `limit`: a declared Content-Length over
 * the limit is refused before a byte is read, and a streamed body is cut off at the limit, so
 * a huge upload never sits in memory.
 */
export async function readBody(req: Request, limit: number): Promise<Buffer> {
  const declared = Number(req.headers.get("content-length") ?? "");
  if (Number.isFinite(declared) && declared > limit) throw tooLarge(limit);
  if (!req.body) return Buffer.alloc(0);
  const reader = req.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel().catch(() => undefined);
      throw tooLarge(limit);
    }
    chunks.push(value);
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

function tooLarge(limit: number): AppError {
  return new AppError("payload_too_large", `The body is larger than ${limit} bytes`, { limit_bytes: limit });
}
