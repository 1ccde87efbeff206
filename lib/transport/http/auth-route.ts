import { AppError, ERROR_STATUS, isAppError, type ErrorCode } from "../../errors";
import { MAX_JSON_BYTES, readBody } from "./body";

type Handler<R extends Request> = (req: R) => Promise<Response>;

/**
 * next-auth's routes (/api/auth/*) under the same edge rules as the rest of /api: the body is
 * read through the 1 MiB limit while streaming (next-auth itself would buffer any size), and an
 * error next-auth answers in its own form ("Bad request.", an empty 405) becomes the API's error
 * body (security headers come from next.config.ts, as for pages). `rebuild` makes the request next-auth expects (a NextRequest) around the bounded body.
 */
export function edgeAuthRoute<R extends Request>(handler: Handler<R>, rebuild: (req: R, body: Buffer | undefined) => R): Handler<R> {
  return async (req) => {
    let res: Response;
    try {
      const body = req.body ? await readBody(req, MAX_JSON_BYTES) : undefined;
      res = await handler(rebuild(req, body));
    } catch (error) {
      if (!isAppError(error)) throw error;
      return error.toResponse();
    }
    return asErrorBody(res);
  };
}

/** Methods next-auth has no route for: the API's JSON 405 with Allow. */
export function authMethodNotAllowed(): Response {
  return new AppError("method_not_allowed", "Sign-in routes support GET and POST", { allow: ["GET", "POST"] }, { allow: "GET, POST" }).toResponse();
}

async function asErrorBody(res: Response): Promise<Response> {
  if (res.status < 400 || res.status >= 500 || (await isErrorBody(res.clone()))) return res;
  const code = (Object.entries(ERROR_STATUS).find(([, status]) => status === res.status)?.[0] ?? "bad_request") as ErrorCode;
  const text = (await res.text().catch(() => "")).replace(/^"|"$/g, "").slice(0, 200);
  const error = new AppError(code, text || "The sign-in request was refused");
  const headers = new Headers(res.headers);
  headers.delete("content-length");
  headers.set("content-type", "application/json; charset=utf-8");
  return new Response(JSON.stringify(error.toBody()), { status: res.status, headers });
}

async function isErrorBody(res: Response): Promise<boolean> {
  if (!(res.headers.get("content-type") ?? "").includes("json")) return false;
  const body = (await res.json().catch(() => null)) as { error?: { code?: unknown } } | null;
  return typeof body?.error?.code === "string";
}
