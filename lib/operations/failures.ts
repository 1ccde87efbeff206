import { isTransientDatabaseError, RETRY_AFTER_SECONDS } from "../db/errors";
import { AppError, isAppError } from "../errors";
import { log } from "../log";

/**
 * Any failure as the AppError a caller sees. Database errors that are the caller's fault become
 * a 4xx (never naming a constraint or echoing a value); anything else is logged under the
 * request id, without its query parameters, and answered as a generic 500.
 */
export function toAppError(error: unknown, context: { requestId: string; operation?: string }): AppError {
  if (isAppError(error)) return error;
  const mapped = databaseErrorToAppError(error);
  if (mapped) return mapped;
  if (isTransientDatabaseError(error)) {
    log.warn({ requestId: context.requestId, operation: context.operation, err: error }, "database unavailable");
    return databaseUnavailable();
  }
  log.error({ requestId: context.requestId, operation: context.operation, err: error }, "unhandled error");
  return new AppError("internal", "Something went wrong on the server; the request id identifies it in the logs", { request_id: context.requestId });
}

/**
 * Postgres errors that are the caller's fault, mapped to a 4xx. The answer never names the
 * constraint, table or value: "which constraint" tells a client whether someone else's row
 * exists (an existence oracle), and the value may be another person's.
 */
export function databaseErrorToAppError(error: unknown): AppError | null {
  const pg = findPgError(error);
  if (!pg) return null;
  if (pg.code === "23505") return new AppError("conflict", "A record with these values already exists");
  if (pg.code === "23503") return new AppError("validation_failed", "A referenced record does not exist");
  // Class 22 (data exception: bad format, out of range, NUL, too long) and 54 (a statement too
  // complex or too large): a backstop behind the schemas for values no schema thought of.
  if (pg.code === "22001") return new AppError("validation_failed", "A value is too long");
  if (pg.code.startsWith("22")) return new AppError("validation_failed", "A value has the wrong format or is out of range");
  if (pg.code.startsWith("54")) return new AppError("validation_failed", "The request is too large or too complex for the database");
  return null;
}

interface PgLikeError {
  code: string;
}

function findPgError(error: unknown, depth = 0): PgLikeError | null {
  if (!error || typeof error !== "object" || depth > 4) return null;
  const candidate = error as { code?: unknown; cause?: unknown };
  if (typeof candidate.code === "string" && /^[0-9A-Z]{5}$/.test(candidate.code)) return candidate as PgLikeError;
  return findPgError(candidate.cause, depth + 1);
}

/** 503 with Retry-After: the database is unreachable or a bounded wait ran out; nothing was changed, try again. */
export function databaseUnavailable(): AppError {
  return new AppError(
    "unavailable",
    "The database is unreachable or busy right now; nothing was changed. Retry in a few seconds.",
    { retry_after_seconds: RETRY_AFTER_SECONDS },
    { "retry-after": String(RETRY_AFTER_SECONDS) },
  );
}
