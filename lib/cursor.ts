import type { ZodType } from "zod";
import { AppError } from "./errors";

/** An opaque keyset cursor: the sort key of the last row returned, base64url-encoded JSON. */
export function encodeCursor(key: readonly unknown[]): string {
  return Buffer.from(JSON.stringify(key)).toString("base64url");
}

/** The sort key back from a cursor, checked against `shape`; anything else is the caller's mistake (400). */
export function decodeCursor<T>(cursor: string, shape: ZodType<T>): T {
  let raw: unknown;
  try {
    raw = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
  } catch {
    raw = undefined;
  }
  const parsed = shape.safeParse(raw);
  if (!parsed.success) throw new AppError("bad_request", "cursor is not one this API returned");
  return parsed.data;
}
