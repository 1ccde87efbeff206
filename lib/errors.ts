/** Every failure the API reports maps to one of these codes and its HTTP status. */
export const ERROR_STATUS = {
  bad_request: 400,
  validation_failed: 422,
  unauthenticated: 401,
  forbidden: 403,
  not_found: 404,
  method_not_allowed: 405,
  conflict: 409,
  invalid_state: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  rate_limited: 429,
  /** A per-user limit (live sessions, pending devices, tokens) is reached; free one up first. */
  quota_exceeded: 429,
  internal: 500,
  unavailable: 503,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

export interface ErrorBody {
  error: { code: ErrorCode; message: string; details?: unknown };
}

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly details?: unknown;
  readonly headers?: Record<string, string>;

  constructor(code: ErrorCode, message: string, details?: unknown, headers?: Record<string, string>) {
    super(message);
    this.name = "AppError";
    this.code = code;
    this.details = details;
    this.headers = headers;
  }

  get status(): number {
    return ERROR_STATUS[this.code];
  }

  toBody(): ErrorBody {
    return { error: { code: this.code, message: this.message, ...(this.details === undefined ? {} : { details: this.details }) } };
  }

  toResponse(requestId?: string): Response {
    const headers = new Headers(this.headers);
    headers.set("content-type", "application/json; charset=utf-8");
    if (requestId) headers.set("x-request-id", requestId);
    return new Response(JSON.stringify(this.toBody()), { status: this.status, headers });
  }

  static notFound(what = "Resource"): AppError {
    return new AppError("not_found", `${what} not found`);
  }
}

export function isAppError(value: unknown): value is AppError {
  return value instanceof AppError || (typeof value === "object" && value !== null && (value as { name?: string }).name === "AppError" && "code" in value);
}
