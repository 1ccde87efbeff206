import { ZodError, type ZodType } from "zod";
import type { Database } from "../db/client";
import { AppError } from "../errors";
import { log } from "../log";
import { authorize } from "../security/authorize";
import type { AuthContext } from "../security/context";
import { Download, EventStream, Reply, type Call, type CallMeta, type Operation, type Outcome, type Upload } from "./define";
import { findInputProblem } from "./input-guard";

/** An operation's input as a transport received it, before validation. */
export interface RawInput {
  params?: Record<string, string>;
  query?: Record<string, string>;
  /** Read only after the caller is known to be allowed (a refused caller's body is never read). */
  body?: () => Promise<unknown>;
  /** A non-JSON body, when the operation accepts one of its content type. */
  upload?: Upload;
}

/**
 * Run one operation for a caller, the same way for every transport: authentication required
 * unless public (401), the operation's permission (403, audited), the input parsed (400 for
 * params and query, 422 for the body; NUL characters and absurd nesting are refused in any of
 * them, see input-guard), then the operation itself.
 */
export async function invoke(op: Operation, call: { ctx: AuthContext | null; input: RawInput; db: Database; meta: CallMeta }): Promise<Outcome<unknown>> {
  const { ctx } = call;
  if (op.access !== "public") {
    if (!ctx) throw new AppError("unauthenticated", "Sign in or send Authorization: Bearer <token>", undefined, { "www-authenticate": 'Bearer realm="coderclawlink"' });
    // Permission before parsing: callers without it learn nothing about the input schema.
    if (op.access !== "signed-in") await authorize(ctx, op.access);
  }
  const params = parse(op.params, call.input.params ?? {}, "bad_request", "Invalid path parameter");
  const query = parse(op.query, call.input.query ?? {}, "bad_request", "Invalid query parameter");
  const upload = op.upload ? call.input.upload : undefined;
  const body = op.body && !upload ? parse(op.body, await (call.input.body?.() ?? {}), "validation_failed", "Request body is invalid") : undefined;
  const outcome = await op.run({ ctx, params, query, body, upload, db: call.db, meta: call.meta } as Call<never, unknown, unknown, unknown>);
  if (checkOutputs) assertOutput(op, outcome);
  return outcome;
}

function parse(schema: ZodType | undefined, value: unknown, code: "bad_request" | "validation_failed", message: string): unknown {
  // Before the schema, for every input: no operation can forget it for one of its fields.
  const problem = findInputProblem(value);
  if (problem) throw new AppError(code, message, { issues: [problem] });
  if (!schema) return value;
  const parsed = safeParse(schema, value);
  if (!parsed.success) {
    throw new AppError(code, message, {
      issues: parsed.error.issues.map((i) => ({ path: i.path.join("."), message: i.message, code: i.code })),
    });
  }
  return parsed.data;
}

/**
 * A schema's verdict on the input. A refinement that throws on input it did not expect (zod runs
 * refinements even after an earlier check failed: `new URL()` on a non-URL) is the input's fault,
 * so it is refused like any invalid value, never a 500.
 */
function safeParse(schema: ZodType, value: unknown): ReturnType<ZodType["safeParse"]> {
  try {
    return schema.safeParse(value);
  } catch (error) {
    log.debug({ err: error }, "an input schema threw while validating");
    return { success: false, error: new ZodError([{ code: "custom", path: [], message: "is not valid input", input: undefined }]) } as ReturnType<ZodType["safeParse"]>;
  }
}

// Tests hold every answer to its declared shape, so the OpenAPI document and the browser's types cannot drift from it.
const checkOutputs = process.env.NODE_ENV === "test";

function assertOutput(op: Operation, outcome: unknown): void {
  if (outcome instanceof EventStream || outcome instanceof Download || !op.output) return;
  const value = outcome instanceof Reply ? outcome.body : outcome;
  const parsed = op.output.safeParse(value);
  if (!parsed.success) {
    const where = parsed.error.issues.slice(0, 5).map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`);
    throw new Error(`${op.name} answered a body that does not match its output schema: ${where.join("; ")}`);
  }
}
