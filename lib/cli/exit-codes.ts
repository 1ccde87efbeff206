/** The command's exit codes (documented in the README; scripts rely on them). */
export const EXIT = {
  ok: 0,
  /** The task failed, or the command did. */
  failed: 1,
  usage: 2,
  cancelled: 3,
  /** Not signed in, a bad or expired token, or not allowed. */
  auth: 4,
  /** The node cannot be reached (connection refused, DNS, timeout, 502–504). */
  unreachable: 5,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** A failure the command reports as one clear line (or a JSON error body) and an exit code, never a stack. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: ExitCode,
    readonly code: string = codeFor(exitCode),
    readonly details?: unknown,
  ) {
    super(message);
    this.name = "CliError";
  }
}

function codeFor(exitCode: ExitCode): string {
  return { 0: "ok", 1: "failed", 2: "usage", 3: "cancelled", 4: "unauthenticated", 5: "unreachable" }[exitCode];
}

/** The exit code a finished task's state stands for. */
export function exitCodeForState(state: string): ExitCode {
  if (state === "COMPLETED") return EXIT.ok;
  if (state === "CANCELLED") return EXIT.cancelled;
  return EXIT.failed;
}

export const usageError = (message: string, details?: unknown) => new CliError(message, EXIT.usage, "usage", details);
