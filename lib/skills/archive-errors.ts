import { AppError } from "../errors";
import { SKILL_LIMITS } from "./limits";

/** The errors both archive readers raise, worded the same for zip and tar.gz. */
export function entryRefused(name: string, why: string): AppError {
  const entry = name.replace(/[\u0000-\u001f\u007f]/g, "?").slice(0, 200);
  return new AppError("validation_failed", `Archive entry "${entry}" is refused: ${why}`, { entry, reason: why });
}

export function expandsTooMuch(): AppError {
  return new AppError("payload_too_large", `The skill expands to more than ${SKILL_LIMITS.maxUncompressedBytes} bytes`, {
    limit_bytes: SKILL_LIMITS.maxUncompressedBytes,
  });
}

export function tooManyFiles(message = `The skill has more than ${SKILL_LIMITS.maxFiles} files`): AppError {
  return new AppError("validation_failed", message, { limit_files: SKILL_LIMITS.maxFiles, limit_entries: SKILL_LIMITS.maxEntries });
}

export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
