import { z } from "zod";
import type { Database } from "../db/client";
import { AppError, isAppError } from "../errors";
import { recordAudit } from "../security/audit";
import type { AuthContext } from "../security/context";
import { installSkillFromArchive, installSkillFromPath, type InstallResult } from "./install";
import { SKILL_LIMITS } from "./limits";
import { actorOf } from "./store";

const ARCHIVE_TYPES = new Set([
  "application/zip",
  "application/x-zip-compressed",
  "application/gzip",
  "application/x-gzip",
  "application/x-tar+gzip",
  "application/x-compressed-tar",
  "application/octet-stream",
]);
/** Room for multipart boundaries and part headers around the file. */
const MULTIPART_OVERHEAD = 64 * 1024;

const pathBody = z.object({
  path: z.string().min(1, { message: "must name a folder on the server" }).max(4096),
  replace: z.boolean().optional(),
});

const truthy = (v: unknown) => v === true || v === "true" || v === "1" || v === "yes";

/**
 * POST /api/runtime/skills: an archive (multipart field `file`, or the raw body as
 * application/zip or application/gzip) or `{path}` JSON for a folder on the server.
 * Refusals are audited as failed installs; nothing else is kept.
 */
export async function installSkillFromRequest(db: Database, ctx: AuthContext, req: Request, opts: { replace?: boolean }): Promise<InstallResult> {
  try {
    return await dispatch(db, ctx, req, opts);
  } catch (error) {
    if (isAppError(error)) {
      await recordAudit(db, {
        eventType: "skill.installed",
        action: "skill:install",
        outcome: "failure",
        ...actorOf(ctx),
        resourceType: "skill",
        details: { code: error.code, reason: error.message },
      });
    }
    throw error;
  }
}

async function dispatch(db: Database, ctx: AuthContext, req: Request, opts: { replace?: boolean }): Promise<InstallResult> {
  const contentType = req.headers.get("content-type") ?? "";
  const mediaType = contentType.split(";")[0].trim().toLowerCase();
  if (mediaType === "application/json") {
    const parsed = pathBody.safeParse(parseJson(await readBodyCapped(req, 64 * 1024)));
    if (!parsed.success) {
      throw new AppError("validation_failed", "Request body is invalid", {
        issues: parsed.error.issues.map((i) => ({ path: i.path.join("."), message: i.message, code: i.code })),
      });
    }
    return installSkillFromPath(db, ctx, parsed.data.path, { replace: opts.replace || parsed.data.replace });
  }
  if (mediaType === "multipart/form-data") {
    const raw = await readBodyCapped(req, SKILL_LIMITS.maxCompressedBytes + MULTIPART_OVERHEAD);
    let form: FormData;
    try {
      form = await new Response(new Uint8Array(raw), { headers: { "content-type": contentType } }).formData();
    } catch {
      throw new AppError("bad_request", "The multipart body cannot be read");
    }
    const file = form.get("file");
    if (!file || typeof file === "string") throw new AppError("validation_failed", "Send the archive in a form field named file");
    if (file.size > SKILL_LIMITS.maxCompressedBytes) throw tooLarge();
    const archive = Buffer.from(await file.arrayBuffer());
    return installSkillFromArchive(db, ctx, archive, { replace: opts.replace || truthy(form.get("replace")) });
  }
  if (ARCHIVE_TYPES.has(mediaType)) {
    const archive = await readBodyCapped(req, SKILL_LIMITS.maxCompressedBytes);
    return installSkillFromArchive(db, ctx, archive, opts);
  }
  throw new AppError(
    "unsupported_media_type",
    "Send multipart/form-data with a file field, a raw application/zip or application/gzip body, or application/json {path}",
  );
}

/** Read the request body, stopping as soon as it passes the limit (never buffering a huge upload). */
export async function readBodyCapped(req: Request, limit: number): Promise<Buffer> {
  const declared = Number(req.headers.get("content-length") ?? "");
  if (Number.isFinite(declared) && declared > limit) throw tooLarge();
  if (!req.body) throw new AppError("bad_request", "The request has no body");
  const reader = req.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel().catch(() => undefined);
      throw tooLarge();
    }
    chunks.push(value);
  }
  if (size === 0) throw new AppError("bad_request", "The request body is empty");
  return Buffer.concat(chunks);
}

function parseJson(raw: Buffer): unknown {
  try {
    return JSON.parse(raw.toString("utf8"));
  } catch {
    throw new AppError("bad_request", "Body is not valid JSON");
  }
}

function tooLarge(): AppError {
  return new AppError("payload_too_large", `The archive is larger than ${SKILL_LIMITS.maxCompressedBytes} bytes`, {
    limit_bytes: SKILL_LIMITS.maxCompressedBytes,
  });
}
