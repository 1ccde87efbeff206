import { AppError } from "../../errors";

/** Postgres error codes that are the caller's fault, mapped to a 4xx. */
export function databaseErrorToAppError(error: unknown): AppError | null {
  const pg = findPgError(error);
  if (!pg) return null;
  switch (pg.code) {
    case "23505":
      return new AppError("conflict", "A record with these values already exists", { constraint: pg.constraint ?? pg.constraint_name });
    case "23503":
      return new AppError("validation_failed", "A referenced record does not exist", { constraint: pg.constraint ?? pg.constraint_name });
    case "22P02":
    case "22007":
    case "22008":
      return new AppError("bad_request", "A value has the wrong format");
    case "22001":
      return new AppError("validation_failed", "A value is too long");
    default:
      return null;
  }
}

interface PgLikeError {
  code: string;
  constraint?: string;
  constraint_name?: string;
}

function findPgError(error: unknown, depth = 0): PgLikeError | null {
  if (!error || typeof error !== "object" || depth > 4) return null;
  const candidate = error as { code?: unknown; cause?: unknown };
  if (typeof candidate.code === "string" && /^[0-9A-Z]{5}$/.test(candidate.code)) return candidate as PgLikeError;
  return findPgError(candidate.cause, depth + 1);
}
